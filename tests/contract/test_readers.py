"""Reading a dataset folder through read_table: columns, types, progress, loading twice."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from homeroom.contract import VALIDATED, ContractError
from homeroom.contract.schema import QUARANTINE_COLUMNS

from .helpers import BASE, rows, run, write


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


def test_identifiers_keep_leading_zeros_and_lose_whitespace(tmp_path: Path) -> None:
    attendance = """
        student_id,school_id,date,category
        " 001 ",S1 ,2024-09-03,unexcused
    """
    report, con = run(write(tmp_path, attendance=attendance))
    assert rows(con, "SELECT student_id, school_id FROM attendance") == [("001", "S1")]


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
