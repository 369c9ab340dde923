"""One truth: a dataset whose attendance stops on 31 January gives the same numbers through every
command, with and without --as-of (issue 11, section 1).

Before the resolver, `homeroom report --data d` counted enrolled days to the end of the calendar
but absences only to the last recorded day (10.4% chronically absent instead of 26.3%).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cli_helpers import run
from homeroom.synth import generate

CUT = "2025-01-31"


@pytest.fixture(scope="module")
def cut_district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """800 students at 4 schools, every attendance row after 31 January 2025 deleted."""
    data = tmp_path_factory.mktemp("one-truth") / "data"
    generate(data, students=800, schools=4, years=1, seed=3, fmt="csv")
    attendance = pd.read_csv(data / "attendance.csv", dtype=str)
    attendance[attendance["date"] <= CUT].to_csv(data / "attendance.csv", index=False)
    return data


@pytest.fixture(scope="module")
def workspace(cut_district: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from homeroom.warehouse import init_workspace, load_dataset

    space = init_workspace(tmp_path_factory.mktemp("one-truth-space") / "w")
    load_dataset(space, cut_district)
    return space.root


def _metrics(capsys, tmp_path: Path, name: str, *args: object) -> pd.DataFrame:
    out = tmp_path / f"{name}.csv"
    outcome = run(capsys, "metrics", *args, "--out", out)
    assert outcome.exit_code == 0, outcome.stderr
    return pd.read_csv(out, dtype={"student_id": str, "school_id": str, "district_id": str})


@pytest.mark.parametrize("level", ["student", "school", "district"])
def test_metrics_agree_with_and_without_as_of_from_a_folder_and_a_workspace(
    capsys, tmp_path, cut_district, workspace, level
):
    bare = _metrics(capsys, tmp_path, "bare", "--data", cut_district, "--level", level)
    dated = _metrics(
        capsys, tmp_path, "dated", "--data", cut_district, "--level", level, "--as-of", CUT
    )
    loaded = _metrics(capsys, tmp_path, "loaded", "--workspace", workspace, "--level", level)
    pd.testing.assert_frame_equal(bare, dated)
    pd.testing.assert_frame_equal(bare, loaded)
    about = json.loads((tmp_path / "bare.csv.about.json").read_text())
    assert about["as_of"] == CUT and about["as_of_chosen"] == "latest attendance recorded"
    assert about["definition"] == "default" and about["rows"] == len(bare)


def test_the_default_date_is_named_on_the_terminal(capsys, cut_district):
    outcome = run(capsys, "metrics", "--data", cut_district, "--level", "district")
    assert outcome.exit_code == 0, outcome.stderr
    assert "as of 31 January 2025, definition default" in " ".join(outcome.stderr.split())


def _headline(stdout: str) -> str:
    """The headline: "26.4% chronically absent  211 of 800 eligible students (800 enrolled)"."""
    return next(line for line in stdout.splitlines() if "eligible students" in line)


def test_report_agrees_with_and_without_as_of_and_with_metrics(capsys, tmp_path, cut_district):
    bare = run(capsys, "report", "--data", cut_district)
    dated = run(capsys, "report", "--data", cut_district, "--as-of", CUT)
    assert bare.exit_code == 0 and dated.exit_code == 0, bare.stderr + dated.stderr
    assert _headline(bare.stdout) == _headline(dated.stdout)
    district = _metrics(capsys, tmp_path, "district", "--data", cut_district, "--level", "district")
    row = district.iloc[0]
    shown = f"{row['chronically_absent_count']} of {row['students_eligible']} eligible"
    assert shown in _headline(bare.stdout)


def test_signals_agree_with_and_without_as_of(capsys, tmp_path, cut_district):
    frames = []
    for name, extra in (("bare", ()), ("dated", ("--as-of", CUT))):
        out = tmp_path / f"{name}.csv"
        outcome = run(capsys, "signals", "--data", cut_district, *extra, "--out", out)
        assert outcome.exit_code == 0, outcome.stderr
        frames.append(pd.read_csv(out, dtype=str))
        assert json.loads((tmp_path / f"{name}.csv.about.json").read_text())["as_of"] == CUT
    pd.testing.assert_frame_equal(*frames)
    assert len(frames[0])


def test_export_spreadsheet_agrees_from_a_folder_and_a_workspace(
    capsys, tmp_path, cut_district, workspace
):
    sheets = []
    for name, source in (
        ("folder", ("--data", cut_district)),
        ("space", ("--workspace", workspace)),
    ):
        out = tmp_path / f"{name}.xlsx"
        outcome = run(capsys, "export", "spreadsheet", *source, "--out", out)
        assert outcome.exit_code == 0, outcome.stderr
        sheets.append(pd.read_excel(out, sheet_name="Students", dtype=str))
    pd.testing.assert_frame_equal(*sheets)
    dated = tmp_path / "dated.xlsx"
    outcome = run(
        capsys, "export", "spreadsheet", "--data", cut_district, "--as-of", CUT, "--out", dated
    )
    assert outcome.exit_code == 0, outcome.stderr
    pd.testing.assert_frame_equal(sheets[0], pd.read_excel(dated, sheet_name="Students", dtype=str))


def test_a_school_whose_attendance_stops_early_is_named_by_report_and_quality(
    capsys, tmp_path, cut_district
):
    data = tmp_path / "data"
    data.mkdir()
    for table in cut_district.iterdir():
        (data / table.name).write_bytes(table.read_bytes())
    schools = pd.read_csv(data / "schools.csv", dtype=str)
    quiet_id, quiet_name = schools.iloc[0]["school_id"], schools.iloc[0]["school_name"]
    attendance = pd.read_csv(data / "attendance.csv", dtype=str)
    keep = (attendance["school_id"] != quiet_id) | (attendance["date"] <= "2025-01-10")
    attendance[keep].to_csv(data / "attendance.csv", index=False)

    report = run(capsys, "report", "--data", data)
    assert report.exit_code == 0, report.stderr
    said = " ".join((report.stdout + report.stderr).split())
    assert f"{quiet_name}: no attendance recorded after 10 January 2025" in said
    quality = run(capsys, "quality", "--data", data, "--monitor", "attendance_stops")
    assert quality.exit_code == 0, quality.stderr
    assert "warning" in quality.stdout and quiet_id in quality.stdout
