"""Student groups: each group's rate, small-group suppression, and the largest gaps between groups.

Suppression happens here, before any renderer sees the numbers: a suppressed group keeps its
label but loses every count and rate, so no report can print them by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from homeroom.reports import labels

# Groups smaller than this are shown (when not suppressed) but not ranked among the gaps.
GAP_MINIMUM_STUDENTS = 30
SMALL = "small"  # fewer eligible students than the definition's minimum group size
COMPLEMENTARY = "complementary"  # hidden so a small group cannot be found by subtraction


@dataclass(frozen=True)
class GroupRate:
    """One student group's numbers in the unit (district or state) for the report's year."""

    column: str
    value: str | None
    label: str
    students_eligible: int | None
    chronically_absent_count: int | None
    chronic_absence_rate: float | None
    change: float | None  # from the prior year, when the data hold one
    suppression: str | None = None  # None, SMALL or COMPLEMENTARY

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    @property
    def recorded(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class GroupTable:
    """Every group of one column (race_ethnicity, homeless, grade_level, ...), in natural order."""

    column: str
    label: str
    groups: tuple[GroupRate, ...]


@dataclass(frozen=True)
class Gap:
    """Two groups of one column far apart: a flag group vs the rest, or the highest vs lowest."""

    column: str
    column_label: str
    group: GroupRate  # the group named first (the flag group, or the highest rate)
    comparison: GroupRate  # the other students, or the lowest-rate group
    difference: float  # group rate minus comparison rate
    sentence: str


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


def suppress(groups: Iterable[GroupRate], minimum: int) -> list[GroupRate]:
    """Hide groups under `minimum` eligible students, and enough others to protect them.

    The groups of a column add up to the unit's total, which the report prints. With a single
    small group hidden, total minus the shown groups would give it back; so while the hidden
    groups are fewer than two or together under the minimum, the next-smallest group is hidden too.
    """
    groups = list(groups)
    hidden = {i for i, g in enumerate(groups) if (g.students_eligible or 0) < minimum}
    reasons = dict.fromkeys(hidden, SMALL)
    while hidden and len(hidden) < len(groups):
        total = sum(groups[i].students_eligible or 0 for i in hidden)
        if len(hidden) >= 2 and total >= minimum:
            break
        shown = [i for i in range(len(groups)) if i not in hidden]
        smallest = min(shown, key=lambda i: (groups[i].students_eligible or 0, i))
        hidden.add(smallest)
        reasons[smallest] = COMPLEMENTARY
    return [_blank(g, reasons[i]) if i in hidden else g for i, g in enumerate(groups)]


def _blank(group: GroupRate, reason: str) -> GroupRate:
    return replace(
        group,
        students_eligible=None,
        chronically_absent_count=None,
        chronic_absence_rate=None,
        change=None,
        suppression=reason,
    )


def column_gap(table: GroupTable) -> Gap | None:
    """The gap a column shows: a flag group vs the other students, or highest vs lowest group."""
    rated = [
        g
        for g in table.groups
        if g.recorded
        and not g.suppressed
        and g.chronic_absence_rate is not None
        # The rate of a handful of students swings by chance; ranking them would put noise first.
        and (g.students_eligible or 0) >= GAP_MINIMUM_STUDENTS
    ]
    if labels.is_flag_column(table.column):
        flagged = [g for g in rated if labels.as_flag(g.value) is True]
        others = [g for g in rated if labels.as_flag(g.value) is False]
        if len(flagged) != 1 or len(others) != 1:
            return None
        return _gap(table, flagged[0], others[0])
    if len(rated) < 2:
        return None
    # Ties break towards the natural order, so the same data always gives the same sentence.
    high = max(rated, key=lambda g: g.chronic_absence_rate)
    low = min(rated, key=lambda g: g.chronic_absence_rate)
    if high is low:
        return None
    return _gap(table, high, low)


def _gap(table: GroupTable, group: GroupRate, comparison: GroupRate) -> Gap:
    difference = group.chronic_absence_rate - comparison.chronic_absence_rate
    return Gap(
        column=table.column,
        column_label=table.label,
        group=group,
        comparison=comparison,
        difference=difference,
        sentence=gap_sentence(group, comparison),
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
        f"{subject}: {labels.percent(group.chronic_absence_rate)} chronically absent, "
        f"vs {labels.percent(comparison.chronic_absence_rate)} of {other}"
    )


def largest_gaps(tables: Iterable[GroupTable], limit: int = 5) -> tuple[Gap, ...]:
    """The widest gaps first (by size, whichever way they point), one per column."""
    gaps = [gap for table in tables if (gap := column_gap(table)) is not None]
    order = {gap.column: i for i, gap in enumerate(gaps)}
    gaps.sort(key=lambda g: (-round(abs(g.difference), 12), order[g.column]))
    return tuple(gaps[:limit])
