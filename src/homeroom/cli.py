"""The `homeroom` command: set up a workspace, check and load data, compute metrics, report.

Exit status: 0 success; 1 unexpected failure; 2 a dataset, definition or request that cannot be
used (the message names the table, file and column); 3 `check` found rows to quarantine.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from homeroom import __version__
from homeroom.cli_output import (
    UsageProblem,
    WorkspaceOption,
    err,
    frame_writer,
    grade_span,
    out,
    print_frame,
    print_monitors,
    print_quarantine,
    print_rows,
    write_quarantine,
)
from homeroom.definitions import Definition, DefinitionError, available, load_definition

if TYPE_CHECKING:
    import duckdb

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

EXIT_UNUSABLE = 2
EXIT_QUARANTINED = 3


# -- shared options ---------------------------------------------------------------------------
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
    typer.Option("--as-of", help="Count only days through this date (YYYY-MM-DD)."),
]
EngineOption = Annotated[
    str | None,
    typer.Option("--engine", help="duckdb (default, embedded) or pyspark (local Spark)."),
]


def _definition(name: str | None, workspace_root: Path | None = None) -> Definition:
    """The definition asked for; else the workspace's (given, or around the current folder)."""
    if name is not None:
        return load_definition(name)
    from homeroom.warehouse import WorkspaceError, open_workspace

    try:
        return open_workspace(workspace_root).definition()
    except WorkspaceError:
        if workspace_root is not None:
            raise
        return load_definition(None)


def _as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise UsageProblem(f"--as-of must be a date like 2025-01-31; got {value!r}") from exc


