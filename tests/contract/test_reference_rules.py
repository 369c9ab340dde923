"""Rules of schools, students, codes and calendar, each against a hand-computed answer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .helpers import balanced, reasons, rows, run, write

SCHOOL_HEADER = "school_id,school_name,district_id,district_name,state,calendar_id,day_minutes"


def test_schools_duplicates_defaults_and_bad_day_minutes(tmp_path: Path) -> None:
    schools = f"""
        {SCHOOL_HEADER}
        S1,North,D1,Lake,MN,C1,360
        S2,South,D1,Lake,,,
        S1,North again,D1,Lake,MN,C1,360
        S3,East,D1,Lake,MN,,-5
        ,Nameless,D1,Lake,MN,,
    """
    report, con = run(write(tmp_path, schools=schools))
    assert rows(con, "SELECT school_id, state, calendar_id, day_minutes FROM schools") == [
        ("S1", "MN", "C1", 360),
        ("S2", "", "S2", None),
        ("S3", "MN", "S3", None),
    ]
    assert reasons(report, "schools") == {
        4: "duplicate of line 2 for the same school_id; kept the first",
        5: "day_minutes is not a positive whole number: '-5'; kept the school with it empty",
        6: "school_id is empty",
    }
    assert report.rows_loaded["schools"] == 3 and report.rows_rejected["schools"] == 2
    assert balanced(report)


def test_students_soft_fields_are_kept_empty_and_reported(tmp_path: Path) -> None:
    students = """
        student_id,sex,race_ethnicity,english_learner,homeless,birth_date,home_language
        001,f,Asian,Y,no,2018-02-28,ES
        002,Q,Martian,maybe,T,2018-02-30,Spanish
        003,X,black,0,1,,
    """
    report, con = run(write(tmp_path, students=students))
    assert rows(
        con,
        "SELECT student_id, sex, race_ethnicity, english_learner, homeless, birth_date, "
        "home_language FROM students",
    ) == [
        ("001", "F", "asian", True, False, dt.date(2018, 2, 28), "es"),
        ("002", None, None, None, True, None, None),
        ("003", "X", "black", False, True, None, None),
    ]
    quarantine = report.quarantine
    assert quarantine["line"].tolist() == [3] * 5
    assert quarantine["column"].tolist() == [
        "birth_date",
        "sex",
        "race_ethnicity",
        "english_learner",
        "home_language",
    ]
    assert quarantine["reason"].tolist()[2] == (
        "race_ethnicity is not one of the race/ethnicity codes (american_indian_alaska_native, "
        "asian, black, hispanic_latino, native_hawaiian_pacific_islander, white, two_or_more); "
        "kept the student with it empty"
    )
    # Kept rows are loaded: nothing is rejected, the counts still balance.
    assert report.rows_loaded["students"] == 3 and report.rows_rejected["students"] == 0
    assert balanced(report)


def test_home_language_must_be_a_real_iso_639_1_code(tmp_path: Path) -> None:
    students = """
        student_id,first_name,home_language
        001,Ada,xx
        002,Ben,Zz
        003,Cy,NV
    """
    report, con = run(write(tmp_path, students=students))
    assert rows(con, "SELECT student_id, home_language FROM students ORDER BY 1") == [
        ("001", None),
        ("002", None),
        ("003", "nv"),
    ]
    quarantine = report.quarantine
    assert quarantine["line"].tolist() == [2, 3]
    assert quarantine["column"].tolist() == ["home_language", "home_language"]
    for reason in quarantine["reason"]:
        assert reason.startswith("home_language is not an ISO 639-1 language code")
        # Neither the value nor any other personal value is quoted.
        assert "xx" not in reason.lower() and "Ada" not in reason and "Ben" not in reason
    assert report.rows_loaded["students"] == 3 and balanced(report)


def test_students_duplicates_and_no_enrollment(tmp_path: Path) -> None:
    students = """
        student_id,first_name
        001,Ada
        002,Ben
        001,Ada again
        003,Cy
        004,Dee
        ,Nobody
    """
    report, con = run(write(tmp_path, students=students))
    assert rows(con, "SELECT student_id, first_name FROM students") == [
        ("001", "Ada"),
        ("002", "Ben"),
        ("003", "Cy"),
    ]
    assert reasons(report, "students") == {
        4: "duplicate of line 2 for the same student_id; kept the first",
        6: "the student has no valid enrollment (no stay passed the checks)",
        7: "student_id is empty",
    }


def test_students_by_school_year(tmp_path: Path) -> None:
    students = """
        student_id,school_year,english_learner
        001,2025,Y
        001,2024,N
        002,2025,N
        003,2025,N
        001,2025,N
        002,25,N
    """
    report, con = run(write(tmp_path, students=students))
    assert rows(con, "SELECT student_id, school_year, english_learner FROM students") == [
        ("001", 2025, True),
        ("002", 2025, False),
        ("003", 2025, False),
    ]
    assert reasons(report, "students") == {
        3: "the student has no valid enrollment in school_year 2024",
        6: "duplicate of line 2 for the same student_id and school_year; kept the first",
        7: "school_year is not a school year (e.g. 2025 for 2024-25): '25'",
    }
    assert "students has a school_year column: one row per student and school year" in (
        report.notes
    )


def test_codes_duplicates_and_unknown_category(tmp_path: Path) -> None:
    codes = """
        code,category,absent_fraction
        A,unexcused,
        H,excused,0.5
        A,excused,
        Z,vacation,
        Q,excused,1.5
    """
    attendance = """
        student_id,school_id,date,code
        001,S1,2024-09-03,A
        002,S2,2024-09-05,H
        003,S2,2024-09-06,Z
    """
    report, con = run(write(tmp_path, codes=codes, attendance=attendance))
    assert reasons(report, "codes") == {
        4: "duplicate of line 2 for the same code; kept the first",
        5: "category 'vacation' is not one of excused, unexcused, suspension, "
        "in_school_suspension, tardy, early_departure, present, remote_present",
        6: "absent_fraction is not a number from 0 to 1: '1.5'",
    }
    assert report.rows_loaded["codes"] == 2
    assert rows(con, "SELECT code, category, absent_units FROM attendance ORDER BY 1") == [
        ("A", "unexcused", 10000),
        ("H", "excused", 5000),
    ]
    assert reasons(report, "attendance") == {4: "code 'Z' is not in codes"}
    assert balanced(report)


def test_calendar_duplicates_dense_fill_and_bad_rows(tmp_path: Path) -> None:
    calendar = """
        calendar_id,school_year,date,instructional
        C1,2025,2024-09-03,true
        C1,2025,2024-09-06,yes
        C1,2025,2024-09-03,false
        C1,2025,2024-09-06,1
        S2,2025,2024-09-02,Y
        S2,2025,2024-09-04,maybe
        S2,2025,2052-09-05,true
        S2,2025,2024-09-05,T
        S2,2025,2024-09-06,t
    """
    attendance = """
        student_id,school_id,date,category
        001,S1,2024-09-04,excused
        003,S2,2024-09-05,excused
    """
    report, con = run(write(tmp_path, calendar=calendar, attendance=attendance))
    assert reasons(report, "calendar") == {
        4: "duplicate of line 2 for the same calendar_id, school_year and date; kept the first "
        "(the two lines disagree on instructional: kept true)",
        5: "duplicate of line 3 for the same calendar_id, school_year and date; kept the first",
        7: "instructional 'maybe' is not a yes/no value (true/false, 1/0, Y/N, yes/no, t/f)",
        8: "date 2052-09-05 is outside school year 2025 (2024-25)",
    }
    # Dense: C1 runs 3..6 Sept, S2 2..6 Sept; dates not listed are not instructional.
    assert rows(con, "SELECT calendar_id, day(date), instructional FROM calendar") == [
        ("C1", 3, True),
        ("C1", 4, False),
        ("C1", 5, False),
        ("C1", 6, True),
        ("S2", 2, True),
        ("S2", 3, False),
        ("S2", 4, False),
        ("S2", 5, True),
        ("S2", 6, True),
    ]
    assert report.rows_loaded["calendar"] == 5  # listed dates kept; the fill is not a read row
    assert balanced(report)
    # The omitted 4 Sept is not instructional, so an absence on it is rejected.
    assert reasons(report, "attendance") == {
        2: "2024-09-04 is not an instructional day in calendar C1 for school_year 2025"
    }
    assert any("4 dates missing" in note for note in report.notes)
