"""Loading a dataset into a workspace: validate, replace, record — all in one transaction.

Either every table of the dataset is loaded, with its quarantine and a `load_history` row,
or nothing changes. A dataset whose files (by SHA-256) and exit-date rule match the current
load is recognised and left alone, so loading the same files twice changes nothing.

After the load the data-quality monitors run and their findings are kept in `monitor_results`.
One of them compares the new attendance with the previous load's, so the load transaction
renames the old `attendance` to `previous_attendance` (a cheap rename, undone by a rollback)
instead of dropping it; it is dropped once the monitors are done.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from homeroom.contract.schema import BASE_UNITS_PER_DAY, FILE_SUFFIXES, QUARANTINE_COLUMNS
from homeroom.definitions import Definition
from homeroom.warehouse.workspace import Workspace, WorkspaceError

if TYPE_CHECKING:
    from homeroom.contract import ValidationReport
    from homeroom.quality import MonitorResult, PreviousLoad

HISTORY_DDL = """
CREATE TABLE IF NOT EXISTS load_history (
    load_id BIGINT,
    loaded_at TIMESTAMP,
    status VARCHAR,            -- loaded | failed
    data_dir VARCHAR,
    definition VARCHAR,
    exit_date_rule VARCHAR,
    fingerprint VARCHAR,
    files VARCHAR,             -- JSON: [{table, file, sha256, rows}]
    rows_read VARCHAR,         -- JSON: {table: rows}
    rows_loaded VARCHAR,       -- JSON: {table: rows}
    rows_quarantined BIGINT,
    duplicates_collapsed BIGINT,
    units_per_day BIGINT,
    seconds DOUBLE,
    message VARCHAR
)
"""
QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS quarantine (
    load_id BIGINT, "table" VARCHAR, file VARCHAR, line BIGINT, "column" VARCHAR, reason VARCHAR
)
"""


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
    monitors: tuple = ()  # the data-quality monitors' findings (homeroom.quality.MonitorResult)


@dataclass(frozen=True)
class CurrentLoad:
    """What the workspace holds now: the latest successful load."""

    load_id: int
    loaded_at: dt.datetime
    definition: str
    exit_date_rule: str
    fingerprint: str
    units_per_day: int
    rows_loaded: dict[str, int]


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
            config={"memory_limit": workspace.memory_limit},
        )
    except duckdb.IOException as exc:
        raise WorkspaceError(
            f"cannot open {workspace.warehouse}: another homeroom command may be using it ({exc})"
        ) from exc


def _has_history(con: duckdb.DuckDBPyConnection) -> bool:
    """Read-only callers cannot create the table, so they ask whether it is there."""
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'load_history'"
        ).fetchall()[0][0]
    )


def current_load(con: duckdb.DuckDBPyConnection) -> CurrentLoad | None:
    if not _has_history(con):
        return None
    rows = con.execute(
        "SELECT load_id, loaded_at, definition, exit_date_rule, fingerprint, units_per_day,"
        " rows_loaded FROM load_history WHERE status = 'loaded'"
        " ORDER BY load_id DESC LIMIT 1"
    ).fetchall()
    if not rows:
        return None
    load_id, loaded_at, definition, rule, fingerprint, units, loaded = rows[0]
    return CurrentLoad(load_id, loaded_at, definition, rule, fingerprint, units, json.loads(loaded))


def load_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    columns = [
        "load_id", "loaded_at", "status", "definition", "rows_quarantined",
        "duplicates_collapsed", "rows_loaded", "seconds", "message",
    ]  # fmt: skip
    if not _has_history(con):
        return pd.DataFrame(columns=columns)
    return con.execute(f"SELECT {', '.join(columns)} FROM load_history ORDER BY load_id").df()


