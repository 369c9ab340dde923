"""Set up and bring data in: init, check, load, history, definitions, synth, version."""

from __future__ import annotations

from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from homeroom import __version__
from homeroom.cli.options import DefinitionOption, WorkspaceOption, choose_definition, status
from homeroom.cli.output import (
    EXIT_QUARANTINED,
    err,
    grade_span,
    out,
    print_monitors,
    print_quarantine,
    print_rows,
    write_quarantine,
)
from homeroom.definitions import available, load_definition

if TYPE_CHECKING:
    from homeroom.warehouse import Workspace


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command(
        epilog="Example: `homeroom init district-2025 --definition california`",
    )(init)
    app.command(
        epilog="Example: `homeroom check exports/2025 --quarantine rejected.csv`",
    )(check)
    app.command(
        epilog=(
            "Examples: `homeroom load exports/2025 --workspace district-2025` · "
            "`homeroom load state/D01 --workspace state-2025 --district D01`"
        ),
    )(load)
    app.command(epilog="Example: `homeroom history --workspace district-2025`")(history)
    app.command(epilog="Examples: `homeroom definitions` · `homeroom definitions california`")(
        definitions
    )
    app.command(
        epilog=(
            "Examples: `homeroom synth --students 5000 --schools 12 --out data` · "
            "`homeroom synth --students 6000000 --schools 9000 --districts 400 --out state`"
        ),
    )(synth)
    app.command()(version)


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


def check(
    data_dir: Annotated[Path, typer.Argument(help="Folder of canonical tables.")],
    quarantine: Annotated[
        Path | None,
        typer.Option(help="Write rejected rows here (CSV: table, file, line, column, reason)."),
    ] = None,
    definition: DefinitionOption = None,
) -> None:
    """Validate a dataset folder without loading it. Exit 0 if clean, 3 if rows were rejected."""
    from homeroom.contract import validate_dataset
    from homeroom.quality import run_monitors
    from homeroom.warehouse.memory import memory_connection

    chosen = choose_definition(definition)
    # Bounded (HOMEROOM_MEMORY_LIMIT), spilling to a private temporary folder.
    with memory_connection() as con, status(f"Checking {data_dir}") as update:
        # Neither the counts nor the monitors read contacts or supports: checked, not kept.
        report = validate_dataset(
            Path(data_dir), con, definition=chosen, progress=update, contacts_and_supports=False
        )
        monitors = run_monitors(con, quarantine=report.quarantine, progress=update)
    print_rows(report.rows_read, report.rows_loaded)
    for note in report.notes:
        out.print(f"note: {note}")
    if quarantine is not None:
        write_quarantine(report.quarantine, quarantine)
    print_quarantine(report.quarantine, quarantine, report.duplicates_collapsed)
    print_monitors(monitors, hint=f"homeroom quality --data {data_dir} --monitor KEY")
    if report.quarantined:
        raise typer.Exit(EXIT_QUARANTINED)


def load(
    data_dir: Annotated[Path, typer.Argument(help="Folder of canonical tables.")],
    workspace: WorkspaceOption = None,
    definition: DefinitionOption = None,
    quarantine: Annotated[
        Path | None, typer.Option(help="Also write the rejected rows to this CSV file.")
    ] = None,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            "--allow-shrink",
            help="Load even if a required table ends up empty or the students or attendance "
            "rows drop by more than half since the last load.",
        ),
    ] = False,
    district: Annotated[
        str | None,
        typer.Option(
            help="Replace only this district's rows (DATA_DIR holds that district's tables); "
            "the other districts of the workspace stay as they are. See docs/state.md.",
        ),
    ] = None,
) -> None:
    """Validate a dataset and make it the workspace's data, all or nothing, with a load history.

    Loading the same files again changes nothing. Rejected rows are kept in the workspace's
    quarantine table (and in --quarantine FILE.csv when given). A load that would leave a
    required table empty, or drop more than half of the previous load's students or attendance
    rows, stops with exit 2 and changes nothing, unless --allow-shrink is given.
    With --district ID, only that district's rows are replaced (and guarded against shrinking).
    """
    from homeroom.warehouse import load_dataset, open_workspace
    from homeroom.warehouse.district_load import load_district

    space = open_workspace(workspace)
    chosen = choose_definition(definition, space.root)
    loader = load_dataset if district is None else partial(load_district, district=district)
    with status(f"Loading {data_dir}") as update:
        result = loader(
            space, data_dir, definition=chosen, progress=update, allow_shrink=allow_shrink
        )
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
        _import_supports(space, result.load_id)
    if quarantine is not None:
        write_quarantine(result.quarantine, quarantine)
    print_quarantine(result.quarantine, quarantine, result.duplicates_collapsed)
    if result.monitors:
        print_monitors(list(result.monitors), hint="homeroom quality --monitor KEY")
    else:
        out.print("The data-quality monitors did not run for this load.")


