"""Each monitor on a hand-made dataset whose finding is known exactly, and on a clean one."""

from __future__ import annotations

import datetime as dt

import pytest

from datasets import records
from homeroom.quality import MONITOR_KEYS
from quality.district import DAYS, WEEKDAYS, YEAR, calendar, district, line_of, monitors


def test_a_clean_district_passes_every_monitor(tmp_path):
    found = monitors(tmp_path, district())
    assert list(found) == list(MONITOR_KEYS)
    for key, monitor in found.items():
        expected = "info" if key == "changed_absences" else "ok"
        assert monitor.status == expected, (key, monitor.summary)
        assert monitor.count == 0 and monitor.rows.empty
        assert monitor.title and monitor.summary
        assert monitor.explanation.count(".") >= 2, key  # two or three sentences
    assert "no previous load" in found["changed_absences"].summary


def test_days_with_no_attendance_are_found_against_the_schools_typical_day(tmp_path):
    # S1 takes no attendance on days 10 and 47; S2 (median day: no row) is never judged.
    found = monitors(tmp_path, district(lambda i: 0 if i in (10, 47) else 10))
    monitor = found["days_without_attendance"]
    assert monitor.status == "warning"
    assert monitor.count == 2
    assert records(monitor.rows) == [
        {"school_id": "S1", "school_year": YEAR, "date": DAYS[10], "enrolled": 20,
         "typical_daily_rows": 10.0},
        {"school_id": "S1", "school_year": YEAR, "date": DAYS[47], "enrolled": 20,
         "typical_daily_rows": 10.0},
    ]  # fmt: skip
    assert monitor.summary.startswith("2 instructional days at 1 school")
    assert found["absence_drops"].status == "ok"  # 40 of 50 in those weeks is no drop


def test_an_empty_day_at_a_school_with_few_rows_a_day_is_chance(tmp_path):
    # At 6 rows a day an empty day happens by chance about once a year: not reported.
    found = monitors(tmp_path, district(lambda i: 0 if i == 10 else 6))
    assert found["days_without_attendance"].status == "ok"


def test_days_after_the_extract_date_are_not_missing(tmp_path):
    # The extract runs through day 99: the calendar's later days are still to come.
    found = monitors(tmp_path, district(through=100))
    assert found["days_without_attendance"].status == "ok"
    assert found["absence_drops"].status == "ok"


def test_a_week_with_a_sudden_drop_is_found_but_not_one_explained_by_enrollment(tmp_path):
    # S1: week 12 (days 60-64) has 1 absence a day instead of 10.
    b = district(lambda i: 1 if 60 <= i <= 64 else 10)
    # S3: 15 of its 20 students leave after day 99; then 1 absence a day among the other 5.
    b.school("S3")
    calendar(b, "S3")
    for n in range(1, 21):
        b.stay(f"C{n:02d}", "S3", YEAR, DAYS[0], DAYS[99] if n > 5 else None)
    for i, day in enumerate(DAYS):
        if i < 100:
            for k in range(6):
                b.absent(f"C{(i * 6 + k) % 20 + 1:02d}", "S3", day, "excused")
        else:
            b.absent(f"C{i % 5 + 1:02d}", "S3", day, "excused")
    monitor = monitors(tmp_path, b)["absence_drops"]
    assert monitor.status == "warning"
    assert records(monitor.rows) == [
        {"school_id": "S1", "school_year": YEAR, "week": DAYS[60], "problem": "drop",
         "instructional_days": 5, "absences": 5, "expected_absences": 50.0, "enrolled": 20,
         "weeks": 1},
    ]  # fmt: skip
    assert monitor.summary == "1 week with a sudden drop at 1 school"


