"""`homeroom metrics`: chronic absence for students, schools, districts or a state."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from homeroom.cli.options import (
    AsOfOption,
    DataOption,
    DefinitionOption,
    EngineOption,
    WorkspaceOption,
    record_view,
    resolved,
    status,
    words,
    write_about,
)
from homeroom.cli.output import UsageProblem, err, frame_writer, print_frame

if TYPE_CHECKING:
    import pandas as pd

    from homeroom.resolver import Resolved

EPILOG = (
    "Examples:\n\n"
    "`homeroom metrics --data exports/2025 --level school --out schools.csv`\n\n"
    "`homeroom metrics --level district --by grade_level,race_ethnicity --as-of 2025-01-31"
    " --out district.parquet`\n\n"
    "`homeroom metrics --data exports/2025 --level student --per district --out students.xlsx`"
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command(epilog=EPILOG)(metrics)


def metrics(
    level: Annotated[str, typer.Option(help="student, school, district or state.")] = "school",
    data: DataOption = None,
    workspace: WorkspaceOption = None,
    per: Annotated[
        str,
        typer.Option(
            help="For --level student: one row per student and school, district or state."
        ),
    ] = "school",
    by: Annotated[
        str | None,
        typer.Option(help="Split aggregates by these columns, e.g. grade_level,race_ethnicity."),
    ] = None,
    as_of: AsOfOption = None,
    definition: DefinitionOption = None,
    engine: EngineOption = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write all rows to FILE.csv, FILE.xlsx, FILE.parquet or FILE.json (with "
            "FILE.about.json beside it: the as-of date and definition).",
        ),
    ] = None,
) -> None:
    """Chronic absence for students, schools, districts or a state, under a definition."""
    from homeroom.pipeline import LEVELS

    if level not in LEVELS:
        raise UsageProblem(f"--level must be one of {', '.join(LEVELS)}; got {level!r}")
    groups = tuple(c.strip() for c in by.split(",") if c.strip()) if by else ()
    if groups and level == "student":
        raise UsageProblem("--by splits aggregates; use it with --level school, district or state")
    writer = frame_writer(out_file) if out_file is not None else None
    doing = f"Reading {data}" if data else "Reading the workspace"
    # Metrics read neither contacts nor supports: a folder's are checked, not kept.
    with resolved(
        data=data, workspace=workspace, definition=definition, as_of=as_of, engine=engine,
        doing=doing, contacts_and_supports=False,
    ) as request:  # fmt: skip
        with status(f"Computing {level} metrics"):
            frame, rows, staged = _compute(request, level, per, groups, out_file)
        try:
            if level == "student":
                shown = str(out_file) if out_file else "screen"
                record_view(request, "student_metrics", rows=rows, per=per, out=shown)
            if out_file is not None:
                if staged is not None:
                    staged.replace(out_file)
                elif writer is not None and frame is not None:
                    writer(frame, out_file)
                write_about(out_file, request, rows)
                err.print(f"Wrote {rows:,} rows to {out_file} ({words(request)}).")
            elif frame is not None:
                print_frame(frame, f"{level.capitalize()} metrics — {words(request)}")
        finally:
            if staged is not None:
                staged.unlink(missing_ok=True)


def _compute(
    request: Resolved, level: str, per: str, groups: tuple[str, ...], out_file: Path | None
) -> tuple[pd.DataFrame | None, int, Path | None]:
    """The rows as a frame; or, for --out FILE.parquet, written by the engine itself (no trip
    through pandas) to a file beside it, renamed once the export is in the audit log."""
    from homeroom.pipeline import metrics_frame, metrics_parquet

    if out_file is not None and out_file.suffix.lower() == ".parquet":
        staged = out_file.with_name(f".{out_file.name}.partial")
        try:
            return None, metrics_parquet(request, staged, level, per=per, by=groups), staged
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
    frame = metrics_frame(request, level, per=per, by=groups)
    return frame, len(frame), None
