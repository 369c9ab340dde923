"""The matched comparison behind `homeroom effect`: plain arrays in, one estimate per support out.

For one school and grade, `Days` holds each student's membership and counted absences on each
school day up to the as-of date, as running totals. A served student's change is the absence
rate from the start date to the as-of date minus the rate over the 20 school days before the
start (what the school saw when it chose to act). Their comparison students are every student
of the same school and grade not served by the as-of date, enrolled as fully, whose rate over
the same 20 days is within `CALIPER` of the served student's (coarsened matching), their
change taken over exactly the same dates. The effect is the mean over served students of
(own change - mean change of their comparison students); its 95% interval the normal
approximation on those paired differences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CALIPER = 0.01  # one point of absence rate before the start
BEFORE_DAYS = 20  # the school days before the start a flag looks at: the "before" window
MIN_BEFORE = BEFORE_DAYS  # enrolled every one of those days, served and compared alike
MIN_AFTER = 20  # school days enrolled from the start to the as-of date
MIN_SERVED = 20  # fewer matched students than this: too few to conclude
MAX_HALF_WIDTH = 2.5  # points: an interval wider than +/- this is too wide to conclude


@dataclass(frozen=True)
class Days:
    """Running totals for one school and grade: column t is the total over days before t."""

    student_ids: tuple[str, ...]
    enrolled: np.ndarray  # (students, days + 1) school days enrolled
    absent: np.ndarray  # (students, days + 1) days absent as the definition counts them


@dataclass(frozen=True)
class Pair:
    """One served student against their matched comparison students."""

    student_id: str
    served_change: float
    compared_change: float
    compared: tuple[str, ...]


@dataclass(frozen=True)
class Estimate:
    support: str
    students_served: int
    students_compared: int
    rate_change_served: float | None  # points
    rate_change_compared: float | None
    effect_points: float | None
    ci_low: float | None
    ci_high: float | None
    conclusion: str


def _rates(days: Days, rows: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate over the BEFORE_DAYS school days before `start` and from `start` on, of `rows`,
    and whether they were enrolled enough days on each side."""
    enrolled, absent = days.enrolled[rows], days.absent[rows]
    first = max(start - BEFORE_DAYS, 0)
    before_days = enrolled[:, start] - enrolled[:, first]
    after_days = enrolled[:, -1] - enrolled[:, start]
    ok = (before_days >= MIN_BEFORE) & (after_days >= MIN_AFTER)
    before = (absent[:, start] - absent[:, first]) / np.maximum(before_days, 1)
    after = (absent[:, -1] - absent[:, start]) / np.maximum(after_days, 1)
    return before, after, ok


def match(days: Days, served: int, start: int, pool: np.ndarray) -> Pair | None:
    """The served student (row `served`, support from school day `start`) and their matches."""
    before, after, ok = _rates(days, np.array([served]), start)
    if not ok[0]:
        return None
    pool_before, pool_after, pool_ok = _rates(days, pool, start)
    gap = np.abs(pool_before - before[0])
    near = np.flatnonzero(pool_ok & (gap <= CALIPER))
    if not len(near):
        return None
    # Every student within the caliper, not the k nearest: with rates on a grid of half days
    # most are ties, and breaking ties by list order would pick by id, which is not random.
    chosen = near
    return Pair(
        student_id=days.student_ids[served],
        served_change=float(after[0] - before[0]),
        compared_change=float(np.mean(pool_after[chosen] - pool_before[chosen])),
        compared=tuple(days.student_ids[int(pool[c])] for c in chosen),
    )


def estimate(support: str, pairs: list[Pair]) -> Estimate:
    """The mean paired difference in points, its 95% interval, and what it lets one say."""
    compared = len({c for p in pairs for c in p.compared})
    if not pairs:
        return Estimate(support, 0, compared, None, None, None, None, None, "too few to conclude")
    diffs = np.array([p.served_change - p.compared_change for p in pairs]) * 100
    mean = float(diffs.mean())
    half = 1.96 * float(diffs.std(ddof=1)) / math.sqrt(len(diffs)) if len(diffs) > 1 else math.inf
    served = float(np.mean([p.served_change for p in pairs]) * 100)
    other = float(np.mean([p.compared_change for p in pairs]) * 100)
    low, high = mean - half, mean + half
    return Estimate(
        support, len(pairs), compared, served, other, mean,
        None if math.isinf(half) else low, None if math.isinf(half) else high,
        conclusion(len(pairs), low, high),
    )  # fmt: skip


def conclusion(served: int, low: float, high: float) -> str:
    """'too few to conclude' when few were served or the interval is wider than +/- 2.5 points."""
    if served < MIN_SERVED or (high - low) / 2 > MAX_HALF_WIDTH or math.isnan(high - low):
        return "too few to conclude"
    if high < 0:
        return "fewer absences"
    if low > 0:
        return "more absences"
    return "no clear change"
