"""Student groups: small-group suppression, which groups are ranked, and the gaps between groups.

One copy of these rules, used by the printable report, the web's equity page and publishing
alike, so every output hides the same groups and names the same "lowest group".

- Suppression (a privacy rule, DESIGN.md section 6): a group under the definition's
  `minimum_group_size` loses every number, and so does the next-smallest group of its column
  until the hidden groups are at least two and together at least that minimum, so a hidden group
  cannot be found by subtracting the shown ones from the total.
- Ranking: a group is compared (highest, lowest, the baseline of a gap) only when it is shown,
  recorded and has at least `ranking_minimum` eligible students. A small group's rate swings by
  chance (one student is 3 points of 30), so ranking it would put noise first; it is still shown.
- A gap is a difference of two shares (0.052 is 5.2 points): a yes/no column compares the flag
  group with the other students, any other column its highest-rate group with its lowest.

The groups are plain data (`GroupRate`, `GroupTable`); their `label` is carried, not made, here:
the words belong to the reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from homeroom.contract.schema import FALSE_WORDS, STUDENT_FLAGS, TRUE_WORDS

SMALL = "small"  # fewer eligible students than the definition's minimum group size
COMPLEMENTARY = "complementary"  # hidden so a small group cannot be found by subtraction
# Groups under this many eligible students are shown (when not suppressed) but never ranked.
RANKING_MINIMUM = 30


@dataclass(frozen=True)
class GroupRate:
    """One student group's numbers in one unit (school, district or state) and school year."""

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
class GroupGap:
    """Two groups of one column far apart: a flag group vs the rest, or the highest vs lowest."""

    column: str
    group: GroupRate  # the group named first (the flag group, or the highest rate)
    comparison: GroupRate  # the other students, or the lowest-rate group
    difference: float  # group rate minus comparison rate


def suppress(groups: Iterable[GroupRate], minimum: int) -> list[GroupRate]:
    """Hide groups under `minimum` eligible students, and enough others to protect them.

    The groups of a column add up to the unit's total, which reports print. With a single small
    group hidden, total minus the shown groups would give it back; so while the hidden groups
    are fewer than two or together under the minimum, the next-smallest group is hidden too.
    """
    groups = list(groups)
    reasons = suppression_reasons([g.students_eligible for g in groups], minimum)
    return [_blank(g, reasons[i]) if i in reasons else g for i, g in enumerate(groups)]


def suppression_reasons(sizes: Sequence[int | None], minimum: int) -> dict[int, str]:
    """Which of a column's groups (by position) are hidden, and why (SMALL or COMPLEMENTARY)."""
    hidden = {i for i, n in enumerate(sizes) if (n or 0) < minimum}
    reasons = dict.fromkeys(hidden, SMALL)
    while hidden and len(hidden) < len(sizes):
        total = sum(sizes[i] or 0 for i in hidden)
        if len(hidden) >= 2 and total >= minimum:
            break
        shown = [i for i in range(len(sizes)) if i not in hidden]
        smallest = min(shown, key=lambda i: (sizes[i] or 0, i))
        hidden.add(smallest)
        reasons[smallest] = COMPLEMENTARY
    return reasons


def _blank(group: GroupRate, reason: str) -> GroupRate:
    return replace(
        group,
        students_eligible=None,
        chronically_absent_count=None,
        chronic_absence_rate=None,
        change=None,
        suppression=reason,
    )


def ranking_minimum(minimum_group_size: int) -> int:
    """The fewest eligible students a group needs to be ranked: never below the suppression
    minimum (a suppressed group is never ranked), and never below RANKING_MINIMUM."""
    return max(RANKING_MINIMUM, minimum_group_size)


def ranked(groups: Iterable[GroupRate], minimum_group_size: int) -> list[GroupRate]:
    """The groups that may be compared: shown, recorded, rated and large enough, in order."""
    floor = ranking_minimum(minimum_group_size)
    return [
        g
        for g in groups
        if g.recorded
        and not g.suppressed
        and g.chronic_absence_rate is not None
        and (g.students_eligible or 0) >= floor
    ]


def lowest_group(groups: Iterable[GroupRate], minimum_group_size: int) -> GroupRate | None:
    """The ranked group with the lowest rate (ties: the first in natural order), or None."""
    return min(ranked(groups, minimum_group_size), key=_rate, default=None)


def is_flag_column(column: str) -> bool:
    """A yes/no student column (homeless, english_learner, ...), compared as flag vs the rest."""
    return column in STUDENT_FLAGS


def flag_value(value: object) -> bool | None:
    """True/False from a boolean, 1/0 or a yes/no word; None when it is neither."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def column_gap(table: GroupTable, minimum_group_size: int) -> GroupGap | None:
    """The gap a column shows: a flag group vs the other students, or highest vs lowest group."""
    rated = ranked(table.groups, minimum_group_size)
    if is_flag_column(table.column):
        flagged = [g for g in rated if flag_value(g.value) is True]
        others = [g for g in rated if flag_value(g.value) is False]
        if len(flagged) != 1 or len(others) != 1:
            return None
        return _gap(table.column, flagged[0], others[0])
    if len(rated) < 2:
        return None
    # Ties break towards the natural order, so the same data always gives the same answer.
    high = max(rated, key=_rate)
    low = min(rated, key=_rate)
    if high is low:
        return None
    return _gap(table.column, high, low)


def largest_gaps(
    tables: Iterable[GroupTable], minimum_group_size: int, limit: int = 5
) -> list[GroupGap]:
    """The widest gaps first (by size, whichever way they point), one per column."""
    gaps = [g for t in tables if (g := column_gap(t, minimum_group_size)) is not None]
    order = {gap.column: i for i, gap in enumerate(gaps)}
    gaps.sort(key=lambda g: (-round(abs(g.difference), 12), order[g.column]))
    return gaps[:limit]


def difference(a: float | None, b: float | None) -> float | None:
    """a - b, or None when either is missing (a suppressed or unrated group)."""
    return None if a is None or b is None else a - b


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b, or None when either is missing or b is 0."""
    return a / b if a is not None and b else None


def rate_band(rate: float | None, names: Sequence[str], cuts: Sequence[Fraction]) -> str | None:
    """The band one rate falls in: names[0] below cuts[0], names[i] from cuts[i-1] (the rule of
    `homeroom.metrics.rates.banded`, for a rate already computed, e.g. a group's bar colour)."""
    if rate is None:
        return None
    passed = [name for name, cut in zip(names[1:], cuts, strict=True) if rate >= cut]
    return passed[-1] if passed else names[0]


def _rate(group: GroupRate) -> float:
    return group.chronic_absence_rate if group.chronic_absence_rate is not None else 0.0


def _gap(column: str, group: GroupRate, comparison: GroupRate) -> GroupGap:
    return GroupGap(column, group, comparison, _rate(group) - _rate(comparison))