def test_a_school_that_stopped_entering_absences(tmp_path):
    # S1 records nothing in its last three weeks (days 145-159); S2 goes on to the last day.
    found = monitors(tmp_path, district(lambda i: 0 if i >= 145 else 10))
    drops = found["absence_drops"]
    assert records(drops.rows) == [
        {"school_id": "S1", "school_year": YEAR, "week": DAYS[145],
         "problem": "no absences since", "instructional_days": 15, "absences": 0,
         "expected_absences": 150.0, "enrolled": 20, "weeks": 3},
    ]  # fmt: skip
    assert drops.summary == "1 school with no absence in its latest weeks"
    missing = found["days_without_attendance"]
    assert missing.count == 15
    assert list(missing.rows["date"]) == DAYS[145:]


def test_calendar_gaps_day_counts_missing_calendars_and_stays_outside(tmp_path):
    b = district()
    b.school("S3", calendar_id="C3")
    calendar(b, "C3", off=set(range(60, 80)))  # 20 weekdays without school: 140 days left
    for n in range(1, 5):
        b.stay(f"C{n:02d}", "S3", YEAR, DAYS[0])
    b.stay("C05", "S3", YEAR, DAYS[0], dt.date(2025, 6, 30))  # after the calendar's last day
    b.school("S4")  # no calendar and no stays
    b.tables["enrollments"][0]["entry_date"] = "2024-08-26"  # A01 enters before the calendar
    monitor = monitors(tmp_path, b)["calendar_gaps"]
    assert monitor.status == "warning"
    assert records(monitor.rows) == [
        {"school_id": "S1", "calendar_id": "S1", "school_year": YEAR,
         "problem": "stays start before the calendar", "first_date": dt.date(2024, 8, 26),
         "last_date": dt.date(2024, 8, 26), "count": 1},
        {"school_id": "S3", "calendar_id": "C3", "school_year": YEAR,
         "problem": "few instructional days", "first_date": DAYS[0], "last_date": DAYS[-1],
         "count": 140},
        {"school_id": "S3", "calendar_id": "C3", "school_year": YEAR, "problem": "gap",
         "first_date": DAYS[60], "last_date": DAYS[79], "count": 20},
        {"school_id": "S3", "calendar_id": "C3", "school_year": YEAR,
         "problem": "stays end after the calendar", "first_date": dt.date(2025, 6, 30),
         "last_date": dt.date(2025, 6, 30), "count": 1},
        {"school_id": "S4", "calendar_id": "S4", "school_year": None, "problem": "no calendar",
         "first_date": None, "last_date": None, "count": 0},
    ]  # fmt: skip
    assert monitor.summary == (
        "1 school with no calendar; 1 school-year with under 150 school days; "
        "1 run of 15+ weekdays without school; 1 stay starting before its calendar; "
        "1 stay ending after its calendar"
    )


def test_two_weeks_off_is_an_ordinary_break(tmp_path):
    b = district()
    b.school("S3", calendar_id="C3")
    # 14 weekdays off (under the 15-weekday rule) in 174: 160 school days.
    calendar(b, "C3", off=set(range(70, 84)), count=WEEKDAYS + 14)
    b.stay("C01", "S3", YEAR, DAYS[0])
    assert monitors(tmp_path, b)["calendar_gaps"].status == "ok"


def test_overlapping_stays_are_shown_from_the_quarantine(tmp_path):
    b = district()
    b.stay("X1", "S1", YEAR, DAYS[0])
    b.stay("X1", "S1", YEAR, DAYS[50])  # overlaps the open stay at the same school
    monitor = monitors(tmp_path, b)["overlapping_stays"]
    assert monitor.status == "warning"
    assert records(monitor.rows) == [
        {"file": "enrollments.csv", "line": line_of(b, "enrollments", student_id="X1",
         entry_date=DAYS[50].isoformat()), "kept_school_id": "S1", "kept_from": "2024-09-02",
         "kept_to": "the end of the year",
         "kept_line": line_of(b, "enrollments", student_id="X1", school_id="S1")},
    ]  # fmt: skip
    assert monitor.summary.startswith("1 stay left out")


