"""quality/recording: days with no attendance taken, and sudden drops in absences."""

from __future__ import annotations

from datasets import records
from quality.district import DAYS, YEAR, calendar, district, monitors


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
