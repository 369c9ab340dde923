"""`homeroom metrics`: documented columns, movers, groups and dates, audit (PySpark: its own
module, test_metrics_spark)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cli_helpers import run

# The documented student columns (docs/metrics.md), in order.
STUDENT_COLUMNS = [
    "school_year",
    "school_year_label",
    "district_id",
    "school_id",
    "school_name",
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
    "unexcused_absences",
    "truant",
    "tardies",
    "tardy_days",
    "early_departures",
    "early_departure_days",
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


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet", ".json"])
def test_metrics_files_have_the_documented_columns(capsys, district, tmp_path, suffix):
    students = tmp_path / f"students{suffix}"
    schools = tmp_path / f"schools{suffix}"
    for level, out in (("student", students), ("school", schools)):
        outcome = run(capsys, "metrics", "--data", district, "--level", level, "--out", out)
        assert outcome.exit_code == 0, outcome.stderr
    read = {
        ".csv": pd.read_csv,
        ".xlsx": pd.read_excel,
        ".parquet": pd.read_parquet,
        ".json": pd.read_json,
    }[suffix]
    student_rows, school_rows = read(students), read(schools)
    assert list(student_rows.columns[: len(STUDENT_COLUMNS)]) == STUDENT_COLUMNS
    assert list(school_rows.columns[:3]) == ["school_year", "district_id", "school_id"]
    assert [c for c in school_rows.columns if c in AGGREGATE_COLUMNS] == AGGREGATE_COLUMNS
    # Aggregates agree with the student rows they come from.
    eligible = student_rows[student_rows["eligible"].astype(bool)]
    assert school_rows["students_eligible"].sum() == len(eligible)
    assert school_rows["chronically_absent_count"].sum() == eligible["chronically_absent"].sum()
    # A school year reads as people write it beside the number, and the school by its name.
    assert set(student_rows["school_year_label"]) == {"2023-24", "2024-25"}
    assert student_rows["school_name"].notna().all()


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
