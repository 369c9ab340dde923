"""The state overview: the state's headline and trend, and every district's numbers.

Aggregates only, for the roles that see a whole workspace of districts (STATE_ROLES). The
districts' rows are the serving file's district aggregates. The serving file holds no state
unit, so the state's own line (a student who moved between districts counted once, as the
metrics layer's `level="state"` counts) is computed here from the metrics layer over the
file's copies, one pass over attendance per date, and kept per date (`ServingData.cached`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

import pandas as pd

from homeroom.casebook.roles import DISTRICT_ADMIN, DISTRICT_VIEWER, STATE_ANALYST
from homeroom.definitions import Definition
from homeroom.engine import duckdb_tables
from homeroom.reports import labels
from homeroom.reports.summary import Headline, ada_line
from homeroom.web.data.common import definition_label, fresh, query
from homeroom.web.data.overview import headline_of
from homeroom.web.scope import Scope, ScopeError
from homeroom.web.snapshot import MONTH_END, YEAR_END, ServingData, Snapshot

STATE_ROLES = frozenset({STATE_ANALYST, DISTRICT_ADMIN, DISTRICT_VIEWER})
DISTRICT_COLUMNS = (
    "district_id",
    "district_name",
    "students_eligible",
    "chronically_absent_count",
    "chronic_absence_rate",
    "ada",
    "level",
    "chronic_absence_rate_change",
    "suppressed",
)
TREND_COLUMNS = ("school_year", "as_of", "students_eligible", "chronic_absence_rate", "ada")


@dataclass(frozen=True)
class StateOverview:
    """The state page as of one date.

    `headline`: the state's own numbers (from `level="state"`); `states` counts the states in
    the data (the headline is blank unless it is one). `districts`: DISTRICT_COLUMNS, highest
    rate first, a district under the minimum group size blanked (`suppressed`). `trend`:
    TREND_COLUMNS, the state's rate at each month end and year end up to `as_of`, then `as_of`.
    """

    as_of: dt.date
    school_year: int
    school_year_label: str
    data_through: dt.date
    name: str
    definition: Definition
    definition_label: str
    headline: Headline
    ada_line: str
    states: int
    districts: pd.DataFrame
    trend: pd.DataFrame


def may_see_state(scope: Scope) -> bool:
    return scope.role in STATE_ROLES


def require_state(scope: Scope) -> None:
    if not may_see_state(scope):
        raise ScopeError("the state overview is for district and state roles")


def several_districts(serving: ServingData) -> bool:
    return len(serving.district_names) > 1


def state_overview(
    serving: ServingData, scope: Scope, as_of: dt.date | None = None
) -> StateOverview:
    require_state(scope)
    snapshot = serving.resolve(as_of)
    key = ("state_overview", snapshot.as_of)
    return fresh(serving.cached(key, lambda: _state_overview(serving, snapshot)))


def _state_overview(serving: ServingData, snapshot: Snapshot) -> StateOverview:
    with serving.cursor() as cur:
        rows = query(
            cur,
            "SELECT * FROM aggregates WHERE as_of = ? AND unit = 'district' AND group_column = ''",
            [snapshot.as_of],
        )
    state = state_rows(serving, snapshot)
    row = state.iloc[0].to_dict() if len(state) == 1 else None
    headline = headline_of(row, snapshot.school_year)  # no row: several states, no one line
    return StateOverview(
        as_of=snapshot.as_of,
        school_year=snapshot.school_year,
        school_year_label=labels.school_year(snapshot.school_year),
        data_through=serving.latest_date,
        name=serving.workspace_name,
        definition=serving.definition,
        definition_label=definition_label(serving.definition),
        headline=headline,
        ada_line=ada_line(headline, serving.definition),
        states=len(state),
        districts=district_table(serving, rows),
        trend=_trend(serving, snapshot) if len(state) == 1 else _no_trend(),
    )


def state_rows(serving: ServingData, snapshot: Snapshot) -> pd.DataFrame:
    """The metrics layer's state aggregates of the snapshot's school year (one row a state)."""
    key = ("state_rows", snapshot.as_of)
    return fresh(serving.cached(key, lambda: _state_rows(serving, snapshot)))


def _state_rows(serving: ServingData, snapshot: Snapshot) -> pd.DataFrame:
    from homeroom.pipeline import MetricsSession

    year = snapshot.school_year
    with serving.cursor() as cur:
        tables = duckdb_tables(cur, serving.units_per_day)
        with MetricsSession(tables, serving.definition, as_of=snapshot.as_of) as session:
            # Compiled once a school year, as the snapshots' own requests are.
            build = partial(session.expression, "state")
            sql = serving.compiled.sql(session, year, "state", None, build)
            return query(cur, f"SELECT * FROM ({sql}) AS rows WHERE school_year = ?", [year])


def district_table(serving: ServingData, rows: pd.DataFrame) -> pd.DataFrame:
    """DISTRICT_COLUMNS, highest rate first; a district under the minimum group size has its
    numbers and level blanked, as the schools are on the district page."""
    frame = rows.copy()
    frame.insert(1, "district_name", [serving.district_names.get(d, d) for d in frame.district_id])
    frame = frame.loc[:, list(DISTRICT_COLUMNS[:-1])]
    small = frame["students_eligible"] < serving.definition.minimum_group_size
    frame["suppressed"] = small
    blanked = list(DISTRICT_COLUMNS[2:-1])
    frame[blanked] = frame[blanked].astype(object)
    frame.loc[small, blanked] = None
    frame["_rate"] = pd.to_numeric(frame["chronic_absence_rate"], errors="coerce")
    frame = frame.sort_values(
        ["suppressed", "_rate", "district_name"], ascending=[True, False, True], na_position="last"
    )
    return frame.drop(columns="_rate").reset_index(drop=True)


def _trend(serving: ServingData, snapshot: Snapshot) -> pd.DataFrame:
    """The state's rate at each month and year end before `as_of` (this year's and earlier
    years'), then at `as_of`: the dates of the district page's trend."""
    points = [
        s
        for s in serving.snapshots()
        if s.kind in (MONTH_END, YEAR_END)
        and s.school_year <= snapshot.school_year
        and s.as_of < snapshot.as_of
    ]
    frames = [state_rows(serving, s).assign(as_of=s.as_of) for s in (*points, snapshot)]
    frames = [f for f in frames if len(f)]
    if not frames:
        return _no_trend()
    return pd.concat(frames, ignore_index=True).loc[:, list(TREND_COLUMNS)]


def _no_trend() -> pd.DataFrame:
    return pd.DataFrame(columns=list(TREND_COLUMNS))


__all__ = [
    "STATE_ROLES",
    "StateOverview",
    "district_table",
    "may_see_state",
    "require_state",
    "several_districts",
    "state_overview",
    "state_rows",
]
