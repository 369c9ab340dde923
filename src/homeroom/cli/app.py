"""The `homeroom` command: the Typer app, its command groups, and how failures are shown.

Exit status: 0 success; 1 unexpected failure; 2 a dataset, definition or request that cannot be
used (the message names the table, file and column); 3 `check` found rows to quarantine; 4
`audit verify` found the audit log's hash chain broken.
"""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

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
from homeroom.cli.output import EXIT_UNUSABLE, UsageProblem, err
from homeroom.definitions import DefinitionError

app = typer.Typer(
    name="homeroom",
    help=(
        "Homeroom: find every student who is missing too much school, early enough to help.\n\n"
        "Start with `homeroom synth --out data` for a synthetic district, or point `homeroom "
        "check` at a folder of your own canonical tables (see docs/data-contract.md)."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
)

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
        status = app(standalone_mode=False)
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