@contextmanager
def _status(message: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr whose text follows the steps of long work."""
    with err.status(message) as status:

        def update(step: str) -> None:
            status.update(f"{message}: {step}")

        yield update


# -- commands ---------------------------------------------------------------------------------
@app.command(
    epilog="Example: `homeroom init district-2025 --definition california`",
)
def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the workspace (made if missing).")],
    definition: DefinitionOption = None,
    name: Annotated[str | None, typer.Option(help="A name for reports.")] = None,
) -> None:
    """Make a workspace: a folder with homeroom.toml and, after `load`, its DuckDB file."""
    from homeroom.warehouse import init_workspace

    workspace = init_workspace(folder, name=name, definition=definition or "default")
    out.print(f"Workspace [bold]{workspace.name}[/] ready: {workspace.config_path}")
    out.print(f"Next: homeroom load DATA_DIR --workspace {folder}")


@app.command(
    epilog="Example: `homeroom check exports/2025 --quarantine rejected.csv`",
)
def check(
    data_dir: Annotated[Path, typer.Argument(help="Folder of canonical tables.")],
    quarantine: Annotated[
        Path | None,
        typer.Option(help="Write rejected rows here (CSV: table, file, line, column, reason)."),
    ] = None,
    definition: DefinitionOption = None,
) -> None:
    """Validate a dataset folder without loading it. Exit 0 if clean, 3 if rows were rejected."""
    import duckdb

    from homeroom.contract import validate_dataset
    from homeroom.quality import run_monitors

    chosen = _definition(definition)
    con = duckdb.connect()
    try:
        with _status(f"Checking {data_dir}") as update:
            report = validate_dataset(Path(data_dir), con, definition=chosen, progress=update)
            monitors = run_monitors(con, quarantine=report.quarantine, progress=update)
    finally:
        con.close()
    print_rows(report.rows_read, report.rows_loaded)
    for note in report.notes:
        out.print(f"note: {note}")
    if quarantine is not None:
        write_quarantine(report.quarantine, quarantine)
    print_quarantine(report.quarantine, quarantine, report.duplicates_collapsed)
    print_monitors(monitors, hint=f"homeroom quality --data {data_dir} --monitor KEY")
    if report.quarantined:
        raise typer.Exit(EXIT_QUARANTINED)


@app.command(
    epilog="Example: `homeroom load exports/2025 --workspace district-2025`",
)
def load(
    data_dir: Annotated[Path, typer.Argument(help="Folder of canonical tables.")],
    workspace: WorkspaceOption = None,
    definition: DefinitionOption = None,
    quarantine: Annotated[
        Path | None, typer.Option(help="Also write the rejected rows to this CSV file.")
    ] = None,
) -> None:
    """Validate a dataset and make it the workspace's data, all or nothing, with a load history.

    Loading the same files again changes nothing. Rejected rows are kept in the workspace's
    quarantine table (and in --quarantine FILE.csv when given).
    """
    from homeroom.warehouse import load_dataset, open_workspace

    space = open_workspace(workspace)
    chosen = _definition(definition) if definition else space.definition()
    with _status(f"Loading {data_dir}") as update:
        result = load_dataset(space, data_dir, definition=chosen, progress=update)
    if result.status == "unchanged":
        out.print(f"These files are already loaded (load {result.load_id}); nothing changed.")
    else:
        out.print(
            f"Load {result.load_id}: loaded into {space.warehouse} in {result.seconds:.1f} s "
            f"with definition {chosen.name} {chosen.version}."
        )
        print_rows(result.rows_read, result.rows_loaded)
        for note in result.notes:
            out.print(f"note: {note}")
    if quarantine is not None:
        write_quarantine(result.quarantine, quarantine)
    print_quarantine(result.quarantine, quarantine, result.duplicates_collapsed)
    if result.monitors:
        print_monitors(list(result.monitors), hint="homeroom quality --monitor KEY")
    else:
        out.print("The data-quality monitors did not run for this load.")


@app.command(epilog="Example: `homeroom history --workspace district-2025`")
def history(workspace: WorkspaceOption = None) -> None:
    """List the workspace's loads: when, with which definition, rows and quarantined rows."""
    from homeroom.warehouse import connect, load_history, open_workspace

    space = open_workspace(workspace)
    con = connect(space, read_only=True)
    try:
        frame = load_history(con)
    finally:
        con.close()
    table = Table(title=f"Loads of {space.name}")
    for column in ("load", "when (UTC)", "status", "definition", "quarantined", "duplicates"):
        table.add_column(column)
    for row in frame.itertuples():
        table.add_row(
            str(row.load_id),
            f"{row.loaded_at:%Y-%m-%d %H:%M}",
            row.status,
            row.definition,
            f"{row.rows_quarantined:,}",
            f"{row.duplicates_collapsed:,}",
        )
    out.print(table)


@app.command(
    epilog=(
        "Examples:\n\n"
        "`homeroom metrics --data exports/2025 --level school --out schools.csv`\n\n"
        "`homeroom metrics --level district --by grade_level,race_ethnicity --as-of 2025-01-31"
        " --out district.parquet`\n\n"
        "`homeroom metrics --data exports/2025 --level student --per district --out students.json`"
    ),
)
def metrics(
    level: Annotated[str, typer.Option(help="student, school, district or state.")] = "school",
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Compute straight from a dataset folder (validated first)."),
    ] = None,
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
        typer.Option("--out", help="Write all rows to FILE.csv, FILE.parquet or FILE.json."),
    ] = None,
) -> None:
    """Chronic absence for students, schools, districts or a state, under a definition."""
    from homeroom.pipeline import LEVELS, metrics_for_folder, metrics_for_workspace
    from homeroom.warehouse import open_workspace

    if level not in LEVELS:
        raise UsageProblem(f"--level must be one of {', '.join(LEVELS)}; got {level!r}")
    groups = tuple(c.strip() for c in by.split(",") if c.strip()) if by else ()
    if groups and level == "student":
        raise UsageProblem("--by splits aggregates; use it with --level school, district or state")
    writer = frame_writer(out_file) if out_file is not None else None
    request = {"level": level, "per": per, "by": groups, "as_of": _as_of(as_of)}
    space = None
    if data is not None:
        chosen = _definition(definition)
        with _status(f"Computing {level} metrics from {data}"):
            frame = metrics_for_folder(
                data,
                definition=chosen,
                engine=engine or "duckdb",
                on_validated=_warn_quarantined(data),
                **request,
            )
    else:
        space = open_workspace(workspace)
        chosen = _definition(definition) if definition else space.definition()
        with _status(f"Computing {level} metrics"):
            frame = metrics_for_workspace(space, definition=chosen, engine=engine, **request)
    if level == "student" and space is not None:
        space.audit(
            "student_metrics",
            rows=len(frame),
            per=per,
            out=str(out_file) if out_file else "screen",
        )
    if writer is not None:
        writer(frame, out_file)
        err.print(f"Wrote {len(frame):,} rows to {out_file} (definition {chosen.name}).")
    else:
        print_frame(frame, f"{level.capitalize()} metrics — definition {chosen.name}")


