"""Student groups as the report shows them: each column's groups with their words, and the
largest gaps between groups written as sentences.

The rules (suppression, which groups are ranked, the gaps) live in `homeroom.metrics.groups`;
this module only reads the aggregate frame into its `GroupRate`s and puts a gap into words.
Suppression happens when a table is made, before any renderer sees the numbers: a suppressed
group keeps its label but loses every count and rate, so no report can print them by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from homeroom import formats
from homeroom.metrics import groups as rules
from homeroom.metrics.groups import (
    COMPLEMENTARY,
    SMALL,
    GroupGap,
    GroupRate,
    GroupTable,
    ranking_minimum,
    suppress,
)
from homeroom.reports import labels

__all__ = [
    "COMPLEMENTARY",
    "SMALL",
    "Gap",
    "GroupRate",
    "GroupTable",
    "column_gap",
    "gap_sentence",
    "group_table",
    "largest_gaps",
    "ranking_minimum",
    "suppress",
]


@dataclass(frozen=True)
class Gap:
    """Two groups of one column far apart, with the column's name and the gap in words."""

    column: str
    column_label: str
    group: GroupRate  # the group named first (the flag group, or the highest rate)
    comparison: GroupRate  # the other students, or the lowest-rate group
    difference: float  # group rate minus comparison rate
    sentence: str

    @property
    def points_text(self) -> str:
        """The gap's size in points, whichever way it points: "21.8 points"."""
        return f"{abs(self.difference) * 100:.1f} points"


def group_table(frame: pd.DataFrame, column: str, minimum: int) -> GroupTable:
    """The groups of `column` from an aggregate frame already cut to one unit and one year."""
    rows = [_group_rate(column, record) for record in frame.to_dict("records")]
    rows.sort(key=lambda g: labels.group_order(column, g.value))
    return GroupTable(column, labels.column_label(column), tuple(suppress(rows, minimum)))


def _group_rate(column: str, record: dict[str, Any]) -> GroupRate:
    raw = record[column]
    value = None if labels.is_missing(raw) or str(raw).strip() == "" else _text(raw)
    return GroupRate(
        column=column,
        value=value,
        label=labels.group_label(column, value),
        students_eligible=int(record["students_eligible"]),
        chronically_absent_count=int(record["chronically_absent_count"]),
        chronic_absence_rate=_number(record["chronic_absence_rate"]),
        change=_number(record.get("chronic_absence_rate_change")),
    )


def _text(value: Any) -> str:
    # Booleans come back as numpy/pandas bools; "True"/"False" is what labels.as_flag reads.
    return str(bool(value)) if isinstance(value, bool | np.bool_) else str(value)


def _number(value: Any) -> float | None:
    return None if labels.is_missing(value) else float(value)


def column_gap(table: GroupTable, minimum_group_size: int) -> Gap | None:
    """The gap a column shows (homeroom.metrics.groups.column_gap), in words."""
    found = rules.column_gap(table, minimum_group_size)
    return None if found is None else _worded(table, found)


def largest_gaps(
    tables: Iterable[GroupTable], minimum_group_size: int, limit: int = 5
) -> tuple[Gap, ...]:
    """The widest gaps first (by size, whichever way they point), one per column, in words."""
    tables = list(tables)
    by_column = {t.column: t for t in tables}
    found = rules.largest_gaps(tables, minimum_group_size, limit)
    return tuple(_worded(by_column[g.column], g) for g in found)


def _worded(table: GroupTable, gap: GroupGap) -> Gap:
    return Gap(
        column=table.column,
        column_label=table.label,
        group=gap.group,
        comparison=gap.comparison,
        difference=gap.difference,
        sentence=gap_sentence(gap.group, gap.comparison),
    )


def gap_sentence(group: GroupRate, comparison: GroupRate) -> str:
    """One gap in words.

    "Students experiencing homelessness: 48.0% chronically absent, vs 24.0% of other students"
    """
    subject = labels.students_phrase(group.column, group.value)
    other = labels.students_phrase(comparison.column, comparison.value)
    if other.startswith(("Students", "Other")):
        other = other[0].lower() + other[1:]
    return (
        f"{subject}: {formats.percent_text(group.chronic_absence_rate)} chronically absent, "
        f"vs {formats.percent_text(comparison.chronic_absence_rate)} of {other}"
    )
