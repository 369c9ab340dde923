"""End to end through the `homeroom` command: synth, check, init, load, metrics, report."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cli_helpers import run
from homeroom.cli import app

STUDENT_COLUMNS = [
    "school_year",
    "district_id",
    "school_id",
    "student_id",
    "grade_level",
    "days_enrolled",
    "days_absent",
    "days_excused",
    "days_unexcused",
    "days_suspended",
    "absence_rate",
    "eligible",
    "chronically_absent",
    "tier",
]
AGGREGATE_COLUMNS = [
    "students_enrolled",
    "students_eligible",
    "chronically_absent_count",
    "chronic_absence_rate",
    "satisfactory_count",
    "at_risk_count",
    "moderate_chronic_count",
    "severe_chronic_count",
    "ada",
    "level",
]


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    """A small synthetic district made through the command itself (two school years)."""
    from homeroom.synth import generate

    folder = tmp_path_factory.mktemp("district") / "data"
    generate(folder, students=600, schools=5, years=2, seed=3)
    return folder


@pytest.fixture
def workspace(tmp_path, district, capsys) -> Path:
    space = tmp_path / "space"
    assert run(capsys, "init", space).exit_code == 0
    outcome = run(capsys, "load", district, "--workspace", space)
    assert outcome.exit_code == 0, outcome.stderr
    return space


def test_every_command_has_help_with_an_example(capsys):
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert {"init", "load", "check", "metrics", "definitions", "synth", "report"} <= set(commands)
    for command in commands:
        if command == "version":
            continue
        outcome = run(capsys, command, "--help")
        assert outcome.exit_code == 0
        assert "Example" in outcome.stdout, command


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


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json"])
def test_metrics_files_have_the_documented_columns(capsys, district, tmp_path, suffix):
    students = tmp_path / f"students{suffix}"
    schools = tmp_path / f"schools{suffix}"
    for level, out in (("student", students), ("school", schools)):
        outcome = run(capsys, "metrics", "--data", district, "--level", level, "--out", out)
        assert outcome.exit_code == 0, outcome.stderr
    read = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".json": pd.read_json}[suffix]
    student_rows, school_rows = read(students), read(schools)
    assert list(student_rows.columns[: len(STUDENT_COLUMNS)]) == STUDENT_COLUMNS
    assert list(school_rows.columns[:3]) == ["school_year", "district_id", "school_id"]
    assert [c for c in school_rows.columns if c in AGGREGATE_COLUMNS] == AGGREGATE_COLUMNS
    # Aggregates agree with the student rows they come from.
    eligible = student_rows[student_rows["eligible"].astype(bool)]
    assert school_rows["students_eligible"].sum() == len(eligible)
    assert school_rows["chronically_absent_count"].sum() == eligible["chronically_absent"].sum()


def test_metrics_per_district_counts_a_mover_once(capsys, district, tmp_path):
    per_school, per_district = tmp_path / "s.parquet", tmp_path / "d.parquet"
    run(capsys, "metrics", "--data", district, "--level", "student", "--out", per_school)
    run(
        capsys,
        "metrics",
        "--data",
        district,
        "--level",
        "student",
        "--per",
        "district",
        "--out",
        per_district,
    )
    schools, districts = pd.read_parquet(per_school), pd.read_parquet(per_district)
    keys = ["school_year", "student_id"]
    assert not districts.duplicated(keys).any()
    assert schools.duplicated(keys).any(), "the synthetic district should have movers"
    totals = schools.groupby(keys)["days_enrolled"].sum().sort_index()
    pd.testing.assert_series_equal(
        totals, districts.set_index(keys)["days_enrolled"].sort_index(), check_names=False
    )


def test_metrics_by_group_and_as_of_from_a_workspace_match_the_folder(
    capsys, workspace, district, tmp_path
):
    args = ["--level", "district", "--by", "grade_level,race_ethnicity", "--as-of", "2025-01-31"]
    from_space, from_folder = tmp_path / "w.csv", tmp_path / "f.csv"
    assert (
        run(capsys, "metrics", "--workspace", workspace, *args, "--out", from_space).exit_code == 0
    )
    assert run(capsys, "metrics", "--data", district, *args, "--out", from_folder).exit_code == 0
    space, folder = pd.read_csv(from_space), pd.read_csv(from_folder)
    pd.testing.assert_frame_equal(space, folder)
    assert {"grade_level", "race_ethnicity"} <= set(space.columns)
    # As of 31 January only the days through it count: fewer than in the whole year.
    through_january, whole_year = tmp_path / "jan.csv", tmp_path / "year.csv"
    student_args = ["metrics", "--workspace", workspace, "--level", "student"]
    run(capsys, *student_args, "--as-of", "2025-01-31", "--out", through_january)
    run(capsys, *student_args, "--out", whole_year)
    january = pd.read_csv(through_january).query("school_year == 2025")
    year = pd.read_csv(whole_year).query("school_year == 2025")
    assert 0 < january["days_enrolled"].max() < year["days_enrolled"].max()


def test_student_level_views_from_a_workspace_are_audited_without_ids(capsys, workspace):
    outcome = run(capsys, "metrics", "--workspace", workspace, "--level", "student")
    assert outcome.exit_code == 0
    lines = (workspace / "audit" / "access.jsonl").read_text().splitlines()
    entry = json.loads(lines[-1])
    assert entry["action"] == "student_metrics" and entry["rows"] > 0
    assert "S0" not in lines[-1]


def test_report_prints_the_summary_and_writes_self_contained_html(capsys, workspace, tmp_path):
    html = tmp_path / "report.html"
    outcome = run(capsys, "report", "--workspace", workspace, "--html", html)
    assert outcome.exit_code == 0, outcome.stderr
    assert "ADA" in outcome.stdout
    text = html.read_text()
    assert "<svg" in text and "<script" not in text
    # Self-contained: nothing fetched from elsewhere (the definition's source is plain text).
    assert re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text) is None
    assert "url(" not in text and "@import" not in text


def test_bad_requests_exit_2_with_a_message(capsys, district, tmp_path):
    assert run(capsys, "metrics", "--data", district, "--level", "county").exit_code == 2
    outcome = run(capsys, "metrics", "--data", district, "--out", tmp_path / "x.txt")
    assert outcome.exit_code == 2 and ".csv" in outcome.stderr
    outcome = run(capsys, "metrics", "--data", district, "--as-of", "31/01/2025")
    assert outcome.exit_code == 2
    outcome = run(capsys, "metrics", "--data", district, "--definition", "nowhere")
    assert outcome.exit_code == 2 and "default" in outcome.stderr
    outcome = run(capsys, "metrics", "--workspace", tmp_path / "none")
    assert outcome.exit_code == 2 and "homeroom init" in outcome.stderr


def test_inside_a_workspace_its_definition_is_the_default(capsys, district, tmp_path, monkeypatch):
    space = tmp_path / "crdc-space"
    assert run(capsys, "init", space, "--definition", "crdc").exit_code == 0
    monkeypatch.chdir(space)
    outcome = run(capsys, "check", district)
    assert outcome.exit_code == 0
    assert "(definition crdc)" in outcome.stdout
    monkeypatch.chdir(tmp_path)
    assert "(definition default)" in run(capsys, "check", district).stdout


def test_a_state_report_covers_its_districts(capsys, tmp_path):
    from homeroom.synth import generate

    state = tmp_path / "state"
    generate(state, students=900, schools=8, years=1, seed=5, districts=2)
    html = tmp_path / "state.html"
    outcome = run(capsys, "report", "--data", state, "--html", html)
    assert outcome.exit_code == 0, outcome.stderr
    assert "State level" in outcome.stdout
    text = html.read_text()
    names = pd.read_parquet(state / "schools.parquet")["district_name"].unique()
    assert len(names) == 2 and all(name in text for name in names)


@pytest.mark.slow
@pytest.mark.spark
def test_the_command_gives_the_same_numbers_on_pyspark(capsys, district, tmp_path):
    if shutil.which("java") is None:
        pytest.skip("Java is not installed (make install puts it in); PySpark needs it")
    pytest.importorskip("pyspark", reason="PySpark is not installed: pip install -e '.[spark]'")
    frames = []
    for engine in ("duckdb", "pyspark"):
        out = tmp_path / f"{engine}.csv"
        args = ["--level", "school", "--by", "grade_level", "--engine", engine, "--out", out]
        assert run(capsys, "metrics", "--data", district, *args).exit_code == 0
        frames.append(pd.read_csv(out))
    pd.testing.assert_frame_equal(*frames)
