"""Loading a dataset into a workspace: validate, replace, record — all in one transaction.

Either every table of the dataset is loaded, with its quarantine and a `load_history` row,
or nothing changes. A dataset whose files (by SHA-256) and exit-date rule match the current
load is recognised and left alone, so loading the same files twice changes nothing.

The data-quality monitors run inside the same transaction and their findings are kept in
`monitor_results`, so a load killed right after its commit still has them. One monitor compares
the new attendance with the previous load's, so the transaction renames the old `attendance` to
`previous_attendance` (a cheap rename, undone by a rollback) and drops it before committing.
A load that would empty a required table or drop more than half of the previous load's students
or attendance rows is refused unless asked for (`allow_shrink`).

This replaces the whole workspace. `homeroom load DIR --district ID` replaces one district of a
state workspace instead, with the same guarantees on that district's rows:
warehouse/district_load.py and docs/state.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from homeroom.contract.schema import (
    BASE_UNITS_PER_DAY,
    FILE_SUFFIXES,
    QUARANTINE_COLUMNS,
    TABLES_REQUIRED,
)
from homeroom.definitions import Definition
from homeroom.warehouse.history import (
    HISTORY_DDL,
    QUARANTINE_DDL,
    CurrentLoad,
    HistoryRow,
    current_load,
    record,
)
from homeroom.warehouse.memory import bounded_config
from homeroom.warehouse.workspace import Workspace, WorkspaceError, make_private, private_files

if TYPE_CHECKING:
    from homeroom.contract import ValidationReport
    from homeroom.quality import MonitorResult, PreviousLoad


class ShrinkRefused(WorkspaceError):
    """A load that would empty a required table or drop most of the district's rows."""


@dataclass(frozen=True)
class LoadResult:
    load_id: int
    status: str  # "loaded" | "unchanged"
    rows_read: dict[str, int]
    rows_loaded: dict[str, int]
    rows_quarantined: int
    duplicates_collapsed: int
    seconds: float
    quarantine: pd.DataFrame
    notes: tuple[str, ...] = ()
    monitors: tuple[MonitorResult, ...] = ()  # the data-quality monitors' findings


def dataset_fingerprint(data_dir: Path, definition: Definition) -> str:
    """SHA-256 over the dataset's files and the exit rule (which shapes the stays)."""
    digest = hashlib.sha256(f"exit_date={definition.exit_date}\n".encode())
    for path in dataset_files(data_dir):
        digest.update(f"{path.name}={file_sha256(path)}\n".encode())
    return digest.hexdigest()


