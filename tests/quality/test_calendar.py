"""quality/calendar: calendar gaps, day counts, missing calendars and stays outside them."""

from __future__ import annotations

import datetime as dt

from datasets import records
from quality.district import DAYS, WEEKDAYS, YEAR, calendar, district, monitors


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
