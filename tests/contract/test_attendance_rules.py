"""Rules of attendance: categories and codes, amounts, lookups and duplicates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .helpers import balanced, reasons, rows, run, write

CODES = """
    code,category,absent_fraction
    E,excused,
    H,excused,0.5
    T,tardy,
"""
# units_per_day = lcm(10000, 360) = 90000: S1 (360 minutes) has minute rows, S2 has no length.
ATTENDANCE = """
    student_id,school_id,date,category,code,absent_fraction,minutes_absent
    001,S1,2024-09-03,,E,,
    001,S1,2024-09-04,unexcused,H,,
    001,S1,2024-09-05,,H,,
    001,S1,2024-09-06,,,,
    001,S1,2024-09-09,,Q,,
    001,S1,2024-09-09,sick,,,
    001,S1,2024-09-09,excused,,1.2,
    001,S1,2024-09-09,excused,,abc,
    001,S1,2024-09-09,excused,,,-5
    001,S1,2024-09-09,excused,,,400
    003,S2,2024-09-09,excused,,,30
    001,S9,2024-09-09,excused,,,
    001,S1,2024-09-02,excused,,,
    002,S1,2024-09-05,excused,,,
    001,S1,2024-09-09,tardy,,,90
    001,S1,2024-09-09,excused,,0.25,
    001,S1,2024-09-09,Excused,,.5,
    003,S2,2024-09-09,excused,,0.5,
    003,S2,2024-09-09,unexcused,,0.50,
    003,S2,2024-09-06,present,,,
    002,S2,2024-09-06,excused,,0.123456,
