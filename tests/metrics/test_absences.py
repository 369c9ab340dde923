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

from .helpers import (
    START,
    YEAR,
    approx,
    by_student,
    day,
    metrics,
    school_with_calendar,
    variant,
)


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


def test_partial_days_fractional_or_half_day(tmp_path: Path) -> None:
    # P1: 0.5 + 0.4 + 1 excused. Fractional: 1.9 of 10 = 19%. Half-day rule (edfacts, crdc):
    # 0.5 counts as a day, 0.4 as none: 1 + 0 + 1 = 2. P2: 0.5 unexcused: 0.5, or 1.
    b = school_with_calendar(10)
    for p in ("P1", "P2"):
        b.stay(p, "S1", YEAR, day(0))
    b.absent("P1", "S1", day(1), "excused", fraction="0.5")
    b.absent("P1", "S1", day(2), "excused", fraction="0.4")
    b.absent("P1", "S1", day(3), "excused", fraction="1")
    b.absent("P2", "S1", day(1), "unexcused", fraction="0.5")
    fractional = by_student(tmp_path, b, "default")
    assert fractional["P1"]["days_absent"] == approx(1.9)
    assert fractional["P1"]["days_excused"] == approx(1.9)
    assert fractional["P2"]["days_absent"] == 0.5
    for name in ("edfacts", "crdc"):
        half = by_student(tmp_path, b, name)
        assert half["P1"]["days_absent"] == 2, name
        assert half["P1"]["days_excused"] == 2, name
        assert half["P2"]["days_absent"] == 1, name
        assert half["P2"]["days_unexcused"] == 1, name


def test_minutes_absent_over_day_minutes(tmp_path: Path) -> None:
    # A 360-minute day: tardy 90 min = 0.25, early departure 180 = 0.5, excused 360 = 1,
    # unexcused 120 = 1/3. Shipped definitions: late and early are not absences, 1 + 1/3 days
    # (half-day rule: 1 + 0). A district's own minutes-based definition that counts them:
    # 0.25 + 0.5 + 1 + 1/3 = 25/12 days (its half-day variant: 0 + 1 + 1 + 0 = 2).
    b = Builder()
    b.school("S1", "D1", calendar_id="C1", day_minutes=360)
    b.calendar("C1", YEAR, START, 10)
    b.stay("P1", "S1", YEAR, day(0))
    b.absent("P1", "S1", day(1), "tardy", minutes=90)
    b.absent("P1", "S1", day(2), "early_departure", minutes=180)
    b.absent("P1", "S1", day(3), "excused", minutes=360)
    b.absent("P1", "S1", day(4), "unexcused", minutes=120)
    row = by_student(tmp_path, b)["P1"]
    assert row["days_absent"] == approx(4 / 3)
    assert (row["days_excused"], row["days_unexcused"]) == (1, approx(1 / 3))
    assert (row["tardies"], row["tardy_days"]) == (1, 0.25)
    assert (row["early_departures"], row["early_departure_days"]) == (1, 0.5)
    assert by_student(tmp_path, b, "edfacts")["P1"]["days_absent"] == 1
    everything = ["excused", "unexcused", "suspension", "tardy", "early_departure"]
    minutes_based = variant(tmp_path, "default", chronic={"absence_categories": everything})
    assert by_student(tmp_path, b, minutes_based)["P1"]["days_absent"] == approx(25 / 12)
    half_days = variant(tmp_path, "edfacts", chronic={"absence_categories": everything})
    assert by_student(tmp_path, b, half_days)["P1"]["days_absent"] == 2


def test_codes_map_to_categories_and_fractions(tmp_path: Path) -> None:
    # Codes: A unexcused (no fraction: a whole day), H excused half day, T tardy quarter day,
    # X in-school suspension. Rows: A = 1 unexcused; H = 0.5 excused; T = a tardy of 0.25,
    # not an absence; A with absent_fraction 0.3 = 0.3 unexcused (the row's fraction wins);
    # X = ISS, not counted; category excused with code A = excused (the category wins), 1 day
    # (A has no fraction). Days absent 1 + 0.5 + 0.3 + 1 = 2.8; excused 1.5; unexcused 1.3;
    # 2 unexcused dates; 1 tardy of 0.25 days.
    b = school_with_calendar(10)
    b.code("A", "unexcused").code("H", "excused", "0.5").code("T", "tardy", "0.25")
    b.code("X", "in_school_suspension")
    b.stay("P1", "S1", YEAR, day(0))
    b.absent("P1", "S1", day(1), code="A")
    b.absent("P1", "S1", day(2), code="H")
    b.absent("P1", "S1", day(3), code="T")
    b.absent("P1", "S1", day(4), code="A", fraction="0.3")
    b.absent("P1", "S1", day(5), code="X")
    b.absent("P1", "S1", day(6), "excused", code="A")
    row = by_student(tmp_path, b)["P1"]
    assert row["days_absent"] == approx(2.8)
    assert row["days_excused"] == approx(1.5)
    assert row["days_unexcused"] == approx(1.3)
    assert row["unexcused_absences"] == 2
    assert (row["tardies"], row["tardy_days"]) == (1, 0.25)