def dataset_files(data_dir: Path) -> list[Path]:
    return sorted(
        p for p in Path(data_dir).iterdir() if p.is_file() and p.suffix.lower() in FILE_SUFFIXES
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def connect(workspace: Workspace, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if read_only and not workspace.warehouse.exists():
        raise WorkspaceError(
            f"nothing loaded in the workspace {workspace.root} yet; run `homeroom load DATA_DIR`"
        )
    workspace.warehouse.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(
            str(workspace.warehouse),
            read_only=read_only,
            config=bounded_config(workspace.memory_limit, workspace.spill_directory),
        )
    except duckdb.IOException as exc:
        raise WorkspaceError(
            f"cannot open {workspace.warehouse}: another homeroom command may be using it ({exc})"
        ) from exc


def load_dataset(
    workspace: Workspace,
    data_dir: Path,
    *,
    definition: Definition | None = None,
    progress: Callable[[str], None] | None = None,
    allow_shrink: bool = False,
) -> LoadResult:
    """Validate DATA_DIR and make it the workspace's data, all or nothing.

    The monitors run inside the load's transaction, so a committed load always has its
    findings. Unless `allow_shrink`, a load that would empty a required table or drop more than
    half of the students or attendance rows is refused (ShrinkRefused) and nothing changes.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise WorkspaceError(f"{data_dir} is not a folder of canonical tables")
    definition = definition or workspace.definition()
    started = time.perf_counter()
    (progress or (lambda _message: None))("hashing files")
    fingerprint = dataset_fingerprint(data_dir, definition)
    with private_files():
        con = connect(workspace)
        try:
            make_private(workspace.warehouse)  # made by a version that left it to the umask
            con.execute(HISTORY_DDL)
            con.execute(QUARANTINE_DDL)
            current = current_load(con)
            if current is not None and current.fingerprint == fingerprint:
                return _unchanged(con, current, started)
            con.execute(f"DROP TABLE IF EXISTS {PREVIOUS_ATTENDANCE}")  # left by an old version
            next_id = "SELECT coalesce(max(load_id), 0) + 1 FROM load_history"
            load_id = int(con.execute(next_id).fetchall()[0][0])
            run = _Run(load_id, data_dir, definition, fingerprint, started, current, progress)
            return _load(con, run, allow_shrink)
        finally:
            con.close()


@dataclass(frozen=True)
class _Run:
    """What one load works with, fixed before its transaction begins."""

    load_id: int
    data_dir: Path
    definition: Definition
    fingerprint: str
    started: float
    current: CurrentLoad | None
    progress: Callable[[str], None] | None


class _MonitorsFailed(Exception):
    """The monitors failed inside the load's transaction; the load is made again without them."""

    def __init__(self, note: str) -> None:
        super().__init__(note)
        self.note = note


def _load(con: duckdb.DuckDBPyConnection, run: _Run, allow_shrink: bool) -> LoadResult:
    try:
        try:
            report, monitors, notes, seconds = _transaction(con, run, allow_shrink, None)
        except _MonitorsFailed as failed:
            # A DuckDB error aborts the whole transaction, so the load is made once more, its
            # history saying why it has no findings.
            report, monitors, notes, seconds = _transaction(con, run, allow_shrink, failed.note)
    except BaseException as exc:
        _record_failure(con, run, exc)
        raise
    return LoadResult(
        load_id=run.load_id,
        status="loaded",
        rows_read=dict(report.rows_read),
        rows_loaded=dict(report.rows_loaded),
        rows_quarantined=report.quarantined,
        duplicates_collapsed=report.duplicates_collapsed,
        seconds=seconds,
        quarantine=report.quarantine,
        notes=tuple(notes),
        monitors=tuple(monitors),
    )


def _transaction(
    con: duckdb.DuckDBPyConnection, run: _Run, allow_shrink: bool, monitors_failed: str | None
) -> tuple[ValidationReport, list[MonitorResult], list[str], float]:
    """Validate, check, monitor and record the load in one transaction; roll back on any error."""
    from homeroom.contract import validate_dataset
    from homeroom.quality import save_monitors

    con.begin()
    try:
        previous = _keep_previous_attendance(con, run.current)
        report = validate_dataset(
            run.data_dir, con, definition=run.definition, progress=run.progress
        )
        if not allow_shrink:
            refuse_shrink(report.rows_loaded, run.current)
        notes = list(report.notes)
        monitors: list[MonitorResult] = []
        if monitors_failed is None:
            monitors = _monitors(con, report, previous, run.progress)
        else:
            notes.append(monitors_failed)
        if run.progress is not None:
            run.progress("recording the load")
        seconds = _record_load(con, run, report, notes)
        save_monitors(con, run.load_id, monitors)
        con.execute(f"DROP TABLE IF EXISTS {PREVIOUS_ATTENDANCE}")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return report, monitors, notes, seconds


# Tables whose rows a load may not cut by more than half without --allow-shrink.
SHRINK_WATCHED = ("students", "attendance")


def refuse_shrink(rows_loaded: Mapping[str, int], current: CurrentLoad | None) -> None:
    """Raise ShrinkRefused when the load would empty a required table or halve the district."""
    before = current.rows_loaded if current is not None else {}
    problems = []
    for table in TABLES_REQUIRED:
        was, now = int(before.get(table, 0)), int(rows_loaded.get(table, 0))
        if now == 0:
            problems.append(f"{table} would be empty ({was:,} → 0 rows)")
        elif table in SHRINK_WATCHED and now * 2 < was:
            problems.append(f"{table} would lose more than half its rows ({was:,} → {now:,})")
    if problems:
        raise ShrinkRefused(
            "load refused, the workspace's data is unchanged: "
            + "; ".join(problems)
            + ". Check the files; if this is what you mean, run `homeroom load --allow-shrink`."
        )


def keep_quarantine(con: duckdb.DuckDBPyConnection, report: ValidationReport, load_id: int) -> None:
    """Add the report's quarantined rows under `load_id` (inside the load's transaction)."""
    quarantine = report.quarantine.loc[:, list(QUARANTINE_COLUMNS)].copy()
    quarantine.insert(0, "load_id", load_id)
    con.register("new_quarantine", quarantine)
    con.execute("INSERT INTO quarantine SELECT * FROM new_quarantine")
    con.unregister("new_quarantine")


def file_entries(report: ValidationReport) -> list[dict[str, object]]:
    """The history row's files: each table's file name, hash and rows."""
    return [
        {"table": f.table, "file": f.path.name, "sha256": f.sha256, "rows": f.rows}
        for f in report.files
    ]


def _record_load(
    con: duckdb.DuckDBPyConnection, run: _Run, report: ValidationReport, notes: list[str]
) -> float:
    """Keep the load's quarantine and its history row (inside the load's transaction)."""
    con.execute("DELETE FROM quarantine")
    keep_quarantine(con, report, run.load_id)
    seconds = time.perf_counter() - run.started
    files = file_entries(report)
    record(
        con,
        HistoryRow(
            load_id=run.load_id,
            status="loaded",
            data_dir=run.data_dir,
            definition=run.definition,
            fingerprint=run.fingerprint,
            seconds=seconds,
            files=files,
            rows_read=report.rows_read,
            rows_loaded=report.rows_loaded,
            rows_quarantined=report.quarantined,
            duplicates_collapsed=report.duplicates_collapsed,
            units_per_day=report.units_per_day,
            message="; ".join(notes),
        ),
    )
    return seconds


PREVIOUS_ATTENDANCE = "previous_attendance"


def _keep_previous_attendance(
    con: duckdb.DuckDBPyConnection, current: CurrentLoad | None
) -> PreviousLoad | None:
    """Inside the load transaction: set the current attendance aside for the monitors."""
    from homeroom.quality import PreviousLoad

    if current is None or not _has_table(con, "attendance"):
        return None
    con.execute(f"ALTER TABLE attendance RENAME TO {PREVIOUS_ATTENDANCE}")
    units = current.units_per_day or BASE_UNITS_PER_DAY  # loads recorded before units were kept
    return PreviousLoad(PREVIOUS_ATTENDANCE, units, current.load_id)


def _monitors(
    con: duckdb.DuckDBPyConnection,
    report: ValidationReport,
    previous: PreviousLoad | None,
    progress: Callable[[str], None] | None,
) -> list[MonitorResult]:
    """Run the monitors on the load's tables, inside its transaction."""
    from homeroom.quality import run_monitors

    if progress is not None:
        progress("running the data-quality monitors")
    try:
        return run_monitors(
            con,
            quarantine=report.quarantine,
            previous=previous,
            units_per_day=report.units_per_day,
            progress=progress,
        )
    except duckdb.Error as exc:  # out of memory, say: the load is made all the same
        # DuckDB's own words name SQL, never a value of the data, which the monitors only
        # count and compare.
        raise _MonitorsFailed(
            f"the data-quality monitors could not run ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:200]}); `homeroom quality` runs them again"
        ) from exc


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_name = ?",
            [name],
        ).fetchall()[0][0]
    )


