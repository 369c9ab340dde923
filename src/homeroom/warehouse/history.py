"""The load history of a workspace: which loads were made, when, with what, and the current one.

`load_history` keeps one row per load, successful or refused; the latest successful one is the
workspace's data. The quarantine table beside it keeps the current load's rejected rows (after
`load --district`, the rejected rows of every load whose data is still current: see
docs/state.md). A district load's row names its `district_id`; a whole load's is NULL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from homeroom.definitions import Definition

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
    message VARCHAR,
    district_id VARCHAR        -- the district a `load --district` replaced; NULL: the whole data
);
-- Workspaces made before district loads: the column is added, their rows read as whole loads.
ALTER TABLE load_history ADD COLUMN IF NOT EXISTS district_id VARCHAR;
"""
QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS quarantine (
    load_id BIGINT, "table" VARCHAR, file VARCHAR, line BIGINT, "column" VARCHAR, reason VARCHAR
)
"""


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


def has_history(con: duckdb.DuckDBPyConnection) -> bool:
    """Read-only callers cannot create the table, so they ask whether it is there."""
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'load_history'"
        ).fetchall()[0][0]
    )


def current_load(con: duckdb.DuckDBPyConnection) -> CurrentLoad | None:
    if not has_history(con):
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


def district_load(con: duckdb.DuckDBPyConnection, district: str) -> CurrentLoad | None:
    """The district's latest successful load, unless a whole load has replaced it since."""
    if not has_history(con) or not _has_district_column(con):
        return None
    rows = con.execute(
        "SELECT load_id, loaded_at, definition, exit_date_rule, fingerprint, units_per_day,"
        " rows_loaded FROM load_history WHERE status = 'loaded' AND district_id = ?"
        " AND load_id > (SELECT coalesce(max(load_id), 0) FROM load_history"
        "   WHERE status = 'loaded' AND district_id IS NULL)"
        " ORDER BY load_id DESC LIMIT 1",
        [district],
    ).fetchall()
    if not rows:
        return None
    load_id, loaded_at, definition, rule, fingerprint, units, loaded = rows[0]
    return CurrentLoad(load_id, loaded_at, definition, rule, fingerprint, units, json.loads(loaded))


def _has_district_column(con: duckdb.DuckDBPyConnection) -> bool:
    """False in a workspace made before district loads and opened read-only (not migrated)."""
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'load_history' AND column_name = 'district_id'"
        ).fetchall()[0][0]
    )


def load_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    columns = [
        "load_id", "loaded_at", "status", "definition", "rows_quarantined",
        "duplicates_collapsed", "rows_loaded", "seconds", "message", "district_id",
    ]  # fmt: skip
    if not has_history(con):
        return pd.DataFrame(columns=columns)
    district = "district_id"
    if not _has_district_column(con):  # an older workspace opened read-only
        district = "CAST(NULL AS VARCHAR) AS district_id"
    selected = ", ".join([*columns[:-1], district])
    return con.execute(f"SELECT {selected} FROM load_history ORDER BY load_id").df()


@dataclass(frozen=True)
class HistoryRow:
    """One load as `load_history` keeps it (a refused load has only the first six)."""

    load_id: int
    status: str  # loaded | failed
    data_dir: Path
    definition: Definition
    fingerprint: str
    seconds: float
    files: list[dict[str, object]] = field(default_factory=list)
    rows_read: Mapping[str, int] = field(default_factory=dict)
    rows_loaded: Mapping[str, int] = field(default_factory=dict)
    rows_quarantined: int = 0
    duplicates_collapsed: int = 0
    units_per_day: int | None = None
    message: str = ""
    district_id: str | None = None  # set by `load --district`


_RECORDED = (
    "load_id, loaded_at, status, data_dir, definition, exit_date_rule, fingerprint, files, "
    "rows_read, rows_loaded, rows_quarantined, duplicates_collapsed, units_per_day, seconds, "
    "message, district_id"
)


def record(con: duckdb.DuckDBPyConnection, row: HistoryRow) -> None:
    definition = row.definition
    con.execute(
        f"INSERT INTO load_history ({_RECORDED}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            row.load_id,
            # UTC whatever the machine's zone, as `homeroom history` says.
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            row.status,
            str(Path(row.data_dir).resolve()),
            f"{definition.name} {definition.version}",
            definition.exit_date,
            row.fingerprint,
            json.dumps(row.files),
            json.dumps(dict(row.rows_read)),
            json.dumps(dict(row.rows_loaded)),
            row.rows_quarantined,
            row.duplicates_collapsed,
            row.units_per_day,
            row.seconds,
            row.message,
            row.district_id,
        ],
    )
