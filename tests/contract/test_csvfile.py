"""contract/csvfile: CSV files read with the line each record starts on."""

from __future__ import annotations

from pathlib import Path

from .helpers import reasons, rows, run, write


def test_csv_line_numbers_follow_quoted_line_breaks_blank_and_malformed_lines(
    tmp_path: Path,
) -> None:
    # line 1 header; 2-3 one record with a quoted line break; 4 too few fields; 5 blank;
    # 6 a good row; 7 too many fields; 8 an escaped quote; 9 a quoted field with text after
    # its closing quote; 10 a stray quote in an unquoted field (a plain character to DuckDB,
    # but it fools a quote-parity scan: the lines after it must still be right).
    students = (
        "student_id,first_name,last_name\n"
        '001,"Ada\nMarie",One\n'
        "002,Ben\n"
        "\n"
        "003,Cy,Three\n"
        "004,Di,Four,extra\n"
        '005,"Ed""die",Five\n'
        '006,"E"d,Six\n'
        '007,5 ft 2",Seven\n'
        "008,Hal,Eight\n"
    )
    enrollments = """
        student_id,school_id,school_year,grade_level,entry_date,exit_date
        001,S1,2025,KG,2024-09-02,
        003,S2,2025,02,2024-09-02,
        005,S2,2025,02,2024-09-02,
    """
    attendance = """
        student_id,school_id,date,category
        001,S1,2024-09-03,unexcused
    """
    folder = write(tmp_path, enrollments=enrollments, attendance=attendance)
    (folder / "students.csv").write_text(students)
    report, con = run(folder)
    assert reasons(report, "students") == {
        4: "line has fewer fields than the header",
        7: "line has more fields than the header",
        9: "line has a quote in the wrong place (a quoted field must be all quoted)",
        10: "the student has no valid enrollment (no stay passed the checks)",
        11: "the student has no valid enrollment (no stay passed the checks)",
    }
    assert rows(con, "SELECT student_id, first_name FROM students ORDER BY 1") == [
        ("001", "Ada\nMarie"),
        ("003", "Cy"),
        ("005", 'Ed"die'),
    ]
    assert report.rows_read["students"] == 8
    # The line numbers of accepted rows count the two-line record and the blank line.
    bad = write(
        tmp_path / "b",
        enrollments=enrollments + "        003,S2,2025,02,2024-13-40,\n",
        attendance=attendance,
    )
    (bad / "students.csv").write_text(students)
    report, _ = run(bad)
    assert reasons(report, "enrollments") == {
        5: "entry_date is not a date (YYYY-MM-DD): '2024-13-40'"
    }


def test_accepted_row_line_numbers_after_a_multi_line_record(tmp_path: Path) -> None:
    schools = (
        "school_id,school_name,district_id,district_name,calendar_id,day_minutes\n"
        'S1,"North\nElementary\n(annex)",D1,Lake,C1,360\n'
        "S2,South,D1,Lake,,\n"
        "S9,,D1,Lake,,\n"
    )
    folder = write(tmp_path)
    (folder / "schools.csv").write_text(schools)
    report, _ = run(folder)
    assert reasons(report, "schools") == {6: "school_name is empty"}


def test_windows_line_endings_and_semicolons(tmp_path: Path) -> None:
    folder = write(tmp_path)
    attendance = "student_id;school_id;date;category\r\n001;S1;2024-09-03;excused\r\n\r\n"
    attendance += "001;S1;2024-09-31;excused\r\n"
    (folder / "attendance.csv").write_bytes(attendance.encode())
    report, con = run(folder)
    assert rows(con, "SELECT category FROM attendance") == [("excused",)]
    assert reasons(report, "attendance") == {4: "date is not a date (YYYY-MM-DD): '2024-09-31'"}


def test_a_semicolon_file_with_commas_in_quoted_cells_is_read(tmp_path: Path) -> None:
    """One delimiter rule for every reader (issue 12.12): a comma inside a quoted cell, even
    in the header, does not make a semicolon file comma-separated."""
    folder = write(tmp_path)
    (folder / "students.csv").write_text(
        'student_id;first_name;last_name;"notes, if any"\n'
        '001;Ada;"Smith, John";x\n'
        '002;Ben;"Two, Jr.";\n'
        "003;Cy;Three;\n"
    )
    report, con = run(folder)
    assert reasons(report, "students") == {}
    assert rows(con, "SELECT student_id, last_name FROM students ORDER BY 1") == [
        ("001", "Smith, John"),
        ("002", "Two, Jr."),
        ("003", "Three"),
    ]
