"""The `homeroom` command: options declared once (`options`), one module per command group.

`app` is the Typer application; `main` runs it with clear messages and exit statuses.
"""

from homeroom.cli.app import app, main

__all__ = ["app", "main"]
