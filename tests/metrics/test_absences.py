"""Days absent by category; late arrivals and early departures counted apart (absences.py).

Ed-Fi's Analytics Middle Tier counts only excused and unexcused absence, edu_wh gives a tardy,
an early departure or partial attendance an absence value of 0, and EDFacts counts a day only
when half of it or more is missed: in every shipped definition a late arrival or an early
departure adds nothing to days absent, and is reported in its own columns.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from datasets import SHIPPED, Builder

from .helpers import START, YEAR, approx, by_student, day, metrics, school_with_calendar, variant


def _late_and_early() -> Builder:
    # 40 days (California needs 31). P1 only arrives late or leaves early: tardies on days 1, 2
    # (0.25 each) and 3 (no time given), early departures on days 4 (0.5) and 5 (0.75).
    b = school_with_calendar(40)
    b.stay("P1", "S1", YEAR, day(0))
    for i in (1, 2):
        b.absent("P1", "S1", day(i), "tardy", fraction="0.25")
    b.absent("P1", "S1", day(3), "tardy")
    b.absent("P1", "S1", day(4), "early_departure", fraction="0.5")
    b.absent("P1", "S1", day(5), "early_departure", fraction="0.75")
    return b


@pytest.mark.parametrize("definition", SHIPPED)
def test_tardies_and_early_departures_are_not_absences(tmp_path: Path, definition: str) -> None:
    # 0 days absent under every shipped definition; 3 tardies of 0.5 days in all, 2 early
    # departures of 1.25 days, reported apart. California's grades include 05 (the default).
    b = _late_and_early()
    for per in ("school", "district", "state"):
        row = by_student(tmp_path, b, definition, per=per)["P1"]
        assert (row["days_absent"], row["absence_rate"]) == (0, 0), per
        assert not row["chronically_absent"] and row["tier"] == "satisfactory", per
        assert (row["tardies"], row["tardy_days"]) == (3, 0.5), per
        assert (row["early_departures"], row["early_departure_days"]) == (2, 1.25), per
    (school,) = metrics(tmp_path, b, definition, level="school")
    assert school["ada"] == 1


def test_a_district_definition_can_count_the_minutes(tmp_path: Path) -> None:
    # The same student under a district's own definition that lists tardy and early_departure:
    # 0.5 + 1.25 = 1.75 days of 40; the columns apart are unchanged.
    mine = variant(
        tmp_path,
        "default",
        chronic={
            "absence_categories": ["excused", "unexcused", "suspension", "tardy", "early_departure"]
        },
    )
    row = by_student(tmp_path, _late_and_early(), mine)["P1"]
    assert (row["days_absent"], row["absence_rate"]) == (1.75, approx(1.75 / 40))
    assert (row["tardies"], row["early_departures"]) == (3, 2)


def test_an_excused_half_day_is_half_a_day_or_a_whole_one(tmp_path: Path) -> None:
    # An excused half day (absent_fraction 0.5, or the code H) counts 0.5 under default
    # (fractional) and 1 under edfacts (half a day or more missed is a day absent).
    b = school_with_calendar(10)
    b.code("H", "excused", "0.5")
    b.stay("P1", "S1", YEAR, day(0))
    b.stay("P2", "S1", YEAR, day(0))
    b.absent("P1", "S1", day(1), "excused", fraction="0.5")
    b.absent("P2", "S1", day(1), code="H")
    for student in ("P1", "P2"):
        assert by_student(tmp_path, b)[student]["days_absent"] == 0.5
        assert by_student(tmp_path, b, "default")[student]["days_excused"] == 0.5
        edfacts = by_student(tmp_path, b, "edfacts")[student]
        assert (edfacts["days_absent"], edfacts["days_excused"]) == (1, 1)
        assert edfacts["tardies"] == 0


def test_tardy_minutes_over_the_day_length(tmp_path: Path) -> None:
    # A 400-minute day: late 40 minutes (0.1) and 100 minutes (0.25), early 200 (0.5).
    b = Builder()
    b.school("S1", "D1", calendar_id="C1", day_minutes=400)
    b.calendar("C1", YEAR, START, 10)
    b.stay("P1", "S1", YEAR, day(0))
    b.absent("P1", "S1", day(1), "tardy", minutes=40)
    b.absent("P1", "S1", day(2), "tardy", minutes=100)
    b.absent("P1", "S1", day(3), "early_departure", minutes=200)
    row = by_student(tmp_path, b)["P1"]
    assert row["days_absent"] == 0
    assert (row["tardies"], row["tardy_days"]) == (2, 0.35)
    assert (row["early_departures"], row["early_departure_days"]) == (1, 0.5)
