"""`homeroom export fs195`: the EDFacts FS195 (chronic absenteeism) file and counts.csv.

Registered by the lead in cli/interop.py:
`export_app.command("fs195", epilog=EPILOG)(export_fs195)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from homeroom.cli.options import (
    AsOfOption,
    DataOption,
    EngineOption,
    WorkspaceOption,
    choose_definition,
    parse_as_of,
    say_what,
    status,
    warn_quarantined,
    write_about,
)
from homeroom.cli.output import UsageProblem, err

if TYPE_CHECKING:
    from homeroom.resolver import Resolved

EPILOG = (
    "Examples:\n\n"
    "`homeroom export fs195 --workspace district-2025 --out fs195/`\n\n"
    "`homeroom export fs195 --data exports/2025 --school-year 2025 --format tab --out fs195/`"
)


def export_fs195(
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="The folder to write the file(s) and counts.csv.")
    ],
    workspace: WorkspaceOption = None,
    data: DataOption = None,
    school_year: Annotated[
        int | None,
        typer.Option(
            help="The school year, named by its end (2025 is 2024-25). Default: the "
            "year of the as-of date."
        ),
    ] = None,
    as_of: AsOfOption = None,
    file_format: Annotated[
        str, typer.Option("--format", help="csv (comma-separated) or tab (tab-separated).")
    ] = "csv",
    file_version: Annotated[
        str, typer.Option(help="Your version of the file, the end of its name (e.g. v1).")
    ] = "v1",
    state: Annotated[
        str | None,
        typer.Option(help="The state's postal code (e.g. CA). Default: schools.state."),
    ] = None,
    engine: EngineOption = None,
) -> None:
    """Write the EDFacts FS195 chronic absenteeism file for the levels it collects (schools),
    under the shipped `edfacts` definition whatever the workspace's own, and counts.csv with
    every level's counts (state, districts, schools) by category, to check it."""
    from homeroom.interop.edfacts import FS195FileError, export_fs195

    if file_format not in ("csv", "tab"):
        raise UsageProblem(f"--format must be csv or tab; got {file_format!r}")
    if not file_version.isalnum() or len(file_version) > 7:
        raise UsageProblem(f"--file-version must be 1 to 7 letters or digits; got {file_version!r}")
    with fs195_request(data, workspace, as_of, engine) as request:
        try:
            with status("FS195") as update:
                written = export_fs195(
                    request,
                    out_dir,
                    school_year=school_year,
                    fmt=file_format,
                    version=file_version,
                    state=state,
                    progress=update,
                )
        except FS195FileError as exc:
            raise UsageProblem(str(exc)) from exc
        write_about(written.out_dir / "counts.csv", request, written.counts_rows)
    for level, path in written.files.items():
        err.print(f"Wrote {path} ({written.records[level]:,} {level} records).")
    err.print(
        f"Wrote {written.out_dir / 'counts.csv'} ({written.counts_rows:,} rows: state, districts "
        f"and schools), {written.school_year - 1}-{written.school_year}, state {written.state}."
    )


@contextmanager
def fs195_request(
    data: Path | None, workspace: Path | None, as_of: str | None, engine: str | None
) -> Iterator[Resolved]:
    """The request resolved under the FS195 definition (`edfacts`, whatever the workspace's)."""
    from homeroom.definitions import load_definition
    from homeroom.interop.edfacts import fs195_definition
    from homeroom.resolver import resolve

    # The exit-date rule is how the workspace's data were read, not a policy: keep it.
    exit_rule = None if data is not None else choose_definition(None, workspace).exit_date
    definition = fs195_definition(load_definition("edfacts"), exit_rule)
    with ExitStack() as stack:
        with status("Reading the data" if data is None else f"Reading {data}") as update:
            request = stack.enter_context(
                resolve(
                    data=data,
                    workspace=workspace,
                    definition=definition,
                    as_of=parse_as_of(as_of),
                    engine=engine,
                    progress=update,
                )
            )
        if request.validation is not None and data is not None:
            warn_quarantined(data)(request.validation)
        say_what(request)
        yield request