@app.command(epilog="Examples: `homeroom definitions` · `homeroom definitions california`")
def definitions(
    name: Annotated[
        str | None, typer.Argument(help="Show one definition in full (name or TOML path).")
    ] = None,
) -> None:
    """List the shipped definitions of chronic absence, or show one in full."""
    if name is not None:
        chosen = load_definition(name)
        table = Table(title=f"{chosen.name} {chosen.version} — {chosen.description}")
        table.add_column("setting")
        table.add_column("value")
        for key, value in chosen.summary_rows():
            table.add_row(key, value)
        out.print(table)
        return
    table = Table(title="Definitions of chronic absence")
    for column in (
        "name",
        "version",
        "chronically absent",
        "eligible from",
        "partial days",
        "grades",
    ):
        table.add_column(column)
    for shipped in sorted(available()):
        chosen = load_definition(shipped)
        table.add_row(
            chosen.name,
            chosen.version,
            chosen.threshold_label,
            f"{chosen.minimum_days_enrolled} days",
            chosen.partial_days.replace("_", " "),
            grade_span(chosen.grades),
        )
    out.print(table)
    out.print("Details: homeroom definitions NAME.")
    out.print("Use your own: copy one to a .toml file, change it, pass --definition FILE.toml.")


@app.command(
    epilog=(
        "Examples: `homeroom synth --students 5000 --schools 12 --out data` · "
        "`homeroom synth --students 6000000 --schools 9000 --districts 400 --out state`"
    ),
)
def synth(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the tables to.")],
    students: Annotated[int, typer.Option(help="Students enrolled per school year.")] = 5000,
    schools: Annotated[int, typer.Option(help="Schools in all.")] = 12,
    years: Annotated[int, typer.Option(help="School years, ending with --last-year.")] = 1,
    seed: Annotated[int, typer.Option(help="The same seed gives the same data.")] = 1,
    districts: Annotated[int, typer.Option(help="More than 1 makes a state.")] = 1,
    last_year: Annotated[
        int, typer.Option(help="The latest school year (2025 is 2024-25).")
    ] = 2025,
    file_format: Annotated[
        str, typer.Option("--format", help="parquet (fast, small) or csv.")
    ] = "parquet",
) -> None:
    """Write a realistic synthetic district (or state) as canonical tables, for demos and tests."""
    from rich.progress import Progress

    from homeroom.synth import generate

    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("Generating", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = generate(
            out_dir,
            students=students,
            schools=schools,
            years=years,
            seed=seed,
            districts=districts,
            last_school_year=last_year,
            fmt=file_format,
            progress=progress,
        )
    out.print(
        f"Wrote {summary.students:,} students in {summary.schools} schools of "
        f"{summary.districts} district(s), school years {', '.join(map(str, summary.school_years))}"
        f": {summary.stays:,} stays, {summary.student_days:,} student-days, "
        f"{summary.attendance_rows:,} attendance rows in {summary.seconds:.1f} s → {out_dir}"
    )


@app.command(
    epilog=(
        "Examples: `homeroom report --workspace district-2025 --out report.pdf` · "
        "`homeroom report --data exports/2025 --as-of 2025-01-31 --out report.html`"
    ),
)
def report(
    data: Annotated[
        Path | None, typer.Option("--data", help="Report straight from a dataset folder.")
    ] = None,
    workspace: WorkspaceOption = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Also write the printable district report: FILE.pdf, or FILE.html (the same "
            "document as one self-contained page). Adds month-by-month trends.",
        ),
    ] = None,
    html: Annotated[
        Path | None, typer.Option(help="The same as --out FILE.html (kept for older scripts).")
    ] = None,
    as_of: AsOfOption = None,
    definition: DefinitionOption = None,
    engine: EngineOption = None,
) -> None:
    """The district summary: chronic rate with ADA beside it, tiers, schools, largest gaps."""
    import duckdb
    import pandas as pd

    from homeroom.pipeline import MetricsSession, engine_tables, require_compatible_load
    from homeroom.reports import build_summary, render_terminal
    from homeroom.reports.pdf import SUFFIXES
    from homeroom.warehouse import connect, open_workspace

    if out_file is not None and out_file.suffix.lower() not in SUFFIXES:
        raise UsageProblem(f"--out must end in .pdf or .html; got {out_file.name!r}")
    day = _as_of(as_of)
    if data is not None:
        from homeroom.contract import validate_dataset

        chosen = _definition(definition)
        con = duckdb.connect()
        with _status(f"Checking {data}") as update:
            validated = validate_dataset(data, con, definition=chosen, progress=update)
        _warn_quarantined(data)(validated)
        units = validated.units_per_day
        title = None
    else:
        space = open_workspace(workspace)
        chosen = _definition(definition) if definition else space.definition()
        con = connect(space, read_only=True)
        units = require_compatible_load(con, space, chosen).units_per_day
        title = space.name
    chosen_engine = engine or "duckdb"
    trend: tuple = ()
    try:
        names = _unit_names(con)
        with engine_tables(con, units, chosen_engine) as tables:
            # One pass over attendance for the whole summary, not one per table in it (DuckDB
            # keeps it; Spark recomputes but shares one copy of the tables).
            keep = chosen_engine == "duckdb"
            with (
                MetricsSession(tables, chosen, as_of=day, keep=keep) as session,
                _status("Computing the summary"),
            ):
                summary = build_summary(
                    lambda level, by=(): session.frame(level, by=by),
                    chosen,
                    title=title,
                    as_of=day,
                    names=names,
                )
            if out_file is not None or html is not None:
                # The trends: the unit's rate through each month end of each school year.
                from rich.progress import Progress

                from homeroom.reports.pdf import month_ends, month_trend

                spans = con.execute(
                    "SELECT school_year, min(date), max(date) FROM calendar "
                    "WHERE instructional GROUP BY school_year"
                ).fetchall()
                # Without --as-of, stop at the last attendance row: a month the data have not
                # reached would count its days as present (as the serving snapshots do).
                latest = con.execute("SELECT max(date) FROM attendance").fetchall()[0][0]
                ends = month_ends(
                    {int(y): (a, b) for y, a, b in spans},
                    day or latest,
                    through_year=summary.school_year,
                )

                def rates_at(date: dt.date) -> pd.DataFrame:
                    with MetricsSession(tables, chosen, as_of=date, keep=False) as at_date:
                        return at_date.frame(summary.unit_kind)

                with Progress(console=err, transient=True) as bar:
                    task = bar.add_task("Month-end rates for the trends", total=len(ends))
                    trend = month_trend(
                        rates_at,
                        ends,
                        summary,
                        progress=lambda done, _total: bar.update(task, completed=done),
                    )
    finally:
        con.close()
    render_terminal(summary, out)
    from homeroom.reports.pdf import render_report, write_report

    if html is not None:
        with _status("Writing the HTML report") as update:
            page = render_report(summary, trend, progress=update)
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(page, encoding="utf-8")
        out.print(f"HTML report: {html}")
    if out_file is not None:
        with _status("Writing the report") as update:
            write_report(summary, out_file, trend, progress=update)
        out.print(f"Report: {out_file}")


