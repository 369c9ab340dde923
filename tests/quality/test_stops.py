"""Where the data stop: the default as-of date and schools whose attendance stops early.

Hand-made tables in DuckDB: two schools on one calendar of ten school days (Monday 6 January
2025 to Friday 17 January 2025, weekends not instructional).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from homeroom.quality.stops import STALE_SCHOOL_DAYS, latest_recorded_day, stale_schools

FIRST = dt.date(2025, 1, 6)
SCHOOL_DAYS = [FIRST + dt.timedelta(days=d) for d in range(12) if d not in (5, 6)]


def tables(last_north: dt.date | None, last_south: dt.date | None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE schools (school_id VARCHAR, school_name VARCHAR, calendar_id VARCHAR)"
    )
    con.execute("INSERT INTO schools VALUES ('N', 'North', 'c'), ('S', 'South', 'c')")
    con.execute(
        "CREATE TABLE calendar "
        "(calendar_id VARCHAR, school_year INT, date DATE, instructional BOOLEAN)"
    )
    for offset in range(12):
        day = FIRST + dt.timedelta(days=offset)
        con.execute("INSERT INTO calendar VALUES ('c', 2025, ?, ?)", [day, day in SCHOOL_DAYS])
    con.execute("CREATE TABLE enrollments (student_id VARCHAR, school_id VARCHAR, school_year INT)")
    con.execute("INSERT INTO enrollments VALUES ('1', 'N', 2025), ('2', 'S', 2025)")
    con.execute(
        "CREATE TABLE attendance "
        "(student_id VARCHAR, school_id VARCHAR, school_year INT, date DATE)"
    )
    for student, school, last in (("1", "N", last_north), ("2", "S", last_south)):
        for day in SCHOOL_DAYS:
            if last is not None and day <= last:
                con.execute("INSERT INTO attendance VALUES (?, ?, 2025, ?)", [student, school, day])
    return con


def test_the_default_date_is_the_latest_attendance_recorded():
    con = tables(SCHOOL_DAYS[-2], SCHOOL_DAYS[3])
    assert latest_recorded_day(con, today=dt.date(2026, 1, 1)) == SCHOOL_DAYS[-2]


def test_the_default_date_is_never_after_today():
    con = tables(SCHOOL_DAYS[-1], SCHOOL_DAYS[-1])
    assert latest_recorded_day(con, today=SCHOOL_DAYS[4]) == SCHOOL_DAYS[4]


def test_without_attendance_the_default_is_the_latest_school_day_up_to_today():
    con = tables(None, None)
    # Saturday 11 January: the latest school day is Friday 10 January.
    assert latest_recorded_day(con, today=dt.date(2025, 1, 11)) == dt.date(2025, 1, 10)
    assert latest_recorded_day(con, today=dt.date(2024, 12, 1)) is None


def test_the_default_date_is_never_after_the_years_last_school_day():
    con = tables(SCHOOL_DAYS[-1], SCHOOL_DAYS[-1])
    # Attendance recorded on a weekend day after the last school day (a stray row) is capped.
    con.execute("INSERT INTO calendar VALUES ('c', 2025, DATE '2025-01-18', false)")
    con.execute("INSERT INTO attendance VALUES ('1', 'N', 2025, DATE '2025-01-18')")
    assert latest_recorded_day(con, today=dt.date(2026, 1, 1)) == SCHOOL_DAYS[-1]


@pytest.mark.parametrize(
    ("south_stops_after", "flagged"),
    [
        (SCHOOL_DAYS[-1 - STALE_SCHOOL_DAYS], False),  # exactly 5 school days missing: not yet
        (SCHOOL_DAYS[-2 - STALE_SCHOOL_DAYS], True),  # 6 school days missing: flagged
    ],
)
def test_a_school_whose_attendance_stops_more_than_five_school_days_early_is_flagged(
    south_stops_after, flagged
):
    con = tables(SCHOOL_DAYS[-1], south_stops_after)
    found = stale_schools(con, SCHOOL_DAYS[-1])
    if not flagged:
        assert found == []
        return
    [school] = found
    assert (school.school_id, school.school_name) == ("S", "South")
    assert school.last_recorded == south_stops_after
    assert school.school_days_missing == STALE_SCHOOL_DAYS + 1


def test_a_school_with_no_attendance_at_all_is_flagged_with_every_day_missing():
    con = tables(SCHOOL_DAYS[-1], None)
    [school] = stale_schools(con, SCHOOL_DAYS[-1])
    assert school.school_id == "S" and school.last_recorded is None
    assert school.school_days_missing == len(SCHOOL_DAYS)
