"""The monitors' findings of each workspace load, kept beside the load history.

`homeroom quality` and the web data page show what the monitors found when a load ran, not a
re-run: the changed-absences monitor needs the load before it, which is gone once replaced.
Rows are kept as Parquet so their column types come back as they were.
"""

from __future__ import annotations

import io

import duckdb
import pandas as pd

from homeroom.quality.calendar import KEY as CALENDAR_KEY
from homeroom.quality.changes import KEY as CHANGES_KEY
from homeroom.quality.quarantined import NOT_ENROLLED_KEY, OVERLAPS_KEY, UNMAPPED_KEY
from homeroom.quality.recording import DROPS_KEY, NO_DAYS_KEY
from homeroom.quality.result import MonitorResult
from homeroom.quality.stops import MONITOR as STOPS

# In the order run_monitors runs them (tests check the two agree).
MONITOR_KEYS = (
    NO_DAYS_KEY,
    STOPS.key,
    CALENDAR_KEY,
    OVERLAPS_KEY,
    UNMAPPED_KEY,
    NOT_ENROLLED_KEY,
    DROPS_KEY,
    CHANGES_KEY,
)

MONITOR_RESULTS_DDL = """
CREATE TABLE IF NOT EXISTS monitor_results (
    load_id BIGINT,
    position INTEGER,
    key VARCHAR,
    title VARCHAR,
    explanation VARCHAR,
    status VARCHAR,            -- ok | warning | info
    summary VARCHAR,
    count BIGINT,
    rows BLOB,                 -- Parquet: the rows behind the finding
    detail BLOB                -- Parquet or NULL: a summary table (e.g. counts by pair)
)
"""


def save_monitors(
    con: duckdb.DuckDBPyConnection, load_id: int, monitors: list[MonitorResult]
) -> None:
    """Keep `monitors` as the findings of `load_id` (replacing any kept before)."""
    con.execute(MONITOR_RESULTS_DDL)
    con.execute("DELETE FROM monitor_results WHERE load_id = ?", [load_id])
    for position, m in enumerate(monitors):
        con.execute(
            "INSERT INTO monitor_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                position,
                m.key,
                m.title,
                m.explanation,
                m.status,
                m.summary,
                m.count,
                _parquet(m.rows),
                None if m.detail is None else _parquet(m.detail),
            ],
        )


def monitor_loads(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The loads whose findings are kept, oldest first."""
    if not _has_table(con):
        return []
    rows = con.execute("SELECT DISTINCT load_id FROM monitor_results ORDER BY 1").fetchall()
    return [int(r[0]) for r in rows]


def stored_monitors(con: duckdb.DuckDBPyConnection, load_id: int) -> list[MonitorResult]:
    """The findings kept for `load_id`, in the monitors' order; [] when none were kept."""
    if not _has_table(con):
        return []
    found = con.execute(
        "SELECT key, title, explanation, status, summary, count, rows, detail "
        "FROM monitor_results WHERE load_id = ? ORDER BY position",
        [load_id],
    ).fetchall()
    return [
        MonitorResult(
            key=key,
            title=title,
            explanation=explanation,
            status=status,
            summary=summary,
            count=int(count),
            rows=_frame(rows),
            detail=None if detail is None else _frame(detail),
        )
        for key, title, explanation, status, summary, count, rows, detail in found
    ]


def _has_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'monitor_results'"
        ).fetchall()[0][0]
    )


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.reset_index(drop=True).to_parquet(buffer, index=False)
    return buffer.getvalue()


def _frame(blob: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(bytes(blob)))
