"""Rules of enrollments (stays): references, dates, duplicates and overlaps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from homeroom.definitions import Definition, load_definition

from .helpers import balanced, reasons, rows, run, write

HEADER = "student_id,school_id,school_year,grade_level,entry_date,exit_date"
HINT = (
    ". If your SIS writes exit_date as the first day no longer enrolled, use a definition "
    'with exit_date = "exclusive"'
)


def exclusive(tmp_path: Path) -> Definition:
    path = tmp_path / "exclusive.toml"
    path.write_text('extends = "default"\n[enrollment]\nexit_date = "exclusive"\n')
    return load_definition(path)


def test_each_enrollment_rule(tmp_path: Path) -> None:
    enrollments = f"""
        {HEADER}
        001,S1,2025,KG,2024-09-02,
        002,S1,2025,01,2024-09-02,2024-09-04
        002,S1,2025,01,2024-09-04,
        003,S9,2025,02,2024-09-02,
        009,S2,2025,02,2024-09-02,
        003,S2,2025,02,2024-09-06,2024-09-03
        003,S2,2024,02,2023-09-02,
        003,S2,2025,2,2024-09-02,
        003,S2,2025,02,2024-09-02,
        003,S2,2025,13,2024-09-02,
        003,S2,2025,02,2024-09-02,2024-09-0x
        003,S2,,02,2024-09-02,
    """
    report, con = run(write(tmp_path / "d", enrollments=enrollments))
    assert reasons(report, "enrollments") == {
        4: "overlaps the stay at school S1 from 2024-09-02 to 2024-09-04 (line 3); "
        "kept the earlier-entering stay" + HINT,
        5: "school_id 'S9' is not in schools",
        6: "student_id is not in students",
        7: "exit_date 2024-09-03 is before entry_date 2024-09-06",
        8: "no calendar for calendar_id 'S2' and school_year 2024 (the calendar of school S2)",
        10: "duplicate of line 9 (the same stay); kept the first",
        11: "grade_level '13' is not one of PK, TK, KG, 01, 02, 03, 04, 05, 06, 07, 08, 09, "
        "10, 11, 12",
        12: "exit_date is not a date (YYYY-MM-DD): '2024-09-0x'",
        13: "school_year is empty",
    }
    assert rows(con, "SELECT student_id, school_id, grade_level, last_day FROM enrollments") == [
        ("001", "S1", "KG", None),
        ("002", "S1", "01", dt.date(2024, 9, 4)),
        ("003", "S2", "02", None),  # '2' read as grade 02
    ]
    # Student 002 has no stay at S2, so its absence there has no stay to fall in.
    assert reasons(report, "attendance") == {3: "student not enrolled at school S2 on 2024-09-05"}
    assert report.rows_rejected["enrollments"] == 9
    assert balanced(report)


def test_exclusive_exit_dates(tmp_path: Path) -> None:
    enrollments = f"""
        {HEADER}
        001,S1,2025,KG,2024-09-02,
        002,S1,2025,01,2024-09-02,2024-09-05
        002,S2,2025,01,2024-09-05,
        003,S2,2025,02,2024-09-02,2024-09-02
        003,S2,2025,02,2024-09-03,
    """
    report, con = run(write(tmp_path / "d", enrollments=enrollments), exclusive(tmp_path))
    assert rows(con, "SELECT student_id, school_id, exit_date, last_day FROM enrollments") == [
        ("001", "S1", None, None),
        ("002", "S1", dt.date(2024, 9, 5), dt.date(2024, 9, 4)),
        ("002", "S2", None, None),
        ("003", "S2", None, None),
    ]
    assert reasons(report, "enrollments") == {
        5: "exit_date equals entry_date (2024-09-02): the definition default reads exit_date as "
        "the first day no longer enrolled, so this stay has no days"
    }
    assert "exit_date read as the first day no longer enrolled (definition default)" in (
        report.notes
    )


def test_overlaps_at_one_school_keep_the_earlier_stay_and_resolve_chains_greedily(
    tmp_path: Path,
) -> None:
    # At S1: A (2-3) and B (3-5) overlap: B goes. C (from 4) overlapped only B: it stays.
    # 003 at S2: D (2-9) enters the same day as E (2-4) but on a later line: it goes.
    enrollments = f"""
        {HEADER}
        001,S1,2025,KG,2024-09-02,2024-09-03
        001,S1,2025,KG,2024-09-03,2024-09-05
        001,S1,2025,KG,2024-09-04,
        002,S1,2025,01,2024-09-02,
        003,S2,2025,02,2024-09-02,2024-09-04
        003,S2,2025,02,2024-09-02,2024-09-09
    """
    attendance = """
        student_id,school_id,date,category
        001,S1,2024-09-05,excused
    """
    report, con = run(write(tmp_path, enrollments=enrollments, attendance=attendance))
    assert reasons(report, "enrollments") == {
        3: "overlaps the stay at school S1 from 2024-09-02 to 2024-09-03 (line 2); "
        "kept the earlier-entering stay" + HINT,
        7: "overlaps the stay at school S2 from 2024-09-02 to 2024-09-04 (line 6); "
        "kept the earlier-entering stay" + HINT,
    }
    assert rows(
        con, "SELECT student_id, school_id, day(entry_date) FROM enrollments ORDER BY ALL"
    ) == [("001", "S1", 2), ("001", "S1", 4), ("002", "S1", 2), ("003", "S2", 2)]
    assert rows(con, "SELECT school_year, absent_units FROM attendance") == [(2025, 10000)]


def test_overlapping_stays_at_different_schools_are_valid(tmp_path: Path) -> None:
    # 001: home school S1 all year and a part-day program at S2 on 3-5 (a home school and a
    # program). 002: S1 to the 4th and S2 from the 4th (one shared day). Nothing is refused;
    # an absence at each school on a shared date is kept, each in its own stay.
    enrollments = f"""
        {HEADER}
        001,S1,2025,KG,2024-09-02,
        001,S2,2025,KG,2024-09-03,2024-09-05
        002,S1,2025,01,2024-09-02,2024-09-04
        002,S2,2025,01,2024-09-04,
        003,S2,2025,02,2024-09-02,
    """
    attendance = """
        student_id,school_id,date,category,absent_fraction
        001,S1,2024-09-04,excused,0.5
        001,S2,2024-09-04,unexcused,
        002,S1,2024-09-04,excused,
        002,S2,2024-09-04,excused,
    """
    report, con = run(write(tmp_path, enrollments=enrollments, attendance=attendance))
    assert report.quarantined == 0
    assert report.rows_loaded["enrollments"] == 5
    assert rows(con, "SELECT student_id, school_id, absent_units FROM attendance ORDER BY ALL") == [
        ("001", "S1", 5000),
        ("001", "S2", 10000),
        ("002", "S1", 10000),
        ("002", "S2", 10000),
    ]


def test_an_open_stay_ends_with_its_school_year(tmp_path: Path) -> None:
    # A 2025 stay without exit_date and a 2026 stay at the same school do not overlap.
    calendar = """
        calendar_id,school_year,date,instructional
        C1,2025,2024-09-03,true
        C1,2026,2025-09-02,true
        S2,2025,2024-09-05,true
    """
    enrollments = f"""
        {HEADER}
        001,S1,2025,KG,2024-09-02,
        001,S1,2026,01,2025-09-01,
        002,S2,2025,01,2024-09-02,
        003,S2,2025,02,2024-09-02,
    """
    attendance = """
        student_id,school_id,date,category
        001,S1,2025-09-02,unexcused
    """
    folder = write(tmp_path, calendar=calendar, enrollments=enrollments, attendance=attendance)
    report, con = run(folder)
    assert report.quarantined == 0
    assert report.school_years == [2025, 2026]
    assert rows(con, "SELECT school_year FROM attendance") == [(2026,)]