def test_a_rows_own_category_wins_and_its_code_is_ignored(tmp_path: Path) -> None:
    # Code H is an excused half day. A row `category=unexcused, code=H` is what its category
    # says, a whole unexcused day (DESIGN section 4: where a row gives both, its category wins).
    b = school_with_calendar(10)
    b.code("H", "excused", "0.5")
    b.stay("P1", "S1", YEAR, day(0))
    b.absent("P1", "S1", day(1), "unexcused", code="H")
    row = by_student(tmp_path, b)["P1"]
    assert (row["days_unexcused"], row["days_excused"]) == (1, 0)


def test_which_categories_count(tmp_path: Path) -> None:
    # Default counts excused, unexcused and suspension by their fraction; late arrivals and
    # early departures are counted apart. ISS (a whole day by default) 0; tardy with no fraction
    # 0; tardy 0.25 0; suspension 1; present 0; remote present 0; early departure 0.5 0: 1 day,
    # suspended; 2 tardies of 0.25 days in all, 1 early departure of 0.5.
    # A definition that also counts ISS, tardy and early departure: 1 + 1 + 0.25 + 0.5 = 2.75.
    b = school_with_calendar(10)
    b.stay("P1", "S1", YEAR, day(0))
    b.absent("P1", "S1", day(1), "in_school_suspension")
    b.absent("P1", "S1", day(2), "tardy")
    b.absent("P1", "S1", day(3), "tardy", fraction="0.25")
    b.absent("P1", "S1", day(4), "suspension")
    b.absent("P1", "S1", day(5), "present")
    b.absent("P1", "S1", day(6), "remote_present")
    b.absent("P1", "S1", day(7), "early_departure", fraction="0.5")
    row = by_student(tmp_path, b)["P1"]
    assert row["days_absent"] == 1
    assert (row["days_suspended"], row["days_excused"], row["days_unexcused"]) == (1, 0, 0)
    assert (row["tardies"], row["tardy_days"]) == (2, 0.25)
    assert (row["early_departures"], row["early_departure_days"]) == (1, 0.5)
    with_iss = variant(
        tmp_path,
        "default",
        chronic={
            "absence_categories": [
                "excused",
                "unexcused",
                "suspension",
                "in_school_suspension",
                "tardy",
                "early_departure",
            ]
        },
    )
    assert by_student(tmp_path, b, with_iss)["P1"]["days_absent"] == approx(2.75)


def test_duplicate_rows_keep_the_larger_absence(tmp_path: Path) -> None:
    # Day 1: excused 0.5 and excused 1 -> 1. Day 2: unexcused 0.75 then 0.25 -> 0.75. Day 3:
    # unexcused 0.25 and excused 1 -> the excused day (its category comes with it).
    # 2.75 days: 2 excused, 0.75 unexcused; one unexcused date (day 2).
    b = school_with_calendar(10)
    b.stay("P1", "S1", YEAR, day(0))
    b.absent("P1", "S1", day(1), "excused", fraction="0.5")
    b.absent("P1", "S1", day(1), "excused", fraction="1")
    b.absent("P1", "S1", day(2), "unexcused", fraction="0.75")
    b.absent("P1", "S1", day(2), "unexcused", fraction="0.25")
    b.absent("P1", "S1", day(3), "unexcused", fraction="0.25")
    b.absent("P1", "S1", day(3), "excused", fraction="1")
    row = by_student(tmp_path, b)["P1"]
    assert row["days_absent"] == approx(2.75)
    assert (row["days_excused"], row["days_unexcused"]) == (2, 0.75)
    assert row["unexcused_absences"] == 1


def test_truancy_counts_unexcused_dates_apart_from_chronic_absence(tmp_path: Path) -> None:
    # 20 days. P1: unexcused whole days 1, 2, 3, unexcused 0.2 on day 4, unexcused 0 on day 5:
    # 4 unexcused dates (fraction above 0), 3.2 days unexcused. California is truant from 3,
    # default from 10. P2: 5 days excused: chronic (25%), never truant.
    b = school_with_calendar(20)
    b.stay("P1", "S1", YEAR, day(0))
    b.stay("P2", "S1", YEAR, day(0))
    for i in (1, 2, 3):
        b.absent("P1", "S1", day(i), "unexcused")
    b.absent("P1", "S1", day(4), "unexcused", fraction="0.2")
    b.absent("P1", "S1", day(5), "unexcused", fraction="0")
    for i in range(5):
        b.absent("P2", "S1", day(i), "excused")
    default = by_student(tmp_path, b)
    assert default["P1"]["unexcused_absences"] == 4
    assert default["P1"]["days_unexcused"] == approx(3.2)
    assert not default["P1"]["truant"]
    assert default["P2"]["chronically_absent"] and default["P2"]["unexcused_absences"] == 0
    assert not default["P2"]["truant"]
    assert by_student(tmp_path, b, "california")["P1"]["truant"]
    # Counting only excused days: P1 has no days absent, but the same 4 unexcused dates.
    only_excused = variant(tmp_path, "default", chronic={"absence_categories": ["excused"]})
    p1 = by_student(tmp_path, b, only_excused)["P1"]
    assert (p1["days_absent"], p1["unexcused_absences"]) == (0, 4)
    assert not p1["chronically_absent"]
    # Half-day rule: day 4 (0.2) is no day absent, but it is still an unexcused date.
    edfacts = by_student(tmp_path, b, "edfacts")["P1"]
    assert (edfacts["days_unexcused"], edfacts["unexcused_absences"]) == (3, 4)
