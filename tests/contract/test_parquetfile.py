"""contract/parquetfile: Parquet files keep their types and number rows from one."""

from __future__ import annotations

from pathlib import Path

import duckdb

from .helpers import reasons, rows, run, write


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
