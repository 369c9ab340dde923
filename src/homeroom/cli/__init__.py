"""The `homeroom` command: options declared once (`options`), one module per command group.

`app` is the Typer application; `main` runs it with clear messages and exit statuses.
"""

import sys
from typing import Any

from homeroom.cli.app import main

__all__ = ["app", "main"]

# Importing the submodule made `app` name it; `app` is the Typer application, as it always was,
# built at first use so that `main` can import only the command it runs (cli.app.ALONE).
globals().pop("app", None)


def __getattr__(name: str) -> Any:
    if name == "app":
        built = globals()["app"] = sys.modules["homeroom.cli.app"].__getattr__("app")
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