def _import_supports(space: Workspace, load_id: int) -> None:
    """Copy the load's supports into the casebook (issue 14), replacing earlier loads' rows."""
    from homeroom.casebook.store import open_workspace_store, store_url
    from homeroom.cli.casebook import cli_actor
    from homeroom.outreach.effect_sources import import_supports
    from homeroom.warehouse import connect

    con = connect(space, read_only=True)
    try:
        given = con.execute("SELECT count(*) FROM supports").fetchall()[0][0]
        url = store_url(space)
        if not given and url.startswith("sqlite:///") and not Path(url[10:]).exists():
            return  # no supports and no casebook yet: nothing to replace, no casebook made
        with open_workspace_store(space) as store:
            count = import_supports(store, con, load_id, cli_actor())
    finally:
        con.close()
    if count:
        out.print(f"Copied {count:,} supports into the casebook (imported supports).")


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
    # A state loaded district by district: which district each load replaced ("all": a whole load).
    by_district = bool(frame["district_id"].notna().any())
    columns = ["load", "when (UTC)", "status", "definition", "quarantined", "duplicates"]
    for column in [*columns[:3], *(["district"] if by_district else []), *columns[3:]]:
        table.add_column(column)
    for row in frame.itertuples():
        district = [row.district_id if isinstance(row.district_id, str) else "all"]
        table.add_row(
            str(row.load_id),
            f"{row.loaded_at:%Y-%m-%d %H:%M}",
            row.status,
            *(district if by_district else []),
            row.definition,
            f"{row.rows_quarantined:,}",
            f"{row.duplicates_collapsed:,}",
        )
    out.print(table)


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


class Behaviour(StrEnum):
    """`homeroom synth --behaviour`: homeroom.synth.generate's behaviours."""

    simple = "simple"
    realistic = "realistic"


ChronicRateOption = Annotated[
    float,
    typer.Option(
        help="With --behaviour realistic: the share of students chronically absent.",
        min=0.01,
        max=0.8,
    ),
]
SupportsOption = Annotated[
    bool,
    typer.Option(
        "--supports",
        help="Also write supports (letter, call, home visit, plan tier 1-3), mostly to "
        "flagged students, with a known effect (--support-effect; docs/effect.md).",
    ),
]
SupportEffectOption = Annotated[
    float,
    typer.Option(
        help="With --supports: the change the supports make to the served students' absence "
        "rate after they start, in points (0 or negative; -2: two points fewer).",
        max=0.0,
    ),
]


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
    behaviour: Annotated[
        Behaviour,
        typer.Option(
            help="simple (one count of absences per stay) or realistic (attendance that moves "
            "through the year like real attendance; docs/synthetic-data.md).",
        ),
    ] = Behaviour.simple,
    chronic_rate: ChronicRateOption = 0.278,
    supports: SupportsOption = False,
    support_effect: SupportEffectOption = -2.0,
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
            behaviour=behaviour.value,
            chronic_rate=chronic_rate,
            support_effect=support_effect if supports else None,
        )
    out.print(
        f"Wrote {summary.students:,} students in {summary.schools} schools of "
        f"{summary.districts} district(s), school years {', '.join(map(str, summary.school_years))}"
        f": {summary.stays:,} stays, {summary.student_days:,} student-days, "
        f"{summary.attendance_rows:,} attendance rows in {summary.seconds:.1f} s → {out_dir}"
    )


def version() -> None:
    """Print the version."""
    out.print(f"homeroom {__version__}")
