"""Every option the commands share, declared once with one help text, and their resolution.

A command takes `--data`/`--workspace`, `--definition`, `--as-of` and `--engine` as written
here and hands them to `resolved`, which asks `homeroom.resolver` (the one place that decides
the defaults) and says on the terminal what the numbers are: the as-of date, the definition,
rows quarantined and schools whose attendance stops early.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from homeroom.cli.output import UsageProblem, err

if TYPE_CHECKING:
    from homeroom.contract import ValidationReport
    from homeroom.definitions import Definition
    from homeroom.resolver import Resolved

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="The workspace folder (with homeroom.toml). Default: the current folder or above.",
    ),
]
DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Work straight from a folder of canonical tables (validated first) instead of a "
        "workspace's load.",
    ),
]
DefinitionOption = Annotated[
    str | None,
    typer.Option(
        "--definition",
        "-d",
        help="A shipped definition (see `homeroom definitions`) or a path to your own TOML file. "
        "Default: the workspace's, else `default`.",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Count only days through this date (YYYY-MM-DD). Default: the latest date with "
        "attendance recorded, never after today or the school year's last day.",
    ),
]
EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="duckdb (embedded) or pyspark (local Spark). Default: the workspace's, else duckdb.",
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Write the rows to this file; its ending says the format."),
]


def parse_as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise UsageProblem(f"--as-of must be a date like 2025-01-31; got {value!r}") from exc


def choose_definition(name: str | None, workspace: Path | None = None) -> Definition:
    """The definition asked for; else the workspace's; else `default` (the resolver's rule)."""
    from homeroom.resolver import choose_definition as resolver_choice

    return resolver_choice(name, workspace)


@contextmanager
def status(message: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr whose text follows the steps of long work."""
    with err.status(message) as spinner:

        def update(step: str) -> None:
            spinner.update(f"{message}: {step}")

        yield update


@contextmanager
def resolved(
    *,
    data: Path | None = None,
    workspace: Path | None = None,
    definition: str | None = None,
    as_of: str | None = None,
    engine: str | None = None,
    doing: str = "Reading the data",
    contacts_and_supports: bool = True,
) -> Iterator[Resolved]:
    """The request resolved once (see `homeroom.resolver`), with what it is said on stderr."""
    from homeroom.resolver import resolve

    day = parse_as_of(as_of)
    with ExitStack() as stack:
        with status(doing) as update:
            request = stack.enter_context(
                resolve(
                    data=data,
                    workspace=workspace,
                    definition=definition,
                    as_of=day,
                    engine=engine,
                    progress=update,
                    contacts_and_supports=contacts_and_supports,
                )
            )
        if request.validation is not None and data is not None:
            warn_quarantined(data)(request.validation)
        say_what(request)
        yield request


def words(request: Resolved) -> str:
    """ "as of 5 March 2025, definition default 2.0": what every output names."""
    from homeroom.formats import as_of_words

    return as_of_words(request.as_of, request.definition.name, request.definition.version)


def say_what(request: Resolved) -> None:
    """The as-of date and definition in words, and any school whose attendance stops early."""
    from homeroom.formats import stale_school_sentence

    chosen = "" if request.as_of_given else " (the latest attendance recorded)"
    err.print(f"Numbers {words(request)}{chosen}.")
    for school in request.stale:
        sentence = stale_school_sentence(
            school.school_name, school.last_recorded, school.school_days_missing, request.as_of
        )
        err.print(f"[yellow]warning:[/] {sentence}")


def write_about(out_file: Path, request: Resolved, rows: int) -> Path:
    """A sidecar beside a written file saying what its numbers are (as-of date, definition)."""
    sidecar = out_file.with_name(out_file.name + ".about.json")
    about = {"file": out_file.name, "rows": rows, **request.about()}
    sidecar.write_text(json.dumps(about, indent=2) + "\n", encoding="utf-8")
    return sidecar


def warn_quarantined(data_dir: Path) -> Callable[[ValidationReport], None]:
    """Numbers from a folder leave out its rejected rows: say so, every time."""

    def warn(report: ValidationReport) -> None:
        count = report.quarantined
        if count:
            err.print(
                f"[yellow]warning:[/] {count:,} rows of {data_dir} were quarantined and are not "
                f"counted; see them with: homeroom check {data_dir} --quarantine FILE.csv"
            )

    return warn


def record_view(request: Resolved, action: str, **details: object) -> None:
    """Record a view or export of student rows in the workspace's audit log (a folder has none)."""
    if request.workspace is not None:
        from homeroom.casebook.cli_views import record_cli_view

        record_cli_view(request.workspace, action, **details)