def test_unmapped_codes_are_grouped_with_their_first_line(tmp_path):
    b = district()
    b.code("A", "unexcused").code("E", "excused")
    b.absent("A01", "S1", DAYS[1], code="Q")
    b.absent("A02", "S1", DAYS[2], category="sick")
    b.absent("A03", "S1", DAYS[3], code="Q")
    b.absent("A04", "S1", DAYS[4], code="ZZ")
    b.absent("A05", "S1", DAYS[5], code="Q")
    b.absent("A06", "S1", DAYS[6], code="E")  # known: loads
    monitor = monitors(tmp_path, b)["unmapped_codes"]
    assert monitor.status == "warning"
    assert monitor.count == 5
    assert records(monitor.rows) == [
        {"table": "attendance", "column": "code", "value": "Q", "rows": 3,
         "first_file": "attendance.csv", "first_line": line_of(b, "attendance", code="Q")},
        {"table": "attendance", "column": "category", "value": "sick", "rows": 1,
         "first_file": "attendance.csv",
         "first_line": line_of(b, "attendance", category="sick")},
        {"table": "attendance", "column": "code", "value": "ZZ", "rows": 1,
         "first_file": "attendance.csv", "first_line": line_of(b, "attendance", code="ZZ")},
    ]  # fmt: skip
    assert monitor.summary == "3 unknown values on 5 rows: 'Q' (3), 'sick' (1), 'ZZ' (1)"


def test_attendance_without_enrollment_is_grouped_by_school(tmp_path):
    b = district()
    b.absent("A01", "S2", DAYS[3], "unexcused")  # A01 is enrolled at S1, not S2
    b.absent("A01", "S2", DAYS[4], "unexcused")
    b.absent("GHOST", "S1", DAYS[5], "unexcused")  # no stay anywhere
    monitor = monitors(tmp_path, b)["attendance_without_enrollment"]
    assert monitor.status == "warning"
    assert monitor.count == 3
    assert records(monitor.rows) == [
        {"school_id": "S2", "rows": 2, "dates": 2, "first_date": "2024-09-05",
         "last_date": "2024-09-06", "first_file": "attendance.csv",
         "first_line": line_of(b, "attendance", student_id="A01", school_id="S2")},
        {"school_id": "S1", "rows": 1, "dates": 1, "first_date": "2024-09-09",
         "last_date": "2024-09-09", "first_file": "attendance.csv",
         "first_line": line_of(b, "attendance", student_id="GHOST")},
    ]  # fmt: skip
    assert (
        monitor.summary == "3 attendance rows at 2 schools on dates the student had no stay there"
    )


@pytest.mark.parametrize("key", ["overlapping_stays", "unmapped_codes"])
def test_monitors_that_read_the_quarantine_say_when_there_is_none(tmp_path, key):
    import duckdb

    from datasets import write_dataset
    from homeroom.contract import validate_dataset
    from homeroom.definitions import load_definition
    from homeroom.quality import run_monitors

    write_dataset(tmp_path, district().data())
    con = duckdb.connect()
    validate_dataset(tmp_path, con, definition=load_definition("default"))
    found = {m.key: m for m in run_monitors(con)}
    assert found[key].status == "info"
    assert "no quarantine" in found[key].summary


def test_calendars_with_no_school_day_or_too_many(tmp_path):
    b = district()
    b.school("S3", calendar_id="C3")
    calendar(b, "C3", off=set(range(WEEKDAYS)))  # listed, but never a school day
    b.stay("C01", "S3", YEAR, DAYS[0])
    b.school("S4", calendar_id="C4")
    calendar(b, "C4", count=210)
    b.stay("D01", "S4", YEAR, DAYS[0])
    rows = records(monitors(tmp_path, b)["calendar_gaps"].rows)
    assert [(r["school_id"], r["problem"], r["count"]) for r in rows] == [
        ("S3", "no instructional days", 0),
        ("S4", "many instructional days", 210),
    ]
