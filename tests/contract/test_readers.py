"""Reading a dataset folder: which files, which columns, which line numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import openpyxl
import pytest

from homeroom.contract import VALIDATED, ContractError
from homeroom.contract.schema import QUARANTINE_COLUMNS

from .helpers import BASE, reasons, rows, run, text, write


def test_happy_path_tables_have_the_validated_columns_and_types(tmp_path: Path) -> None:
    report, con = run(write(tmp_path))
    for table, columns in VALIDATED.items():
        described = con.execute(f"DESCRIBE main.{table}").fetchall()
        assert [(d[0], d[1]) for d in described] == list(columns.items())
    assert (
        report.rows_read
        == report.rows_loaded
        == {
            "schools": 2,
            "students": 3,
            "enrollments": 4,
            "calendar": 12,
            "attendance": 3,
        }
    )
    assert report.quarantined == 0
    assert list(report.quarantine.columns) == list(QUARANTINE_COLUMNS)
    assert [str(t) for t in report.quarantine.dtypes] == ["str", "str", "Int64", "str", "str"]
    assert report.units_per_day == 10_000
    assert report.school_years == [2025]
    assert "codes table not given; attendance rows must carry a category" in report.notes
    assert {f.table for f in report.files} == set(BASE)
    assert all(len(f.sha256) == 64 for f in report.files)
    # Nothing of the run's scratch work is left behind.
    assert rows(con, "SELECT count(*) FROM duckdb_tables() WHERE temporary") == [(0,)]
    assert rows(con, "SELECT count(*) FROM duckdb_views() WHERE NOT internal") == [(0,)]


def test_missing_required_table_names_it_and_lists_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ContractError) as caught:
        run(write(tmp_path, calendar=None))
    message = str(caught.value)
    assert "required table calendar not found" in message
    assert "attendance.csv, enrollments.csv, schools.csv, students.csv" in message
    assert caught.value.exit_code == 2


def test_two_files_for_one_table(tmp_path: Path) -> None:
    write(tmp_path)
    (tmp_path / "schools.parquet").write_bytes(b"")
    with pytest.raises(ContractError, match="table schools: more than one file gives it"):
        run(tmp_path)


def test_missing_required_column_names_table_file_and_column(tmp_path: Path) -> None:
    with pytest.raises(ContractError) as caught:
        header = "student_id,school_id,school_year,grade_level\n1,S1,2025,KG"
        run(write(tmp_path, enrollments=header))
    assert str(caught.value) == (
        "table enrollments, file enrollments.csv: required column entry_date is missing; "
        "found columns: student_id, school_id, school_year, grade_level"
    )


def test_attendance_needs_category_or_code_column(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="needs a column category or code"):
        run(write(tmp_path, attendance="student_id,school_id,date\n001,S1,2024-09-03"))


def test_headers_are_trimmed_and_lowercased_extra_columns_ignored(tmp_path: Path) -> None:
    schools = """
        " School_ID ",School_Name,DISTRICT_ID,district_name,Principal,day_minutes
        S1,North,D1,Lake,Ms Smith,360
        S2,South,D1,Lake,Mr Jones,
    """
    report, con = run(write(tmp_path, schools=schools))
    assert rows(con, "SELECT school_id, state, calendar_id FROM schools") == [
        ("S1", "", "S1"),
        ("S2", "", "S2"),
    ]
    assert report.quarantined > 0  # calendar C1 no longer named: S1 stays have no calendar


def test_identifiers_keep_leading_zeros_and_lose_whitespace(tmp_path: Path) -> None:
    attendance = """
        student_id,school_id,date,category
        " 001 ",S1 ,2024-09-03,unexcused
    """
    report, con = run(write(tmp_path, attendance=attendance))
    assert rows(con, "SELECT student_id, school_id FROM attendance") == [("001", "S1")]


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


def test_parquet_keeps_types_and_numbers_rows_from_one(tmp_path: Path) -> None:
    folder = write(tmp_path, attendance=None)
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT * FROM (VALUES "
        "('001', 'S1', DATE '2024-09-03', 'excused', 0.25::DOUBLE), "
        "('002', 'S2', DATE '2024-09-05', 'unexcused', 2.0::DOUBLE), "
        "('003', 'S2', DATE '2024-09-06', 'excused', NULL)) "
        "AS t(Student_ID, school_id, date, category, absent_fraction)) "
        f"TO '{folder / 'attendance.parquet'}' (FORMAT parquet)"
    )
    report, con = run(folder)
    assert rows(con, "SELECT student_id, absent_units FROM attendance ORDER BY 1") == [
        ("001", 2500),
        ("003", 10000),
    ]
    assert reasons(report, "attendance") == {
        2: "absent_fraction is not a number from 0 to 1: '2.0'"
    }
    assert report.quarantine["file"].tolist() == ["attendance.parquet"]


def _sheet(book: openpyxl.Workbook, title: str, content: str) -> None:
    sheet = book.create_sheet(title)
    for line in text(content).splitlines():
        sheet.append([None if v == "" else v for v in line.split(",")])


def test_one_workbook_with_a_sheet_per_table(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, content in BASE.items():
        if name != "attendance":
            _sheet(book, name.capitalize(), content)
    sheet = book.create_sheet("attendance")
    sheet.append(["student_id", "school_id", "date", "category", "absent_fraction"])
    sheet.append(["001", "S1", dt.datetime(2024, 9, 3), "excused", 0.5])
    sheet.append([None, None, None, None, None])  # an empty row is not a record
    sheet.append(["002", "S2", dt.date(2024, 9, 5), "unexcused", 1])
    sheet.append(["003", "S2", "2024-09-06", "late", None])
    tmp_path.mkdir(exist_ok=True)
    book.save(tmp_path / "district.xlsx")
    report, con = run(tmp_path)
    assert rows(con, "SELECT student_id, date, absent_units FROM attendance ORDER BY 1") == [
        ("001", dt.date(2024, 9, 3), 5000),
        ("002", dt.date(2024, 9, 5), 10000),
    ]
    assert reasons(report, "attendance") == {
        5: "category 'late' is not one of excused, unexcused, suspension, in_school_suspension, "
        "tardy, early_departure, present, remote_present"
    }
    assert {f.path.name for f in report.files} == {"district.xlsx"}


def test_single_table_xlsx_file(tmp_path: Path) -> None:
    folder = write(tmp_path, students=None)
    book = openpyxl.Workbook()
    _sheet(book, "Sheet2", BASE["students"])
    book.remove(book.active)
    book.save(folder / "students.xlsx")
    report, con = run(folder)
    assert rows(con, "SELECT count(*) FROM students") == [(3,)]
    assert report.quarantined == 0


def test_progress_messages_name_files_not_students(tmp_path: Path) -> None:
    said: list[str] = []
    from homeroom.contract import validate_dataset
    from homeroom.definitions import load_definition

    validate_dataset(
        write(tmp_path), duckdb.connect(), definition=load_definition(), progress=said.append
    )
    assert "reading attendance.csv (3 rows)" in said
    assert "checking stays overlap" in said
    assert not [m for m in said if "001" in m or "Ada" in m]


def test_other_schema_and_loading_twice_changes_nothing(tmp_path: Path) -> None:
    folder = write(tmp_path)
    con = duckdb.connect()
    from homeroom.contract import validate_dataset
    from homeroom.definitions import load_definition

    definition = load_definition()
    validate_dataset(folder, con, definition=definition, schema="load1")
    first = {t: rows(con, f"SELECT * FROM load1.{t} ORDER BY ALL") for t in VALIDATED}
    con.execute("BEGIN")
    validate_dataset(folder, con, definition=definition, schema="load1")
    con.execute("COMMIT")
    assert {t: rows(con, f"SELECT * FROM load1.{t} ORDER BY ALL") for t in VALIDATED} == first
    in_main = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main'"
    assert rows(con, in_main) == [(0,)]


def test_a_failed_load_inside_a_transaction_rolls_back(tmp_path: Path) -> None:
    con = duckdb.connect()
    from homeroom.contract import validate_dataset
    from homeroom.definitions import load_definition

    con.execute("BEGIN")
    with pytest.raises(ContractError):
        validate_dataset(
            write(tmp_path, attendance="student_id,school_id,date\n"),
            con,
            definition=load_definition(),
        )
    con.execute("ROLLBACK")
    assert rows(con, "SELECT count(*) FROM duckdb_tables()") == [(0,)]
