"""The matched comparison on hand-made running totals: every figure worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from homeroom.outreach.effect_match import Days, Pair, conclusion, estimate, match

START = 20  # the support starts on school day 20 of 40: 20 days before, 20 after


def _days(absent_days: dict[str, list[int]], enrolled_from: dict[str, int] | None = None) -> Days:
    """Students present every day of 40 but the listed ones; enrolled from day 0 unless said."""
    ids = tuple(absent_days)
    enrolled = np.zeros((len(ids), 40))
    absent = np.zeros((len(ids), 40))
    for i, student in enumerate(ids):
        enrolled[i, (enrolled_from or {}).get(student, 0) :] = 1
        absent[i, absent_days[student]] = 1
    zero = np.zeros((len(ids), 1))
    return Days(ids, np.hstack([zero, enrolled.cumsum(1)]), np.hstack([zero, absent.cumsum(1)]))


def test_a_served_student_is_compared_with_students_of_the_same_rate_before() -> None:
    days = _days(
        {
            "served": [1, 5, 9, 13, 22, 30],  # 4 of 20 before (20%), 2 of 20 after (10%)
            "twin_a": [0, 2, 4, 6, 21, 23, 25],  # 20% -> 15%: change -5 points
            "twin_b": [3, 7, 11, 15, 20, 21, 22, 24, 26],  # 20% -> 25%: +5 points
            "higher": [0, 1, 2, 3, 4, 20],  # 25% before: outside the 1-point caliper
            "late": [25, 26, 27, 28],  # enrolled from day 15: 5 days before, too few
        },
        enrolled_from={"late": 15},
    )
    pair = match(days, 0, START, np.array([1, 2, 3, 4]))
    assert pair is not None
    assert pair.compared == ("twin_a", "twin_b")
    assert pair.served_change == pytest.approx(0.10 - 0.20)
    assert pair.compared_change == pytest.approx(0.0)  # (-5 + 5) / 2 points


def test_no_one_within_the_caliper_leaves_the_served_student_out() -> None:
    days = _days({"served": [1, 5, 9, 13], "other": [1, 2, 3, 4, 5, 6]})
    assert match(days, 0, START, np.array([1])) is None


def test_estimate_is_the_mean_paired_difference_with_a_normal_interval() -> None:
    # Paired differences of -1 and -3 points: mean -2, sd sqrt(2), half width 1.96.
    pairs = [
        Pair("a", -0.02, -0.01, ("x",)),
        Pair("b", -0.04, -0.01, ("x", "y")),
    ]
    row = estimate("letter", pairs)
    assert (row.students_served, row.students_compared) == (2, 2)
    assert row.rate_change_served == pytest.approx(-3.0)
    assert row.rate_change_compared == pytest.approx(-1.0)
    assert row.effect_points == pytest.approx(-2.0)
    assert row.ci_low == pytest.approx(-2 - 1.96) and row.ci_high == pytest.approx(-2 + 1.96)
    assert row.conclusion == "too few to conclude"  # 2 students: fewer than 20


def test_no_one_matched_gives_an_empty_row() -> None:
    row = estimate("call", [])
    assert row.students_served == 0 and row.effect_points is None
    assert row.conclusion == "too few to conclude"


@pytest.mark.parametrize(
    ("served", "low", "high", "said"),
    [
        (30, -3.0, -1.0, "fewer absences"),
        (30, -1.0, 1.0, "no clear change"),
        (30, 0.5, 1.0, "more absences"),
        (30, -6.0, -0.5, "too few to conclude"),  # half width 2.75 > 2.5 points
        (19, -3.0, -1.0, "too few to conclude"),
        (30, math.nan, math.nan, "too few to conclude"),
    ],
)
def test_conclusion(served: int, low: float, high: float, said: str) -> None:
    assert conclusion(served, low, high) == said
