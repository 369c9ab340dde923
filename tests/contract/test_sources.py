"""contract/sources: which file gives each table, and the header checks every format shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeroom.contract import ContractError

from .helpers import rows, run, write


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