def load_dataset(
    workspace: Workspace,
    data_dir: Path,
    *,
    definition: Definition | None = None,
    progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Validate DATA_DIR and make it the workspace's data, all or nothing."""
    from homeroom.contract import validate_dataset

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise WorkspaceError(f"{data_dir} is not a folder of canonical tables")
    definition = definition or workspace.definition()
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    say("hashing files")
    fingerprint = dataset_fingerprint(data_dir, definition)
    con = connect(workspace)
    try:
        con.execute(HISTORY_DDL)
        con.execute(QUARANTINE_DDL)
        current = current_load(con)
        if current is not None and current.fingerprint == fingerprint:
            return _unchanged(con, current, started)
        con.execute(f"DROP TABLE IF EXISTS {PREVIOUS_ATTENDANCE}")  # left by an interrupted run
        next_id = "SELECT coalesce(max(load_id), 0) + 1 FROM load_history"
        load_id = int(con.execute(next_id).fetchall()[0][0])
        con.begin()
        try:
            previous = _keep_previous_attendance(con, current)
            report = validate_dataset(data_dir, con, definition=definition, progress=progress)
            say("recording the load")
            seconds = _record_load(con, load_id, report, data_dir, definition, fingerprint, started)
            con.commit()
        except BaseException as exc:
            con.rollback()
            _record_failure(con, load_id, data_dir, definition, fingerprint, started, exc)
            raise
        say("running the data-quality monitors")
        notes = list(report.notes)
        monitors = _monitors(con, load_id, report, previous, progress, notes)
        return LoadResult(
            load_id=load_id,
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
    finally:
        con.close()


def _record_load(
    con: duckdb.DuckDBPyConnection,
    load_id: int,
    report: ValidationReport,
    data_dir: Path,
    definition: Definition,
    fingerprint: str,
    started: float,
) -> float:
    """Keep the load's quarantine and its history row (inside the load's transaction)."""
    quarantine = report.quarantine.loc[:, list(QUARANTINE_COLUMNS)].copy()
    quarantine.insert(0, "load_id", load_id)
    con.execute("DELETE FROM quarantine")
    con.register("new_quarantine", quarantine)
    con.execute("INSERT INTO quarantine SELECT * FROM new_quarantine")
    con.unregister("new_quarantine")
    seconds = time.perf_counter() - started
    files = [
        {"table": f.table, "file": f.path.name, "sha256": f.sha256, "rows": f.rows}
        for f in report.files
    ]
    _record(
        con,
        load_id=load_id,
        status="loaded",
        data_dir=data_dir,
        definition=definition,
        fingerprint=fingerprint,
        files=files,
        rows_read=report.rows_read,
        rows_loaded=report.rows_loaded,
        rows_quarantined=report.quarantined,
        duplicates_collapsed=report.duplicates_collapsed,
        units_per_day=report.units_per_day,
        seconds=seconds,
        message="; ".join(report.notes),
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
    load_id: int,
    report: ValidationReport,
    previous: PreviousLoad | None,
    progress: Callable[[str], None] | None,
    notes: list[str],
) -> list[MonitorResult]:
    """Run and keep the monitors of a committed load; the load stands whatever they find."""
    from homeroom.quality import run_monitors, save_monitors

    try:
        try:
            monitors = run_monitors(
                con,
                quarantine=report.quarantine,
                previous=previous,
                units_per_day=report.units_per_day,
                progress=progress,
            )
        except duckdb.Error as exc:  # out of memory, say: the load is done all the same
            # DuckDB's own words name SQL, never a value of the data, which the monitors only
            # count and compare.
            notes.append(
                f"the data-quality monitors could not run ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:200]}); `homeroom quality` runs them again"
            )
            return []
        con.begin()
        save_monitors(con, load_id, monitors)
        con.commit()
        return monitors
    finally:
        con.execute(f"DROP TABLE IF EXISTS {PREVIOUS_ATTENDANCE}")


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


def _record(con: duckdb.DuckDBPyConnection, definition: Definition, **row: object) -> None:
    con.execute(
        "INSERT INTO load_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            row["load_id"],
            # UTC whatever the machine's zone, as `homeroom history` says.
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            row["status"],
            str(Path(str(row["data_dir"])).resolve()),
            f"{definition.name} {definition.version}",
            definition.exit_date,
            row["fingerprint"],
            json.dumps(row.get("files", [])),
            json.dumps(row.get("rows_read", {})),
            json.dumps(row.get("rows_loaded", {})),
            row.get("rows_quarantined", 0),
            row.get("duplicates_collapsed", 0),
            row.get("units_per_day"),
            row["seconds"],
            row.get("message", ""),
        ],
    )


def _record_failure(
    con: duckdb.DuckDBPyConnection,
    load_id: int,
    data_dir: Path,
    definition: Definition,
    fingerprint: str,
    started: float,
    exc: BaseException,
) -> None:
    """Keep a trace of a refused load; the data itself was rolled back untouched."""
    # The failure itself is reported to the user; recording it is best effort.
    with contextlib.suppress(duckdb.Error):
        _record(
            con,
            load_id=load_id,
            status="failed",
            data_dir=data_dir,
            definition=definition,
            fingerprint=fingerprint,
            seconds=time.perf_counter() - started,
            message=f"{type(exc).__name__}: {exc}"[:2000],
        )
