"""The equity page: each student group's chronic absence rate beside all students'.

Groups under the definition's minimum size are blanked by `homeroom.metrics.groups.suppress`
(with complementary suppression, so a hidden group cannot be found by subtraction) before any
gap or ratio is taken, so no derived number can leak a hidden one. The "lowest group" each gap
is measured from is `homeroom.metrics.groups.lowest_group`: the same rule that picks the groups
the printable report ranks, so a group too small to rank is never the baseline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from homeroom.metrics.groups import (
    COMPLEMENTARY,
    SMALL,
    GroupTable,
    difference,
    lowest_group,
    ranking_minimum,
    ratio,
)
from homeroom.reports import labels
from homeroom.web.data.common import definition_label, group_tables, number, query
from homeroom.web.scope import Scope
from homeroom.web.snapshot import ServingData, ServingError, Snapshot

EQUITY_COLUMNS = (
    "column",
    "column_label",
    "value",
    "group",
    "students_eligible",
    "chronically_absent_count",
    "chronic_absence_rate",
    "gap_to_all",
    "gap_to_lowest",
    "ratio_to_all",
    "suppression",
)


@dataclass(frozen=True)
class EquityGroup:
    """One group's rate and how far it is from all students and from the lowest group.

    Gaps are differences of shares (0.052 is 5.2 points); `ratio_to_all` is the group's rate
    over all students' rate. All None when the group is suppressed (`suppression` says why).
    """

    column: str
    value: str | None
    label: str
    students_eligible: int | None
    chronically_absent_count: int | None
    chronic_absence_rate: float | None
    gap_to_all: float | None
    gap_to_lowest: float | None
    ratio_to_all: float | None
    suppression: str | None  # None, "small" or "complementary"
    suppression_reason: str | None

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None


@dataclass(frozen=True)
class EquityTable:
    """The groups of one column; `lowest` is the ranked group with the lowest rate (shown,
    recorded and at least `ranking_minimum` eligible students), None when no group is."""

    column: str
    label: str
    groups: tuple[EquityGroup, ...]
    lowest: EquityGroup | None


@dataclass(frozen=True)
class Equity:
    as_of: dt.date
    school_year: int
    school_year_label: str
    data_through: dt.date
    school_id: str | None  # None: the district
    unit_name: str
    definition_label: str
    minimum_group_size: int
    ranking_minimum: int  # groups with fewer eligible students are never the lowest group
    students_eligible: int
    chronic_absence_rate: float | None  # all students
    tables: tuple[EquityTable, ...]

    def frame(self) -> pd.DataFrame:
        """Every group of every column in one table (EQUITY_COLUMNS), for export."""
        rows = [
            {
                "column": t.column,
                "column_label": t.label,
                "value": g.value,
                "group": g.label,
                "students_eligible": g.students_eligible,
                "chronically_absent_count": g.chronically_absent_count,
                "chronic_absence_rate": g.chronic_absence_rate,
                "gap_to_all": g.gap_to_all,
                "gap_to_lowest": g.gap_to_lowest,
                "ratio_to_all": g.ratio_to_all,
                "suppression": g.suppression_reason,
            }
            for t in self.tables
            for g in t.groups
        ]
        return pd.DataFrame(rows, columns=list(EQUITY_COLUMNS))


def equity(
    serving: ServingData,
    scope: Scope,
    as_of: dt.date | None = None,
    school_id: str | None = None,
) -> Equity:
    """Rates by group for the district, or for one school (school staff: their own)."""
    if school_id is not None:
        school_id = str(school_id)
        scope.require_school(school_id)
        if school_id not in serving.school_names:
            raise ServingError("no such school in the data")
    snapshot = serving.resolve(as_of)
    key = ("equity", snapshot.as_of, school_id)
    return serving.cached(key, lambda: _equity(serving, snapshot, school_id))


def _equity(serving: ServingData, snapshot: Snapshot, school_id: str | None) -> Equity:
    minimum = serving.definition.minimum_group_size
    unit = "school" if school_id else "district"
    school = "AND school_id = ?" if school_id else ""
    with serving.cursor() as cur:
        rows = query(
            cur,
            f"SELECT * FROM aggregates WHERE as_of = ? AND unit = ? {school}",
            [snapshot.as_of, unit, *([school_id] if school_id else [])],
        )
    everyone = rows[rows["group_column"] == ""]
    all_rate = number(everyone["chronic_absence_rate"].iloc[0]) if len(everyone) else None
    eligible = int(everyone["students_eligible"].iloc[0]) if len(everyone) else 0
    tables = [equity_table(table, all_rate, minimum) for table in group_tables(rows, minimum)]
    return Equity(
        as_of=snapshot.as_of,
        school_year=snapshot.school_year,
        school_year_label=labels.school_year(snapshot.school_year),
        data_through=serving.latest_date,
        school_id=school_id,
        unit_name=serving.school_names[school_id] if school_id else serving.district_name,
        definition_label=definition_label(serving.definition),
        minimum_group_size=minimum,
        ranking_minimum=ranking_minimum(minimum),
        students_eligible=eligible,
        chronic_absence_rate=all_rate,
        tables=tuple(tables),
    )


def equity_table(table: GroupTable, all_rate: float | None, minimum: int) -> EquityTable:
    """One column's groups with their gaps to all students and to the lowest ranked group."""
    lowest = lowest_group(table.groups, minimum)
    low_rate = lowest.chronic_absence_rate if lowest is not None else None
    out = tuple(
        EquityGroup(
            column=g.column,
            value=g.value,
            label=g.label,
            students_eligible=g.students_eligible,
            chronically_absent_count=g.chronically_absent_count,
            chronic_absence_rate=g.chronic_absence_rate,
            gap_to_all=difference(g.chronic_absence_rate, all_rate),
            gap_to_lowest=difference(g.chronic_absence_rate, low_rate),
            ratio_to_all=ratio(g.chronic_absence_rate, all_rate),
            suppression=g.suppression,
            suppression_reason=_reason(g.suppression, minimum),
        )
        for g in table.groups
    )
    best = next((e for e in out if lowest is not None and e.value == lowest.value), None)
    return EquityTable(table.column, table.label, out, best)


def _reason(suppression: str | None, minimum: int) -> str | None:
    if suppression == SMALL:
        return f"fewer than {minimum} eligible students"
    if suppression == COMPLEMENTARY:
        return "hidden so that a smaller group cannot be worked out by subtraction"
    return None