"""


def test_each_attendance_rule(tmp_path: Path) -> None:
    report, con = run(write(tmp_path, codes=CODES, attendance=ATTENDANCE))
    assert report.units_per_day == 90_000
    assert rows(
        con,
        "SELECT student_id, school_id, day(date), category, code, absent_units, school_year "
        "FROM attendance ORDER BY student_id, date",
    ) == [
        ("001", "S1", 3, "excused", "E", 90000, 2025),  # code E: excused, a whole day
        ("001", "S1", 4, "unexcused", "H", 90000, 2025),  # the category wins over the code
        ("001", "S1", 5, "excused", "H", 45000, 2025),  # code H: half a day
        ("001", "S1", 9, "excused", None, 45000, 2025),  # the larger of lines 16-18
        ("002", "S2", 6, "excused", None, 11115, 2025),  # 0.123456 -> 0.1235 x 90000
        ("003", "S2", 6, "present", None, 0, 2025),
        ("003", "S2", 9, "excused", None, 45000, 2025),  # tie with line 20: the earlier line
    ]
    kept = "for the same student, school and date; kept the larger absence"
    assert reasons(report, "attendance") == {
        5: "neither category nor code given",
        6: "code 'Q' is not in codes",
        7: "category 'sick' is not one of excused, unexcused, suspension, in_school_suspension, "
        "tardy, early_departure, present, remote_present",
        8: "absent_fraction is not a number from 0 to 1: '1.2'",
        9: "absent_fraction is not a number from 0 to 1: 'abc'",
        10: "minutes_absent is not a whole number of minutes, 0 or more: '-5'",
        11: "minutes_absent 400 is more than the school's day_minutes 360",
        12: "minutes_absent given but school S2 has no day_minutes",
        13: "school_id 'S9' is not in schools",
        14: "2024-09-02 is not an instructional day in calendar C1 for school_year 2025",
        15: "student not enrolled at school S1 on 2024-09-05",
        16: f"duplicate of line 18 {kept}",
        17: f"duplicate of line 18 {kept}",
        20: f"duplicate of line 19 {kept}",
    }
    assert report.duplicates_collapsed == 3
    assert report.rows_loaded["attendance"] == 7 and report.rows_rejected["attendance"] == 14
    assert balanced(report)
    assert any(
        "1 loaded rows gave absent_fraction with more than 4 decimals" in n for n in report.notes
    )
    counts = report.quarantine_counts()
    assert counts[counts["table"] == "attendance"].iloc[0].tolist() == [
        "attendance",
        "duplicate",
        3,
    ]


def test_minute_amounts_are_exact_in_a_common_unit(tmp_path: Path) -> None:
    schools = """
        school_id,school_name,district_id,district_name,calendar_id,day_minutes
        S1,North,D1,Lake,C1,360
        S2,South,D1,Lake,,390
    """
    attendance = """
        student_id,school_id,date,category,minutes_absent
        001,S1,2024-09-03,unexcused,120
        003,S2,2024-09-03,unexcused,130
        003,S2,2024-09-04,tardy,
        003,S2,2024-09-05,excused,390
    """
    report, con = run(write(tmp_path, schools=schools, attendance=attendance))
    # lcm(10000, 360, 390) = 1,170,000: 120 of 360 and 130 of 390 are both a third of a day.
    assert report.units_per_day == 1_170_000
    assert rows(con, "SELECT absent_units FROM attendance ORDER BY student_id, date") == [
        (390_000,),
        (390_000,),
        (0,),
        (1_170_000,),
    ]


def test_day_lengths_needing_too_many_units_round_minutes_and_say_so(tmp_path: Path) -> None:
    # 361 and 367 are primes: exact units would be lcm(10000, 361, 367) = 1,324,870,000 > 10^9.
    schools = """
        school_id,school_name,district_id,district_name,calendar_id,day_minutes
        S1,North,D1,Lake,C1,361
        S2,South,D1,Lake,,367
    """
    attendance = """
        student_id,school_id,date,category,minutes_absent
        001,S1,2024-09-03,unexcused,120
        003,S2,2024-09-03,unexcused,367
    """
    report, con = run(write(tmp_path, schools=schools, attendance=attendance))
    assert report.units_per_day == 90_090_000
    # 120/361 of 90,090,000 = 29,946,814.40... rounds to 29,946,814; a whole day stays whole.
    assert rows(con, "SELECT absent_units FROM attendance ORDER BY student_id") == [
        (29_946_814,),
        (90_090_000,),
    ]
    assert any("rounded to the nearest 1/90,090,000" in note for note in report.notes)


def test_codes_without_a_codes_table(tmp_path: Path) -> None:
    attendance = """
        student_id,school_id,date,category,code
        001,S1,2024-09-03,,E
        001,S1,2024-09-04,suspension,S
    """
    report, con = run(write(tmp_path, attendance=attendance))
    assert reasons(report, "attendance") == {2: "code 'E' cannot be read: no codes table given"}
    assert rows(con, "SELECT date, category, code, absent_units FROM attendance") == [
        (dt.date(2024, 9, 4), "suspension", "S", 10000)
    ]


def test_missing_required_values(tmp_path: Path) -> None:
    attendance = """
        student_id,school_id,date,category
        ,S1,2024-09-03,excused
        001,,2024-09-03,excused
        001,S1,,excused
        001,S1,03/09/2024,excused
    """
    report, _ = run(write(tmp_path, attendance=attendance))
    assert reasons(report, "attendance") == {
        2: "student_id is empty",
        3: "school_id is empty",
        4: "date is empty",
        5: "date is not a date (YYYY-MM-DD): '03/09/2024'",
    }
    assert report.quarantine["column"].tolist() == ["student_id", "school_id", "date", "date"]


def test_the_example_in_the_user_doc(tmp_path: Path) -> None:
    calendar = """
        calendar_id,school_year,date,instructional
        S1,2025,2024-09-02,true
        S1,2025,2024-09-03,true
        S1,2025,2024-09-04,true
        S1,2025,2024-09-05,true
        S1,2025,2024-09-06,true
        S1,2025,2024-09-09,true
        S2,2025,2024-09-02,true
    """
    schools = """
        school_id,school_name,district_id,district_name
        S1,North,D1,Lake
        S2,South,D1,Lake
    """
    enrollments = """
        student_id,school_id,school_year,grade_level,entry_date,exit_date
        001,S1,2025,KG,2024-09-02,
        002,S2,2025,KG,2024-09-02,
        003,S2,2025,KG,2024-09-02,
    """
    attendance = """
        student_id,school_id,date,category,code,absent_fraction
        001,S1,2024-09-03,,E,
        001,S1,2024-09-04,sick,,
        001,S1,2024-09-07,excused,,
        001,S1,2024-09-05,excused,,0.5
        001,S1,2024-09-05,unexcused,,
    """
    folder = write(
        tmp_path,
        schools=schools,
        calendar=calendar,
        enrollments=enrollments,
        attendance=attendance,
        codes="code,category\nE,excused\n",
    )
    report, con = run(folder)
    got = reasons(report, "attendance")
    assert sorted(got) == [3, 4, 5]
    assert got[4] == "2024-09-07 is not an instructional day in calendar S1 for school_year 2025"
    assert got[5] == (
        "duplicate of line 6 for the same student, school and date; kept the larger absence"
    )
    assert rows(con, "SELECT day(date), category, absent_units FROM attendance ORDER BY 1") == [
        (3, "excused", 10000),
        (5, "unexcused", 10000),
    ]
