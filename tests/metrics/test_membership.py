"""Days enrolled: membership days of stays, clipped to the year and the as-of date, and movers
counted per school, district and state (metrics/membership.py, the roll-up in students.py).

Every dataset is written to CSV files and goes through `metrics_for_folder`, like a user's
(tests/metrics/helpers.py); the arithmetic is worked out in each comment.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from datasets import Builder

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
