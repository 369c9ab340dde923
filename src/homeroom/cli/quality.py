"""The `homeroom quality` command: the data-quality monitors' findings and the rows behind them.

From a workspace it shows what the monitors found when the load ran (kept in the warehouse);
from a folder it validates the tables and runs the monitors there and then.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from homeroom.casebook.cli_views import record_cli_view
from homeroom.cli.options import (
    DataOption,
    DefinitionOption,
    WorkspaceOption,
    choose_definition,
    status,
)
from homeroom.cli.output import UsageProblem, err, frame_writer, out, print_frame, print_monitors

if TYPE_CHECKING:
    from homeroom.quality import MonitorResult
    from homeroom.warehouse import Workspace

EPILOG = (
    "Examples:\n\n"
    "`homeroom quality` (the findings of the workspace's latest load)\n\n"
    "`homeroom quality --monitor days_without_attendance`\n\n"
    "`homeroom quality --monitor changed_absences --out changed.csv`\n\n"
    "`homeroom quality --data exports/2025 --monitor unmapped_codes`\n\n"
    "`homeroom quality --load 3` (an earlier load's findings)"
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command(name="quality", epilog=EPILOG)(quality)


def quality(
    monitor: Annotated[
        str | None,
        typer.Option("--monitor", "-m", help="Show the rows behind this monitor (its key)."),
    ] = None,
    workspace: WorkspaceOption = None,
    data: DataOption = None,
    load: Annotated[
        int | None,
        typer.Option("--load", help="An earlier load of the workspace (see `homeroom history`)."),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out", help="With --monitor: write its rows to FILE.csv, .parquet or .json."
        ),
    ] = None,
    definition: DefinitionOption = None,
) -> None:
    """Data-quality monitors: days with no attendance, calendar gaps, unmapped codes, and more.

    Lists each monitor's finding, or with --monitor KEY the rows behind one of them. Viewing or
    writing rows with student ids from a workspace is recorded in its audit log.
    """
    if data is not None and (workspace is not None or load is not None):
        raise UsageProblem("--data runs the monitors on a folder; leave out --workspace and --load")
    if out_file is not None and monitor is None:
        raise UsageProblem("--out writes the rows behind one monitor; add --monitor KEY")
    writer = frame_writer(out_file) if out_file is not None else None
    space = None
    if data is not None:
        monitors, where = _from_folder(data, definition), f"--data {data}"
    else:
        space = _workspace(workspace)
        monitors, load_id = _from_workspace(space, load)
        where = f"load {load_id} of {space.name}"
    if monitor is None:
        _list(monitors, where, data)
        return
    chosen = _pick(monitors, monitor)
    if space is not None and "student_id" in chosen.rows.columns and len(chosen.rows):
        record_cli_view(
            space,
            "quality_rows",
            monitor=chosen.key,
            load_id=load_id,
            rows=len(chosen.rows),
            out=str(out_file) if out_file else "screen",
        )
    _show(chosen, where, out_file, writer)


def _from_folder(data: Path, definition: str | None) -> list[MonitorResult]:
    from homeroom.contract import validate_dataset
    from homeroom.quality import run_monitors
    from homeroom.warehouse.memory import memory_connection

    chosen = choose_definition(definition)
    # Bounded (HOMEROOM_MEMORY_LIMIT), spilling to a private temporary folder.
    with memory_connection() as con, status(f"Checking {data}") as update:
        # The monitors read neither contacts nor supports: checked, not kept.
        report = validate_dataset(
            data, con, definition=chosen, progress=update, contacts_and_supports=False
        )
        return run_monitors(con, quarantine=report.quarantine, progress=update)


def _from_workspace(space: Workspace, load: int | None) -> tuple[list[MonitorResult], int]:
    """The findings kept for a load (default: the current one).

    A load made by an older version, or whose monitors failed, has none kept: the current
    load's are then run again on the loaded tables (all but the comparison with the load before).
    """
    from homeroom.quality import monitor_loads, run_monitors, stored_monitors
    from homeroom.warehouse import WorkspaceError, connect, current_load

    con = connect(space, read_only=True)
    try:
        current = current_load(con)
        if current is None:
            raise WorkspaceError(
                f"nothing loaded in the workspace {space.root} yet; run `homeroom load DATA_DIR`"
            )
        load_id = current.load_id if load is None else load
        monitors = stored_monitors(con, load_id)
        if monitors:
            return monitors, load_id
        if load_id != current.load_id:
            kept = ", ".join(map(str, monitor_loads(con))) or "none"
            raise UsageProblem(f"no monitor findings are kept for load {load_id}; kept: {kept}")
        err.print(
            f"No monitor findings were kept for load {load_id} (a load made by an older "
            "version, or whose monitors failed: see `homeroom history`); running them on the "
            "loaded tables now."
        )
        quarantine = con.execute(
            'SELECT "table", file, line, "column", reason FROM quarantine WHERE load_id = ?',
            [load_id],
        ).df()
        return run_monitors(con, quarantine=quarantine), load_id
    finally:
        con.close()


def _pick(monitors: list[MonitorResult], key: str) -> MonitorResult:

    for monitor in monitors:
        if monitor.key == key:
            return monitor
    keys = ", ".join(m.key for m in monitors)
    raise UsageProblem(f"no monitor {key!r}; the monitors are: {keys}")


def _list(monitors: list[MonitorResult], where: str, data: Path | None) -> None:

    out.print(f"Data-quality monitors of {where}")
    hint = (
        f"homeroom quality --data {data} --monitor KEY"
        if data
        else "homeroom quality --monitor KEY"
    )
    print_monitors(monitors, hint=hint)


def _show(monitor: MonitorResult, where: str, out_file: Path | None, writer: object) -> None:
    from homeroom.quality import ROW_LIMIT

    colours = {"ok": "green", "warning": "yellow", "info": "cyan"}
    colour = colours.get(monitor.status, "white")
    out.print(f"[bold]{monitor.title}[/] ({monitor.key}) — {where}: [{colour}]{monitor.status}[/]")
    out.print(monitor.summary)
    out.print(monitor.explanation)
    if monitor.detail is not None and not monitor.detail.empty:
        print_frame(monitor.detail, "Counted by kind")
    if len(monitor.rows) >= ROW_LIMIT:
        err.print(f"Only the first {ROW_LIMIT:,} rows behind this finding are kept.")
    if monitor.rows.empty:
        out.print("No rows behind this finding.")
        return
    if writer is not None and out_file is not None:
        writer(monitor.rows, out_file)  # type: ignore[operator]
        err.print(f"Wrote {len(monitor.rows):,} rows to {out_file}.")
        return
    print_frame(monitor.rows, f"Rows behind: {monitor.title}")


def _workspace(folder: Path | None) -> Workspace:
    """The workspace asked for or around the current folder, with a hint when there is none."""
    from homeroom.warehouse import WorkspaceError, open_workspace

    try:
        return open_workspace(folder)
    except WorkspaceError as exc:
        if folder is not None:
            raise
        raise UsageProblem(
            f"{exc}. Run it inside a workspace, or name one: homeroom quality --workspace DIR "
            "(or check a folder of tables: homeroom quality --data DIR)"
        ) from exc
