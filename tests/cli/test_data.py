"""Setting up and bringing data in through the command: definitions, check, load, history."""

from __future__ import annotations

import json
import shutil

import duckdb
import pandas as pd

from cli_helpers import run


def test_definitions_lists_the_shipped_profiles(capsys):
    outcome = run(capsys, "definitions")
    assert outcome.exit_code == 0
    for name in ("default", "edfacts", "crdc", "california"):
        assert name in outcome.stdout
    detail = run(capsys, "definitions", "crdc")
    assert "15 or more days absent" in detail.stdout


def test_check_of_clean_synthetic_data_exits_0_with_an_empty_quarantine(capsys, district, tmp_path):
    quarantine = tmp_path / "q.csv"
    outcome = run(capsys, "check", district, "--quarantine", quarantine)
    assert outcome.exit_code == 0, outcome.stdout
    assert "No rows quarantined" in outcome.stdout
    assert list(pd.read_csv(quarantine).columns) == ["table", "file", "line", "column", "reason"]
    assert len(pd.read_csv(quarantine)) == 0


def test_check_reports_bad_rows_with_file_line_and_column_and_exits_3(capsys, district, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(district, data)
    attendance = pd.read_parquet(data / "attendance.parquet")
    first = attendance.iloc[0]
    bad = pd.DataFrame(
        [
            {**first.to_dict(), "code": "ZZ", "category": None},  # an unknown code
            {**first.to_dict(), "absent_fraction": 1.5, "category": "excused"},  # out of 0..1
        ]
    )
    pd.concat([attendance, bad], ignore_index=True).to_parquet(data / "attendance.parquet")
    quarantine = tmp_path / "q.csv"
    outcome = run(capsys, "check", data, "--quarantine", quarantine)
    assert outcome.exit_code == 3
    rejected = pd.read_csv(quarantine)
    rows = rejected[rejected["table"] == "attendance"]
    lines = set(rows["line"])
    # Parquet rows are numbered from 1: the two appended rows are the last two.
    assert {len(attendance) + 1, len(attendance) + 2} <= lines
    assert set(rows["file"]) == {"attendance.parquet"}
    assert {"code", "absent_fraction"} <= set(rows["column"])
    # Metrics straight from the folder leave those rows out, and say so.
    outcome = run(capsys, "metrics", "--data", data, "--level", "district")
    assert outcome.exit_code == 0
    assert f"{len(rejected):,} rows" in outcome.stderr and "quarantined" in outcome.stderr


def test_a_missing_table_or_column_is_a_clear_error_with_exit_2(capsys, district, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(district, data)
    (data / "calendar.parquet").unlink()
    outcome = run(capsys, "check", data)
    assert outcome.exit_code == 2
    assert "calendar" in outcome.stderr

    shutil.copytree(district, data, dirs_exist_ok=True)
    enrollments = pd.read_parquet(data / "enrollments.parquet").drop(columns=["entry_date"])
    enrollments.to_parquet(data / "enrollments.parquet")
    outcome = run(capsys, "check", data)
    assert outcome.exit_code == 2
    assert "entry_date" in outcome.stderr and "enrollments" in outcome.stderr


def test_load_records_history_and_loading_the_same_files_twice_changes_nothing(
    capsys, workspace, district
):
    warehouse = workspace / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = con.execute("SELECT * FROM attendance ORDER BY ALL").df()
        history = con.execute("SELECT load_id, status, files, rows_loaded FROM load_history").df()
    assert list(history["status"]) == ["loaded"]
    files = json.loads(history["files"][0])
    assert {f["table"] for f in files} >= {"schools", "students", "attendance"}
    assert all(len(f["sha256"]) == 64 for f in files)
    assert json.loads(history["rows_loaded"][0])["attendance"] == len(before)

    listed = run(capsys, "history", "--workspace", workspace)
    assert listed.exit_code == 0, listed.stderr
    assert "loaded" in listed.stdout and "default 2026.2" in listed.stdout

    again = run(capsys, "load", district, "--workspace", workspace)
    assert again.exit_code == 0
    assert "already loaded" in again.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        after = con.execute("SELECT * FROM attendance ORDER BY ALL").df()
        assert con.execute("SELECT count(*) FROM load_history").fetchall()[0][0] == 1
    pd.testing.assert_frame_equal(before, after)


def test_a_refused_load_leaves_the_previous_data_untouched(capsys, workspace, district, tmp_path):
    data = tmp_path / "broken"
    shutil.copytree(district, data)
    schools = pd.read_parquet(data / "schools.parquet").drop(columns=["district_id"])
    schools.to_parquet(data / "schools.parquet")
    warehouse = workspace / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = con.execute("SELECT count(*), sum(absent_units) FROM attendance").fetchall()
    outcome = run(capsys, "load", data, "--workspace", workspace)
    assert outcome.exit_code == 2
    assert "district_id" in outcome.stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert (
            con.execute("SELECT count(*), sum(absent_units) FROM attendance").fetchall() == before
        )
        statuses = [r[0] for r in con.execute("SELECT status FROM load_history").fetchall()]
    assert sorted(statuses) == ["failed", "loaded"]


def _header_only_students(district, tmp_path):
    data = tmp_path / "shrunk"
    shutil.copytree(district, data)
    students = pd.read_parquet(data / "students.parquet")
    students.iloc[:0].to_parquet(data / "students.parquet")
    return data, len(students)


def test_load_of_a_header_only_students_table_stops_with_exit_2(
    capsys, workspace, district, tmp_path
):
    data, students = _header_only_students(district, tmp_path)
    before = run(capsys, "history", "--workspace", workspace).stdout
    outcome = run(capsys, "load", data, "--workspace", workspace)
    assert outcome.exit_code == 2
    said = " ".join((outcome.stdout + outcome.stderr).split())
    assert "students" in said and f"{students:,} → 0" in said and "--allow-shrink" in said
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM students").fetchall()[0][0] == students
    finally:
        con.close()
    assert "loaded" in before


def test_load_allow_shrink_loads_it_all_the_same(capsys, workspace, district, tmp_path):
    data, _ = _header_only_students(district, tmp_path)
    outcome = run(capsys, "load", data, "--workspace", workspace, "--allow-shrink")
    assert outcome.exit_code == 0, outcome.stderr
    assert "Load 2" in outcome.stdout
