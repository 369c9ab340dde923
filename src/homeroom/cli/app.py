"""The `homeroom` command: the Typer app, its command groups, and how failures are shown.

Exit status: 0 success; 1 unexpected failure; 2 a dataset, definition or request that cannot be
used (the message names the table, file and column); 3 `check` found rows to quarantine; 4
`audit verify` found the audit log's hash chain broken.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from rich.markup import escape

from homeroom.cli.output import EXIT_UNUSABLE, UsageProblem, err
from homeroom.definitions import DefinitionError

HELP = (
    "Homeroom: find every student who is missing too much school, early enough to help.\n\n"
    "Start with `homeroom synth --out data` for a synthetic district, or point `homeroom "
    "check` at a folder of your own canonical tables (see docs/data-contract.md)."
)
# Commands run with only their own module imported: the whole app imports the casebook
# (SQLAlchemy) and every group, half of `homeroom metrics --data`'s start-up.
ALONE = {"metrics": "homeroom.cli.metrics"}


def _typer() -> typer.Typer:
    return typer.Typer(
        name="homeroom",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode="markdown",
    )


def build() -> typer.Typer:
    """The whole app, every command registered."""
    from homeroom.cli import (
        audit,
        awareness,
        data,
        effect,
        interop,
        letters,
        map,
        metrics,
        outreach,
        partners,
        publish,
        pull,
        quality,
        report,
        signals,
        users,
        web,
    )

    app = _typer()
    # The order of `homeroom --help`: set up and load, then numbers, then the groups.
    data.register(app)
    metrics.register(app)
    report.register(app)
    publish.register(app)
    awareness.register(app)
    app.add_typer(interop.import_app, name="import")
    app.add_typer(interop.export_app, name="export")
    app.add_typer(interop.pull_app, name="pull")
    pull.register(interop.pull_app)
    map.register(app)
    quality.register(app)
    users.register(app)
    partners.register(app)
    audit.register(app)
    web.register(app)
    signals.register(app)
    outreach.register(app)
    letters.register(app)
    effect.register(app)
    return app


def __getattr__(name: str) -> Any:
    """`app`, built at first use (importing this module stays light for `main`)."""
    if name == "app":
        built = globals()["app"] = build()
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def for_command(argv: list[str]) -> typer.Typer:
    """The app to run `argv` with: for a command of `ALONE`, an app of that command only."""
    module = ALONE.get(argv[1]) if len(argv) > 1 else None
    if module is None:
        whole: typer.Typer = globals().get("app") or __getattr__("app")
        return whole
    alone = _typer()
    alone.callback()(lambda: None)  # a group, so `homeroom metrics ...` reads as it always did
    importlib.import_module(module).register(alone)
    return alone


def known_problems() -> tuple[type[BaseException], ...]:
    """The exceptions that are the user's to fix: shown as one clear line, never a traceback."""
    from homeroom.contract import ContractError
    from homeroom.pipeline import MetricsRequestError
    from homeroom.resolver import ResolveError
    from homeroom.warehouse import WorkspaceError

    return (
        ContractError,
        DefinitionError,
        MetricsRequestError,
        ResolveError,
        UsageProblem,
        WorkspaceError,
    )


def main() -> None:
    """Run the command; turn known problems into a clear message and exit status."""
    known = known_problems()
    try:
        # Without standalone mode click returns the exit status instead of calling sys.exit.
        status = for_command(sys.argv)(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("Stopped.")
        sys.exit(130)
    except known as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")  # [section] names stay
        sys.exit(getattr(exc, "exit_code", EXIT_UNUSABLE))
    except Exception as exc:
        # Usage errors (typer's own click exceptions) know how to show themselves.
        show = getattr(exc, "show", None)
        code = getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        raise
    sys.exit(status if isinstance(status, int) else 0)
