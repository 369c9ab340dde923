"""One small hand-computed test per counting rule of docs/metrics.md.

Every dataset is written to CSV files and goes through `metrics_for_folder`, like a user's.
Calendars are consecutive dates from Monday 2 September 2024 (school year 2025); `day(i)` is
the i-th date of the calendar, listed or not. The arithmetic is worked out in each comment.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from datasets import Builder

from .helpers import (
    START,
    YEAR,
    approx,
    by_school,
    by_student,
    day,
    metrics,
    school_with_calendar,
    variant,
)

# --- days enrolled ------------------------------------------------------------------------


def test_days_enrolled_count_instructional_listed_days_only(tmp_path: Path) -> None:
    # 14 dates; days 3 and 4 are listed as not instructional, days 8 and 9 are left out of
    # the file: 14 - 2 - 2 = 10 school days.
    b = school_with_calendar(14, off=[3, 4], omit=[8, 9])
    b.stay("P1", "S1", YEAR, day(0))  # the whole year: 10
    b.stay("P2", "S1", YEAR, day(5), day(9))  # days 5, 6, 7 (8 and 9 omitted): 3
    b.stay("P3", "S1", YEAR, day(3), day(4))  # only non-instructional days: 0, no row
    rows = by_student(tmp_path, b)
    assert set(rows) == {"P1", "P2"}
    assert rows["P1"]["days_enrolled"] == 10
    assert rows["P2"]["days_enrolled"] == 3


def test_exit_date_inclusive_or_exclusive(tmp_path: Path) -> None:
    # 10 school days; exit on day 5. Inclusive: days 0..5 = 6. Exclusive: days 0..4 = 5.
    b = school_with_calendar(10)
    b.stay("P1", "S1", YEAR, day(0), day(5))
    b.absent("P1", "S1", day(4), "excused")
    inclusive = by_student(tmp_path, b)["P1"]
    exclusive = by_student(
        tmp_path, b, variant(tmp_path, "default", enrollment={"exit_date": "exclusive"})
    )["P1"]
    assert (inclusive["days_enrolled"], inclusive["days_absent"]) == (6, 1)
    assert (exclusive["days_enrolled"], exclusive["days_absent"]) == (5, 1)


def test_empty_exit_and_exit_after_the_year_run_to_year_end(tmp_path: Path) -> None:
    # 10 school days. P1 enters on day 3 with no exit: days 3..9 = 7. P2 enters on day 5 and
    # exits a month after the last listed date: days 5..9 = 5.
    b = school_with_calendar(10)
    b.stay("P1", "S1", YEAR, day(3))
    b.stay("P2", "S1", YEAR, day(5), day(40))
    rows = by_student(tmp_path, b)
    assert rows["P1"]["days_enrolled"] == 7
    assert rows["P2"]["days_enrolled"] == 5


def test_entry_before_the_calendars_first_day(tmp_path: Path) -> None:
    # Entered 20 August, before the first listed date (2 September); exit on day 4: days 0..4.
    b = school_with_calendar(10)
    b.stay("P1", "S1", YEAR, dt.date(2024, 8, 20), day(4))
    assert by_student(tmp_path, b)["P1"]["days_enrolled"] == 5


def test_two_stays_at_one_school_are_added(tmp_path: Path) -> None:
    # Days 0..2 (3) and 6..9 (4) at S1: one row, 7 days; absences on days 1 and 7: 2 of 7.
    b = school_with_calendar(10)
    b.stay("P1", "S1", YEAR, day(0), day(2))
    b.stay("P1", "S1", YEAR, day(6))
    b.absent("P1", "S1", day(1), "excused")
    b.absent("P1", "S1", day(7), "unexcused")
    rows = metrics(tmp_path, b)
    assert len(rows) == 1
    assert (rows[0]["days_enrolled"], rows[0]["days_absent"]) == (7, 2)
    assert rows[0]["absence_rate"] == approx(2 / 7)


def _mover(district_of_s2: str) -> Builder:
    # S1 and S2 share calendar C1 (10 school days). P1: S1 on days 0..3 in grade 05 with a whole
    # day absent on day 1; S2 from day 4 in grade 06 with half a day absent on day 5.
    b = Builder()
    b.school("S1", "D1", calendar_id="C1", state="CA")
    b.school("S2", district_of_s2, calendar_id="C1", state="CA")
    b.calendar("C1", YEAR, START, 10)
    b.stay("P1", "S1", YEAR, day(0), day(3), grade="05")
    b.stay("P1", "S2", YEAR, day(4), grade="06")
    b.absent("P1", "S1", day(1), "excused")
    b.absent("P1", "S2", day(5), "excused", fraction="0.5")
    return b


def test_mover_per_school_counted_in_each_school(tmp_path: Path) -> None:
    # S1: 4 days, 1 absent (25%); S2: 6 days, 0.5 absent (1/12). Both under 10 days enrolled,
    # so neither school row is eligible (default minimum 10).
    rows = {r["school_id"]: r for r in metrics(tmp_path, _mover("D1"), per="school")}
    assert (rows["S1"]["days_enrolled"], rows["S1"]["days_absent"]) == (4, 1)
    assert (rows["S2"]["days_enrolled"], rows["S2"]["days_absent"]) == (6, 0.5)
    assert rows["S1"]["grade_level"] == "05" and rows["S2"]["grade_level"] == "06"
    assert not rows["S1"]["eligible"] and not rows["S2"]["eligible"]
    assert rows["S1"]["tier"] is None and not rows["S1"]["chronically_absent"]


def test_mover_per_district_counts_dates_once_with_the_latest_stay(tmp_path: Path) -> None:
    # One district row: 4 + 6 = 10 days (eligible), 1.5 absent = 15%: chronic, moderate; the
    # school and grade are the latest stay's (S2, 06).
    rows = metrics(tmp_path, _mover("D1"), per="district")
    assert len(rows) == 1
    row = rows[0]
    assert (row["school_id"], row["grade_level"]) == ("S2", "06")
    assert (row["days_enrolled"], row["days_absent"]) == (10, 1.5)
    assert row["absence_rate"] == approx(0.15)
    assert row["eligible"] and row["chronically_absent"] and row["tier"] == "moderate_chronic"


def test_mover_between_districts_per_district_and_per_state(tmp_path: Path) -> None:
    # S2 in D2: per district, two rows (D1: 4 days; D2: 6 days); per state, one CA row of 10
    # days and 1.5 absent, with the latest stay's district, school and grade.
    b = _mover("D2")
    districts = {r["district_id"]: r for r in metrics(tmp_path, b, per="district")}
    assert {d: r["days_enrolled"] for d, r in districts.items()} == {"D1": 4, "D2": 6}
    rows = metrics(tmp_path, b, per="state")
    assert len(rows) == 1
    row = rows[0]
    assert (row["state"], row["district_id"], row["school_id"]) == ("CA", "D2", "S2")
    assert (row["days_enrolled"], row["days_absent"], row["grade_level"]) == (10, 1.5, "06")
    assert row["chronically_absent"]


def test_as_of_counts_membership_and_absences_through_the_date(tmp_path: Path) -> None:
    # 20 dates, days 5 and 6 not instructional. As of day 9: school days 0-4 and 7-9 = 8;
    # absences on day 2 (counted) and day 12 (after D, not counted): 1 of 8.
    # P2 enters on day 15: no row as of day 9. P3 enters on day 9: 1 day.
    # As of day 6 (a non-instructional day): P1 has days 0-4 = 5.
    b = school_with_calendar(20, off=[5, 6])
    b.stay("P1", "S1", YEAR, day(0))
    b.stay("P2", "S1", YEAR, day(15))
    b.stay("P3", "S1", YEAR, day(9))
    b.absent("P1", "S1", day(2), "excused")
    b.absent("P1", "S1", day(12), "excused")
    b.absent("P2", "S1", day(16), "excused")
    rows = by_student(tmp_path, b, as_of=day(9))
    assert set(rows) == {"P1", "P3"}
    assert (rows["P1"]["days_enrolled"], rows["P1"]["days_absent"]) == (8, 1)
    assert rows["P3"]["days_enrolled"] == 1
    assert by_student(tmp_path, b, as_of=day(6))["P1"]["days_enrolled"] == 5
    # Without a date: 18 days, 2 absent.
    full = by_student(tmp_path, b)["P1"]
    assert (full["days_enrolled"], full["days_absent"]) == (18, 2)


# --- days absent --------------------------------------------------------------------------


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


# --- rates, eligibility, tiers ------------------------------------------------------------


def test_one_point_nine_of_nineteen_is_exactly_ten_percent(tmp_path: Path) -> None:
    # 19 days. P1: 1 + 0.9 = 1.9 days = exactly 10%: chronic, moderate. P2: 1.8: at risk.
    b = school_with_calendar(19)
    for p in ("P1", "P2"):
        b.stay(p, "S1", YEAR, day(0))
        b.absent(p, "S1", day(1), "excused")
    b.absent("P1", "S1", day(2), "excused", fraction="0.9")
    b.absent("P2", "S1", day(2), "excused", fraction="0.8")
    rows = by_student(tmp_path, b)
    assert rows["P1"]["absence_rate"] == approx(0.1)
    assert rows["P1"]["chronically_absent"] and rows["P1"]["tier"] == "moderate_chronic"
    assert not rows["P2"]["chronically_absent"] and rows["P2"]["tier"] == "at_risk"


def test_seventeen_and_a_half_of_180_is_not_chronic_eighteen_is(tmp_path: Path) -> None:
    # 180 days. P1: 17 whole days and a half = 17.5 (9.72%): not chronic. P2: 18 (10%): chronic.
    b = school_with_calendar(180)
    for p in ("P1", "P2"):
        b.stay(p, "S1", YEAR, day(0))
        for i in range(17):
            b.absent(p, "S1", day(i), "unexcused")
    b.absent("P1", "S1", day(17), "excused", fraction="0.5")
    b.absent("P2", "S1", day(17), "excused")
    rows = by_student(tmp_path, b)
    assert rows["P1"]["days_absent"] == 17.5 and not rows["P1"]["chronically_absent"]
    assert rows["P2"]["days_absent"] == 18 and rows["P2"]["chronically_absent"]


def test_tiers_change_exactly_at_5_10_and_20_percent(tmp_path: Path) -> None:
    # 20 days: 0 and 0.9 (4.5%) satisfactory; 1 (5%) and 1.9 (9.5%) at risk; 2 (10%) and 3.9
    # (19.5%) moderate; 4 (20%) severe.
    absent = {"P0": "0", "P1": "0.9", "P2": "1", "P3": "1.9", "P4": "2", "P5": "3.9", "P6": "4"}
    b = school_with_calendar(20)
    for p, amount in absent.items():
        b.stay(p, "S1", YEAR, day(0))
        whole, _, part = amount.partition(".")
        for i in range(int(whole)):
            b.absent(p, "S1", day(i), "excused")
        if part:
            b.absent(p, "S1", day(10), "excused", fraction=f"0.{part}")
    tiers = {p: r["tier"] for p, r in by_student(tmp_path, b).items()}
    assert tiers == {
        "P0": "satisfactory",
        "P1": "satisfactory",
        "P2": "at_risk",
        "P3": "at_risk",
        "P4": "moderate_chronic",
        "P5": "moderate_chronic",
        "P6": "severe_chronic",
    }


def test_eligibility_at_exactly_the_minimum_days(tmp_path: Path) -> None:
    # Default minimum 10 of a 20-day calendar: P9 enters day 11 (9 days; 5 absences: 55% but
    # not eligible, so neither chronic nor in a tier); P10 enters day 10 (10 days).
    b = school_with_calendar(20)
    b.stay("P9", "S1", YEAR, day(11))
    b.stay("P10", "S1", YEAR, day(10))
    for i in range(11, 16):
        b.absent("P9", "S1", day(i), "excused")
    rows = by_student(tmp_path, b)
    assert (rows["P9"]["days_enrolled"], rows["P9"]["eligible"]) == (9, False)
    assert not rows["P9"]["chronically_absent"] and rows["P9"]["tier"] is None
    assert (rows["P10"]["days_enrolled"], rows["P10"]["eligible"]) == (10, True)
    assert rows["P10"]["tier"] == "satisfactory"


def test_california_needs_31_days(tmp_path: Path) -> None:
    # 40 days: P31 enters day 9 (31 days, eligible); P30 enters day 10 (30 days, not).
    b = school_with_calendar(40)
    b.stay("P31", "S1", YEAR, day(9))
    b.stay("P30", "S1", YEAR, day(10))
    rows = by_student(tmp_path, b, "california")
    assert (rows["P31"]["days_enrolled"], rows["P31"]["eligible"]) == (31, True)
    assert (rows["P30"]["days_enrolled"], rows["P30"]["eligible"]) == (30, False)


def test_crdc_fifteen_days_with_the_half_day_rule(tmp_path: Path) -> None:
    # 40 days, 15 or more days absent. P1: 14 days and 0.4 -> 14: no. P2: 14 and 0.5 -> 15
    # under the half-day rule: yes. P3: 15 days: yes. P4: one day enrolled: eligible (min 1).
    # With fractional partial days, P2 has 14.5: no.
    b = school_with_calendar(40)
    for p in ("P1", "P2", "P3"):
        b.stay(p, "S1", YEAR, day(0))
        for i in range(14):
            b.absent(p, "S1", day(i), "excused")
    b.absent("P1", "S1", day(20), "excused", fraction="0.4")
    b.absent("P2", "S1", day(20), "excused", fraction="0.5")
    b.absent("P3", "S1", day(20), "excused")
    b.stay("P4", "S1", YEAR, day(39))
    rows = by_student(tmp_path, b, "crdc")
    assert (rows["P1"]["days_absent"], rows["P1"]["chronically_absent"]) == (14, False)
    assert (rows["P2"]["days_absent"], rows["P2"]["chronically_absent"]) == (15, True)
    assert (rows["P3"]["days_absent"], rows["P3"]["chronically_absent"]) == (15, True)
    assert rows["P4"]["eligible"] and rows["P4"]["days_enrolled"] == 1
    fractional = variant(tmp_path, "crdc", chronic={"partial_days": "fractional"})
    p2 = by_student(tmp_path, b, fractional)["P2"]
    assert (p2["days_absent"], p2["chronically_absent"]) == (14.5, False)


def test_edfacts_counts_a_mover_in_each_school(tmp_path: Path) -> None:
    # 20 days. P1: S1 days 0..9 (10 days, 1 absent = 10%) then S2 days 10..19 (10 days, 1
    # absent): chronic in each school's count, and once (2 of 20) in the district's.
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.school("S2", "D1", calendar_id="C1")
    b.calendar("C1", YEAR, START, 20)
    b.stay("P1", "S1", YEAR, day(0), day(9))
    b.stay("P1", "S2", YEAR, day(10))
    b.absent("P1", "S1", day(3), "unexcused")
    b.absent("P1", "S2", day(13), "unexcused")
    schools = by_school(tmp_path, b, "edfacts")
    for school in ("S1", "S2"):
        row = schools[(YEAR, school)]
        assert (row["students_enrolled"], row["chronically_absent_count"]) == (1, 1), school
    (district,) = metrics(tmp_path, b, "edfacts", level="district")
    assert (district["students_enrolled"], district["chronically_absent_count"]) == (1, 1)
    assert district["ada"] == approx(18 / 20)


def test_california_counts_grades_k_to_8_and_not_in_school_suspension(tmp_path: Path) -> None:
    # 40 days. P8 in grade 08: 2 ISS days (not absences), 3 excused and 1 out-of-school
    # suspension: 4 of 40 = 10%, chronic. P9 in grade 09: outside the indicator, no row.
    b = school_with_calendar(40)
    b.stay("P8", "S1", YEAR, day(0), grade="08")
    b.stay("P9", "S1", YEAR, day(0), grade="09")
    for i in (1, 2):
        b.absent("P8", "S1", day(i), "in_school_suspension")
    for i in (3, 4, 5):
        b.absent("P8", "S1", day(i), "excused")
    b.absent("P8", "S1", day(6), "suspension")
    b.absent("P9", "S1", day(1), "excused")
    rows = by_student(tmp_path, b, "california")
    assert set(rows) == {"P8"}
    assert (rows["P8"]["days_absent"], rows["P8"]["days_suspended"]) == (4, 1)
    assert rows["P8"]["chronically_absent"]
    (school,) = metrics(tmp_path, b, "california", level="school")
    assert school["students_enrolled"] == 1


def test_a_stay_outside_the_grades_leaves_its_absences_out(tmp_path: Path) -> None:
    # Engine regression: P1 is in grade 08 at S1 on days 0..19 (1 absence) and in grade 09 at
    # the same school on days 20..39 (3 absences). California counts only the grade 08 stay:
    # 20 days, 1 absent (not the 4 of both stays).
    b = school_with_calendar(40)
    b.stay("P1", "S1", YEAR, day(0), day(19), grade="08")
    b.stay("P1", "S1", YEAR, day(20), grade="09")
    b.absent("P1", "S1", day(5), "excused")
    for i in (21, 22, 23):
        b.absent("P1", "S1", day(i), "excused")
    row = by_student(tmp_path, b, "california")["P1"]
    assert (row["days_enrolled"], row["days_absent"], row["grade_level"]) == (20, 1, "08")


# --- aggregates ---------------------------------------------------------------------------


def test_school_aggregate_counts_rates_tiers_and_ada(tmp_path: Path) -> None:
    # 10 days. P1 0 absent (satisfactory; a tardy is not an absence), P2 1 (10%, moderate), P3
    # 2.5 (25%, severe), P4 0.5 (5%, at risk); P5 enters day 5: 5 days, 1 absent, not eligible.
    # Enrolled 5, eligible 4, chronic 2 (P2, P3): 50%, extreme.
    # ADA over all five: (10*4 + 5 - (0 + 1 + 2.5 + 0.5 + 1)) / 45 = 40/45.
    b = school_with_calendar(10)
    for p in ("P1", "P2", "P3", "P4"):
        b.stay(p, "S1", YEAR, day(0))
    b.stay("P5", "S1", YEAR, day(5))
    b.absent("P2", "S1", day(1), "excused")
    b.absent("P3", "S1", day(1), "excused")
    b.absent("P3", "S1", day(2), "unexcused")
    b.absent("P3", "S1", day(3), "suspension", fraction="0.5")
    b.absent("P1", "S1", day(1), "tardy", fraction="0.5")
    b.absent("P4", "S1", day(1), "excused", fraction="0.5")
    b.absent("P5", "S1", day(6), "excused")
    (row,) = metrics(tmp_path, b, level="school")
    assert (row["school_year"], row["district_id"], row["school_id"]) == (YEAR, "D1", "S1")
    assert (row["students_enrolled"], row["students_eligible"]) == (5, 4)
    assert row["chronically_absent_count"] == 2
    assert row["chronic_absence_rate"] == approx(0.5)
    counts = [
        row[f"{t}_count"] for t in ("satisfactory", "at_risk", "moderate_chronic", "severe_chronic")
    ]
    assert counts == [1, 1, 1, 1]
    assert row["ada"] == approx(40 / 45)
    assert row["level"] == "extreme"
    assert row["prior_chronic_absence_rate"] is None
    assert row["chronic_absence_rate_change"] is None


def test_school_levels_change_exactly_at_the_cut_points(tmp_path: Path) -> None:
    # Schools of 20 eligible students, k of them chronic (1 day of 10 absent):
    # 0 low, 1 = 5% modest, 2 = 10% significant, 3 = 15% significant, 4 = 20% high,
    # 5 = 25% high, 6 = 30% extreme. And 1 of 21 (4.76%) is low, where 1 of 20 is modest.
    b = Builder()
    b.calendar("C1", YEAR, START, 10)
    plan = {f"K{k}": (20, k) for k in range(7)} | {"L1": (21, 1)}
    for school, (size, chronic) in plan.items():
        b.school(school, "D1", calendar_id="C1")
        for i in range(size):
            student = f"{school}-{i:02d}"
            b.stay(student, school, YEAR, day(0))
            if i < chronic:
                b.absent(student, school, day(4), "excused")
    levels = {key[1]: row["level"] for key, row in by_school(tmp_path, b).items()}
    assert levels == {
        "K0": "low",
        "K1": "modest",
        "K2": "significant",
        "K3": "significant",
        "K4": "high",
        "K5": "high",
        "K6": "extreme",
        "L1": "low",
    }


def test_no_eligible_student_gives_empty_rate_and_level(tmp_path: Path) -> None:
    # 10 days; P1 enters day 5: 5 days, not eligible. Enrolled 1, eligible 0: no rate, no level;
    # ADA still counts the student: (5 - 1) / 5.
    b = school_with_calendar(10)
    b.stay("P1", "S1", YEAR, day(5))
    b.absent("P1", "S1", day(6), "excused")
    (row,) = metrics(tmp_path, b, level="school")
    assert (row["students_enrolled"], row["students_eligible"]) == (1, 0)
    assert row["chronic_absence_rate"] is None and row["level"] is None
    assert row["ada"] == approx(0.8)


def _three_students() -> Builder:
    # 10 days. P1 grade 03 asian, chronic (1 absent); P2 grade 03 black, 0; P3 grade 04 asian,
    # chronic (2 absent).
    b = school_with_calendar(10)
    b.student("P1", race_ethnicity="asian")
    b.student("P2", race_ethnicity="black")
    b.student("P3", race_ethnicity="asian")
    b.stay("P1", "S1", YEAR, day(0), grade="03")
    b.stay("P2", "S1", YEAR, day(0), grade="03")
    b.stay("P3", "S1", YEAR, day(0), grade="04")
    b.absent("P1", "S1", day(1), "excused")
    b.absent("P3", "S1", day(1), "excused")
    b.absent("P3", "S1", day(2), "excused")
    return b


def test_by_grade_level(tmp_path: Path) -> None:
    # Grade 03: 2 enrolled, 1 chronic (50%), ADA 19/20; grade 04: 1 enrolled, 1 chronic, 8/10.
    rows = by_school(tmp_path, _three_students(), by=("grade_level",))
    g3, g4 = rows[(YEAR, "S1", "03")], rows[(YEAR, "S1", "04")]
    assert (g3["students_enrolled"], g3["chronically_absent_count"]) == (2, 1)
    assert g3["chronic_absence_rate"] == approx(0.5) and g3["ada"] == approx(0.95)
    assert (g4["students_enrolled"], g4["chronically_absent_count"]) == (1, 1)
    assert g4["ada"] == approx(0.8)
    assert set(rows) == {(YEAR, "S1", "03"), (YEAR, "S1", "04")}


def test_by_a_student_column_and_by_two_columns(tmp_path: Path) -> None:
    # asian: P1 and P3, both chronic; black: P2, not. By grade and race: (03, asian) 1 of 1,
    # (03, black) 0 of 1, (04, asian) 1 of 1.
    rows = by_school(tmp_path, _three_students(), by=("race_ethnicity",))
    assert {
        k[2]: (r["students_enrolled"], r["chronically_absent_count"]) for k, r in rows.items()
    } == {"asian": (2, 2), "black": (1, 0)}
    both = by_school(tmp_path, _three_students(), by=("grade_level", "race_ethnicity"))
    assert {k[2:]: r["chronically_absent_count"] for k, r in both.items()} == {
        ("03", "asian"): 1,
        ("03", "black"): 0,
        ("04", "asian"): 1,
    }


def test_by_a_column_of_a_per_year_students_table(tmp_path: Path) -> None:
    # Two years of 10 days. P1 is economically disadvantaged in 2024 (chronic: 1 absent) and
    # not in 2025 (no absence); P2 never is, and is never absent.
    # 2024: True 1 of 1 chronic, False 0 of 1. 2025: False 0 of 2 (no True group); the False
    # group's prior rate is 2024's 0, change 0.
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.calendar("C1", 2024, dt.date(2023, 9, 4), 10)
    b.calendar("C1", 2025, START, 10)
    b.student("P1", school_year=2024, economically_disadvantaged="Y")
    b.student("P1", school_year=2025, economically_disadvantaged="N")
    b.student("P2", school_year=2024, economically_disadvantaged="no")
    b.student("P2", school_year=2025, economically_disadvantaged="false")
    for p in ("P1", "P2"):
        b.stay(p, "S1", 2024, dt.date(2023, 9, 4))
        b.stay(p, "S1", 2025, START)
    b.absent("P1", "S1", dt.date(2023, 9, 5), "excused")
    rows = by_school(tmp_path, b, by=("economically_disadvantaged",))
    got = {
        (k[0], k[2]): (r["students_enrolled"], r["chronically_absent_count"])
        for k, r in rows.items()
    }
    assert got == {(2024, True): (1, 1), (2024, False): (1, 0), (2025, False): (2, 0)}
    later = rows[(2025, "S1", False)]
    assert later["prior_chronic_absence_rate"] == 0
    assert later["chronic_absence_rate_change"] == 0


@pytest.mark.parametrize(
    "students_by_year", [False, True], ids=["one-students-row", "students-row-per-year"]
)
def test_several_years_with_the_prior_years_rate_and_change(
    tmp_path: Path, students_by_year: bool
) -> None:
    # S1 2024: 4 students, 1 chronic (25%). S1 2025: 5 students, 2 chronic (40%): prior 0.25,
    # change +0.15. S2 exists only in 2025: no prior. 2024 has no prior year in the data.
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.school("S2", "D1", calendar_id="C1")
    b.calendar("C1", 2024, dt.date(2023, 9, 4), 10)
    b.calendar("C1", 2025, START, 10)
    for i in range(4):
        b.stay(f"A{i}", "S1", 2024, dt.date(2023, 9, 4))
    b.absent("A0", "S1", dt.date(2023, 9, 6), "excused")
    for i in range(5):
        b.stay(f"A{i}", "S1", 2025, START)
    b.absent("A0", "S1", day(1), "excused")
    b.absent("A1", "S1", day(1), "excused")
    b.stay("B0", "S2", 2025, START)
    if students_by_year:
        for student, years in {f"A{i}": (2024, 2025) for i in range(4)}.items():
            for year in years:
                b.student(student, school_year=year)
        b.student("A4", school_year=2025).student("B0", school_year=2025)
    rows = by_school(tmp_path, b)
    assert rows[(2024, "S1")]["chronic_absence_rate"] == approx(0.25)
    assert rows[(2024, "S1")]["prior_chronic_absence_rate"] is None
    now = rows[(2025, "S1")]
    assert now["chronic_absence_rate"] == approx(0.4)
    assert now["prior_chronic_absence_rate"] == approx(0.25)
    assert now["chronic_absence_rate_change"] == approx(0.15)
    assert rows[(2025, "S2")]["prior_chronic_absence_rate"] is None
    assert rows[(2025, "S2")]["chronic_absence_rate_change"] is None


def test_district_and_state_levels(tmp_path: Path) -> None:
    # 10 days, all in CA. D1: S1 (P1 chronic with 1 absent, P2) and S2 (P3 chronic, 2 absent);
    # D2: S3 (P4, P5, P6 chronic with 1 absent). P7 moves from S1 (days 0..4) to S3 (days
    # 5..9) and is absent on day 6, at S3.
    # D1 per-district rows: P1, P2, P3 and P7 (5 days, ineligible): enrolled 4, eligible 3,
    # chronic 2, ADA (35 - 3) / 35. D2: P4, P5, P6, P7 (5 days, 1 absent, ineligible):
    # enrolled 4, eligible 3, chronic 1, ADA (35 - 2) / 35.
    # State per-state rows: 7 students of 10 days; P7 has 1 of 10, chronic: 4 of 7 chronic,
    # ADA (70 - 5) / 70.
    b = Builder()
    for school, district in (("S1", "D1"), ("S2", "D1"), ("S3", "D2")):
        b.school(school, district, calendar_id="C1", state="CA")
    b.calendar("C1", YEAR, START, 10)
    for p, school in (
        ("P1", "S1"),
        ("P2", "S1"),
        ("P3", "S2"),
        ("P4", "S3"),
        ("P5", "S3"),
        ("P6", "S3"),
    ):
        b.stay(p, school, YEAR, day(0))
    b.stay("P7", "S1", YEAR, day(0), day(4))
    b.stay("P7", "S3", YEAR, day(5))
    b.absent("P1", "S1", day(1), "excused")
    b.absent("P3", "S2", day(1), "excused")
    b.absent("P3", "S2", day(2), "excused")
    b.absent("P6", "S3", day(1), "excused")
    b.absent("P7", "S3", day(6), "unexcused")
    districts = {r["district_id"]: r for r in metrics(tmp_path, b, level="district")}
    d1, d2 = districts["D1"], districts["D2"]
    assert (d1["students_enrolled"], d1["students_eligible"], d1["chronically_absent_count"]) == (
        4,
        3,
        2,
    )
    assert d1["chronic_absence_rate"] == approx(2 / 3) and d1["ada"] == approx(32 / 35)
    assert (d2["students_enrolled"], d2["students_eligible"], d2["chronically_absent_count"]) == (
        4,
        3,
        1,
    )
    assert d2["chronic_absence_rate"] == approx(1 / 3) and d2["ada"] == approx(33 / 35)
    (state,) = metrics(tmp_path, b, level="state")
    assert state["state"] == "CA"
    assert (state["students_enrolled"], state["students_eligible"]) == (7, 7)
    assert state["chronically_absent_count"] == 4
    assert state["chronic_absence_rate"] == approx(4 / 7) and state["ada"] == approx(65 / 70)
    assert state["level"] == "extreme"


def test_a_missing_group_value_is_a_group_with_its_prior_year(tmp_path: Path) -> None:
    # P1 has no race_ethnicity (an empty cell), P2 is asian; both at S1 in 2024 and 2025.
    # 2024: P1 chronic (1 of 10 absent). 2025: nobody. The empty-race group has 2024's rate 1.0
    # as its prior in 2025, and a change of -1.0, like any other group.
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.calendar("C1", 2024, dt.date(2023, 9, 4), 10)
    b.calendar("C1", 2025, START, 10)
    b.student("P1", race_ethnicity="")
    b.student("P2", race_ethnicity="asian")
    for p in ("P1", "P2"):
        b.stay(p, "S1", 2024, dt.date(2023, 9, 4))
        b.stay(p, "S1", 2025, START)
    b.absent("P1", "S1", dt.date(2023, 9, 5), "excused")
    rows = by_school(tmp_path, b, by=("race_ethnicity",))
    assert set(rows) == {(y, "S1", race) for y in (2024, 2025) for race in (None, "asian")}
    missing = rows[(2025, "S1", None)]
    assert missing["chronic_absence_rate"] == 0
    assert missing["prior_chronic_absence_rate"] == 1
    assert missing["chronic_absence_rate_change"] == -1
    assert rows[(2025, "S1", "asian")]["prior_chronic_absence_rate"] == 0


def test_calendar_id_defaults_to_the_school_id(tmp_path: Path) -> None:
    # S1 gives no calendar_id: its calendar is the one named S1 (10 days, day 2 off): 9 days.
    b = Builder()
    b.school("S1", "D1")
    b.calendar("S1", YEAR, START, 10, off=[2])
    b.stay("P1", "S1", YEAR, day(0))
    assert by_student(tmp_path, b)["P1"]["days_enrolled"] == 9


def test_grouping_by_an_unknown_column_names_it(tmp_path: Path) -> None:
    from homeroom.pipeline import MetricsRequestError

    b = school_with_calendar(10)
    b.stay("P1", "S1", YEAR, day(0))
    with pytest.raises(MetricsRequestError, match="favourite_colour"):
        metrics(tmp_path, b, level="school", by=("favourite_colour",))


def test_identifiers_stay_text(tmp_path: Path) -> None:
    # Identifiers are strings (DESIGN.md section 4): leading zeros survive into the rows.
    b = Builder()
    b.school("010", "0042", calendar_id="007")
    b.calendar("007", YEAR, START, 10)
    b.stay("00123", "010", YEAR, day(0))
    (row,) = metrics(tmp_path, b)
    assert (row["student_id"], row["school_id"], row["district_id"]) == ("00123", "010", "0042")
    assert row["days_enrolled"] == 10
