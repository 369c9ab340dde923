"""`homeroom pull edfi`: read a live Ed-Fi ODS/API into a raw store, then import it.

The raw store (`DATA_DIR/edfi-resources/`) keeps the API's items as they came; later pulls ask
only for what changed since. The import that follows is `homeroom import edfi` on that store, so
the canonical tables and `load_report.md` are the same as from exported files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from homeroom.cli.interop import FormatOption, ImportOutOption, finish_import
from homeroom.cli.options import DefinitionOption, status
from homeroom.cli.output import UsageProblem, err, out

EPILOG = (
    "Example: `export HOMEROOM_EDFI_KEY=… HOMEROOM_EDFI_SECRET=…` then "
    "`homeroom pull edfi --url https://ods.example.org/api --school-year 2025 --out data/2025`. "
    "Run it again to fetch only what changed; add `--full` to read everything again."
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app` (the `homeroom pull` group)."""
    app.command("edfi", epilog=EPILOG)(pull_edfi_command)


UrlOption = Annotated[
    str,
    typer.Option(
        "--url",
        envvar="HOMEROOM_EDFI_URL",
        help="The API root (https://host/api) or its data API (…/data/v3, with a school-year "
        "segment after it where the ODS is split by year).",
    ),
]

KeyOption = Annotated[
    str,
    typer.Option(
        "--key",
        envvar="HOMEROOM_EDFI_KEY",
        help="The API client key. Prefer the environment variable: a command line can be "
        "seen by other users of the machine.",
    ),
]

SecretOption = Annotated[
    str,
    typer.Option(
        "--secret",
        envvar="HOMEROOM_EDFI_SECRET",
        help="The API client secret (never printed). Prefer the environment variable.",
    ),
]

SchoolYearOption = Annotated[
    int | None,
    typer.Option(
        "--school-year",
        help="Only this school year (2025 = 2024-25): calendars, sessions, attendance and "
        "enrollments. Default: every year the API holds.",
    ),
]

FullOption = Annotated[
    bool,
    typer.Option("--full", help="Read everything again instead of only what changed."),
]

DescriptorMapOption = Annotated[
    Path | None,
    typer.Option(
        "--descriptor-map",
        help="CSV mapping Ed-Fi descriptors to categories (see `homeroom export "
        "edfi-descriptor-map`).",
    ),
]

RetriesOption = Annotated[
    int,
    typer.Option(
        "--retries",
        min=1,
        help="Tries per request when the API is busy (429), failing (5xx) or unreachable.",
    ),
]

BackoffOption = Annotated[
    float,
    typer.Option(
        "--backoff",
        min=0.0,
        help="Seconds to wait after the first failed try; doubled after each (at most 30 s).",
    ),
]


def pull_edfi_command(
    url: UrlOption,
    out_dir: ImportOutOption,
    key: KeyOption,
    secret: SecretOption,
    school_year: SchoolYearOption = None,
    full: FullOption = False,
    descriptor_map: DescriptorMapOption = None,
    retries: RetriesOption = 6,
    backoff: BackoffOption = 0.5,
    fmt: FormatOption = "csv",
    definition: DefinitionOption = None,
) -> None:
    """Pull students, enrollments, calendars and attendance from a live Ed-Fi ODS/API (v5-7)
    into DATA_DIR/edfi-resources, then write the canonical tables and load_report.md."""
    from homeroom.interop.edfi.client import EdFiError, RetryPolicy
    from homeroom.interop.edfi.pull import RAW_DIR_NAME, pull_edfi

    raw_dir = Path(out_dir) / RAW_DIR_NAME
    policy = RetryPolicy(attempts=retries, base=backoff)
    try:
        with _ProgressBars() as bars:
            summary = pull_edfi(
                url,
                key,
                secret,
                raw_dir,
                school_year=school_year,
                full=full,
                policy=policy,
                progress=bars.update,
            )
    except EdFiError as exc:
        raise UsageProblem(f"pull from the Ed-Fi API failed: {exc}") from None
    out.print(summary.describe())
    _print_counts(summary)
    for note in summary.notes:
        out.print(f"note: {note}")

    from homeroom.interop.edfi import import_edfi

    with status(f"Reading {raw_dir}") as update:
        result = import_edfi(raw_dir, descriptor_map=descriptor_map, progress=update)
    result.note(f"Pulled from the Ed-Fi API: {summary.describe()}")
    for note in summary.notes:
        result.note(note)
    finish_import(result, out_dir, fmt, definition)


class _ProgressBars:
    """One bar per resource on stderr, filled as pages arrive (total from Total-Count)."""

    def __init__(self) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<48}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _ProgressBars:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._progress.__exit__(*exc)

    def update(self, resource: str, seen: int, total: int | None) -> None:
        task = self._tasks.get(resource)
        if task is None:
            task = self._progress.add_task(resource, total=total)
            self._tasks[resource] = task
        self._progress.update(task, completed=seen, total=max(total or 0, seen))


def _print_counts(summary) -> None:
    table = Table(title=f"Ed-Fi resources in {summary.raw_dir}")
    for column in ("resource", "read", "deleted", "other years", "stored"):
        table.add_column(column, justify="left" if column == "resource" else "right")
    for resource, count in summary.counts.items():
        if count.skipped:
            table.add_row(resource, "not offered", "", "", "")
            continue
        table.add_row(
            resource,
            f"{count.pulled:,}",
            f"{count.deleted:,}",
            f"{count.other_years:,}",
            f"{count.stored:,}",
        )
    out.print(table)
