"""The data page: load history, the quarantine of the current load and the monitors' findings.

Quarantine rows name a file, line, column and reason, never a student. Reasons of older loads
may still quote a personal value (a name in race_ethnicity): the rows and their reasons go to
district administrators only; the others get counts by table, column and kind of reason (the
reason with any quoted value left out). Monitor findings may carry student-level rows (ids,
dates): those go only to roles that see students, and to school staff only for their own
schools.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import duckdb
import pandas as pd

from homeroom.quality.result import MonitorResult
from homeroom.quality.store import stored_monitors
from homeroom.web.data.common import definition_label, query
from homeroom.web.scope import Scope
from homeroom.web.snapshot import ServingData

HISTORY_COLUMNS = (
    "load_id",
    "loaded_at",
    "status",
    "definition",
    "rows_loaded",
    "rows_quarantined",
    "duplicates_collapsed",
    "seconds",
    "message",
)
QUARANTINE_COLUMNS = ("table", "file", "line", "column", "reason")
# A value a reason quotes: from a quote to the quote that ends it (a name may hold one: O'Brien),
# and the date an Excel serial would be (a birth date, in older loads).
_QUOTED = re.compile(r"'.*?'(?=[\s:;,)]|$)")
_WOULD_BE = re.compile(r"it would be [^;)]*")


@dataclass(frozen=True)
class MonitorFinding:
    """One monitor's finding; `rows`/`detail` are None when withheld from this user."""

    key: str
    title: str
    explanation: str
    status: str  # ok | warning | info
    summary: str
    count: int
    rows: pd.DataFrame | None
    detail: pd.DataFrame | None
    withheld: bool  # student-level rows the user's role may not see


@dataclass(frozen=True)
class DataPage:
    """`load_history`: HISTORY_COLUMNS, newest first (`rows_loaded` as "table rows; ...").
    `quarantine`: QUARANTINE_COLUMNS, the first `quarantine_limit` rows of `quarantine_total`
    (None for all but district administrators).
    `quarantine_reasons`: rows per table, column and reason, most first (for all but district
    administrators, per kind of reason: see `reason_kind`)."""

    workspace_name: str
    load_id: int
    loaded_at: dt.datetime
    data_through: dt.date
    definition_label: str
    prepared_at: str
    load_history: pd.DataFrame
    quarantine: pd.DataFrame | None
    quarantine_total: int
    quarantine_reasons: pd.DataFrame
    monitors: tuple[MonitorFinding, ...]


# What every user's data page shares: history, quarantine (its rows, their total, the reasons)
# and the monitors' findings.
LoadFacts = tuple[pd.DataFrame, pd.DataFrame, int, pd.DataFrame, list[MonitorResult]]


def data_page(
    serving: ServingData, scope: Scope, *, quarantine_limit: int | None = 1000
) -> DataPage:
    key = ("data_page", quarantine_limit)
    history, quarantine, total, reasons, found = serving.cached(
        key, lambda: _load_facts(serving, quarantine_limit)
    )
    with serving.cursor() as cur:
        monitors = tuple(_finding(cur, scope, m) for m in found)
    if not scope.is_admin:
        quarantine, reasons = None, reason_kinds(reasons)
    return DataPage(
        workspace_name=serving.workspace_name,
        load_id=serving.load_id,
        loaded_at=serving.loaded_at,
        data_through=serving.latest_date,
        definition_label=definition_label(serving.definition),
        prepared_at=serving.built_at,
        load_history=history.copy(),
        quarantine=None if quarantine is None else quarantine.copy(),
        quarantine_total=total,
        quarantine_reasons=reasons.copy(),
        monitors=monitors,
    )


def _load_facts(serving: ServingData, quarantine_limit: int | None) -> LoadFacts:
    """What the page shows to everyone: history, quarantine and the monitors' findings."""
    with serving.cursor() as cur:
        history = query(
            cur,
            f"SELECT {', '.join(HISTORY_COLUMNS)} FROM load_history ORDER BY load_id DESC",
        )
        limit = "" if quarantine_limit is None else f"LIMIT {int(quarantine_limit)}"
        quarantine = query(
            cur,
            'SELECT "table", file, line, "column", reason FROM quarantine '
            f'ORDER BY "table", file, line, "column" {limit}',
        )
        total = int(cur.execute("SELECT count(*) FROM quarantine").fetchall()[0][0])
        reasons = query(
            cur,
            'SELECT "table", "column", reason, count(*) AS rows FROM quarantine '
            'GROUP BY ALL ORDER BY rows DESC, "table", "column", reason',
        )
        found = stored_monitors(cur, serving.load_id)
    history["rows_loaded"] = history["rows_loaded"].map(_rows_loaded).astype(object)
    return history, quarantine, total, reasons, found


def reason_kind(reason: str) -> str:
    """A reason without the values it quotes: what kind of thing was wrong, not with what."""
    return _WOULD_BE.sub("it would be …", _QUOTED.sub("'…'", reason))


def reason_kinds(reasons: pd.DataFrame) -> pd.DataFrame:
    """Rows per table, column and kind of reason, most first."""
    kinds = reasons.assign(reason=reasons["reason"].map(reason_kind).astype(object))
    kinds = kinds.groupby(["table", "column", "reason"], as_index=False, sort=False)["rows"].sum()
    return kinds.sort_values(
        ["rows", "table", "column", "reason"], ascending=[False, True, True, True]
    ).reset_index(drop=True)


def _rows_loaded(value: object) -> str:
    if not value:
        return ""
    try:
        counts = json.loads(str(value))
    except ValueError:
        return str(value)
    return "; ".join(f"{table} {int(rows):,}" for table, rows in counts.items())


def _finding(
    cur: duckdb.DuckDBPyConnection, scope: Scope, monitor: MonitorResult
) -> MonitorFinding:
    rows, withheld_rows = _visible(cur, scope, monitor.rows)
    detail, withheld_detail = _visible(cur, scope, monitor.detail)
    return MonitorFinding(
        key=monitor.key,
        title=monitor.title,
        explanation=monitor.explanation,
        status=monitor.status,
        summary=monitor.summary,
        count=monitor.count,
        rows=rows,
        detail=detail,
        withheld=withheld_rows or withheld_detail,
    )


def _visible(
    cur: duckdb.DuckDBPyConnection, scope: Scope, frame: pd.DataFrame | None
) -> tuple[pd.DataFrame | None, bool]:
    """The rows of a finding this user may see, and whether any were withheld."""
    if frame is None:
        return None, False
    if "student_id" not in frame.columns:
        return frame.copy(), False
    if not scope.sees_students:
        return None, True
    if scope.school_ids is None:
        return frame.copy(), False
    if "school_id" not in frame.columns:
        return None, True  # student rows that cannot be placed in a school
    clause, params = scope.student_filter("school_id")
    cur.register("monitor_rows", frame)
    try:
        kept = cur.execute(f"SELECT * FROM monitor_rows WHERE {clause}", params).df()
    finally:
        cur.unregister("monitor_rows")
    return kept, len(kept) < len(frame)