@app.command()
def version() -> None:
    """Print the version."""
    out.print(f"homeroom {__version__}")


# -- helpers ----------------------------------------------------------------------------------
def _warn_quarantined(data_dir: Path) -> Callable[[object], None]:
    """Numbers from a folder leave out its rejected rows: say so, every time."""

    def warn(report: object) -> None:
        count = getattr(report, "quarantined", 0)
        if count:
            err.print(
                f"[yellow]warning:[/] {count:,} rows of {data_dir} were quarantined and are not "
                f"counted; see them with: homeroom check {data_dir} --quarantine FILE.csv"
            )

    return warn


def _unit_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "SELECT school_id, school_name FROM schools UNION ALL "
        "SELECT DISTINCT district_id, district_name FROM schools"
    ).fetchall()
    return {str(key): str(name) for key, name in rows}


def main() -> None:
    """Run the command; turn known problems into a clear message and exit status."""
    from homeroom.pipeline import MetricsRequestError
    from homeroom.warehouse import WorkspaceError

    known: tuple[type[BaseException], ...] = (
        DefinitionError,
        MetricsRequestError,
        WorkspaceError,
        UsageProblem,
    )
    try:
        from homeroom.contract import ContractError

        known = (*known, ContractError)
    except ImportError:  # pragma: no cover - only while the contract layer is being built
        pass
    try:
        # Without standalone mode click returns the exit status instead of calling sys.exit.
        status = app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("Stopped.")
        sys.exit(130)
    except known as exc:
        err.print(f"[bold red]error:[/] {exc}")
        sys.exit(getattr(exc, "exit_code", EXIT_UNUSABLE))
    except Exception as exc:
        # Usage errors (typer's own click exceptions) know how to show themselves.
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    sys.exit(status if isinstance(status, int) else 0)


# -- command groups kept in their own modules (they import this one, so register them last) ----
def _register_groups() -> None:
    from homeroom import (
        cli_interop,
        cli_map,
        cli_pull,
        cli_quality,
        cli_signals,
        cli_users,
        cli_web,
    )

    app.add_typer(cli_interop.import_app, name="import")
    app.add_typer(cli_interop.export_app, name="export")
    app.add_typer(cli_interop.pull_app, name="pull")
    cli_pull.register(cli_interop.pull_app)
    cli_map.register(app)
    cli_quality.register(app)
    cli_users.register(app)
    cli_web.register(app)
    cli_signals.register(app)


if __name__ == "__main__":
    # Run as a script, this file is __main__ and the groups would import a second copy of it:
    # hand over to the package module, which registers them once.
    from homeroom.cli import main as package_main

    package_main()
else:
    _register_groups()