def _unchanged(con: duckdb.DuckDBPyConnection, current: CurrentLoad, started: float) -> LoadResult:
    from homeroom.quality import stored_monitors

    quarantine = con.execute(
        'SELECT "table", file, line, "column", reason FROM quarantine WHERE load_id = ?',
        [current.load_id],
    ).df()
    duplicates = con.execute(
        "SELECT duplicates_collapsed FROM load_history WHERE load_id = ?", [current.load_id]
    ).fetchall()[0][0]
    return LoadResult(
        load_id=current.load_id,
        status="unchanged",
        rows_read={},
        rows_loaded=current.rows_loaded,
        rows_quarantined=len(quarantine),
        duplicates_collapsed=int(duplicates),
        seconds=time.perf_counter() - started,
        quarantine=quarantine,
        monitors=tuple(stored_monitors(con, current.load_id)),
    )


def _record_failure(con: duckdb.DuckDBPyConnection, run: _Run, exc: BaseException) -> None:
    """Keep a trace of a refused load; the data itself was rolled back untouched."""
    # The failure itself is reported to the user; recording it is best effort.
    with contextlib.suppress(duckdb.Error):
        record(
            con,
            HistoryRow(
                load_id=run.load_id,
                status="failed",
                data_dir=run.data_dir,
                definition=run.definition,
                fingerprint=run.fingerprint,
                seconds=time.perf_counter() - run.started,
                message=f"{type(exc).__name__}: {exc}"[:2000],
            ),
        )
