"""`homeroom load`, `check` and `quality` show the monitors; rows with student ids are audited."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cli_helpers import run
from datasets import write_dataset
from homeroom.cli.output import out
from quality.district import DAYS, district


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    """Wide enough that monitor keys are not folded across table lines."""
    monkeypatch.setattr(out, "width", 200)


@pytest.fixture
def loaded(tmp_path, capsys):
    """A workspace with two loads. In the second, S1 took no attendance on day 45 (a new day)
    and the first absence of day 12 was re-coded excused."""
    space = tmp_path / "space"
    assert run(capsys, "init", space).exit_code == 0
    first = write_dataset(tmp_path / "one", district(through=40).data())
    assert run(capsys, "load", first, "--workspace", space).exit_code == 0
    b = district(lambda i: 0 if i == 45 else 10, through=50)
    row = next(r for r in b.tables["attendance"] if r["date"] == DAYS[12].isoformat())
    row["category"] = "excused"
    second = write_dataset(tmp_path / "two", b.data())
    outcome = run(capsys, "load", second, "--workspace", space)
    assert outcome.exit_code == 0, outcome.stderr
    return space, outcome, row


def test_load_prints_the_monitors(loaded):
    _, outcome, _ = loaded
    assert "Data-quality monitors" in outcome.stdout
    lines = {
        line.split("│")[2].strip(): line for line in outcome.stdout.splitlines() if "│" in line
    }
    assert "warning" in lines["days_without_attendance"]
    assert "1 instructional day at 1 school" in lines["days_without_attendance"]
    assert "1 absence re-coded (unexcused → excused: 1)" in lines["changed_absences"]
    assert "ok" in lines["calendar_gaps"]
    assert "homeroom quality --monitor KEY" in outcome.stdout


def test_quality_lists_the_latest_loads_findings(loaded, capsys):
    space, _, _ = loaded
    outcome = run(capsys, "quality", "--workspace", space)
    assert outcome.exit_code == 0, outcome.stderr
    assert "load 2 of space" in outcome.stdout
    assert "days_without_attendance" in outcome.stdout
    earlier = run(capsys, "quality", "--workspace", space, "--load", "1")
    assert "load 1 of space" in earlier.stdout
    assert "no previous load" in earlier.stdout


def test_quality_monitor_shows_the_rows_and_audits_student_rows(loaded, capsys, tmp_path):
    space, _, row = loaded
    shown = run(capsys, "quality", "-w", space, "--monitor", "days_without_attendance")
    assert shown.exit_code == 0, shown.stderr
    assert str(DAYS[45]) in shown.stdout
    assert not (space / "audit" / "access.jsonl").exists()  # school-level rows: no audit

    target = tmp_path / "changed.csv"
    written = run(capsys, "quality", "-w", space, "--monitor", "changed_absences", "--out", target)
    assert written.exit_code == 0, written.stderr
    rows = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert rows.to_dict(orient="records") == [
        {"change": "re-coded", "student_id": row["student_id"], "school_id": "S1",
         "date": str(DAYS[12]), "from_category": "unexcused", "from_code": "",
         "from_days": "1.0", "to_category": "excused", "to_code": "", "to_days": "1.0"},
    ]  # fmt: skip
    audit = [
        json.loads(line) for line in (space / "audit" / "access.jsonl").read_text().splitlines()
    ]
    assert audit[-1]["action"] == "quality_rows"
    assert audit[-1]["monitor"] == "changed_absences"
    assert audit[-1]["rows"] == 1 and audit[-1]["out"] == str(target)
    assert audit[-1]["load_id"] == 2


def test_quality_refuses_an_unknown_monitor_naming_the_keys(loaded, capsys):
    space, _, _ = loaded
    outcome = run(capsys, "quality", "-w", space, "--monitor", "nope")
    assert outcome.exit_code == 2
    assert "no monitor 'nope'" in outcome.stderr
    assert "calendar_gaps" in outcome.stderr


def test_quality_from_a_folder_and_check_show_the_monitors(tmp_path, capsys):
    folder = write_dataset(tmp_path / "data", district(lambda i: 0 if i == 7 else 10).data())
    outcome = run(capsys, "quality", "--data", folder, "--monitor", "days_without_attendance")
    assert outcome.exit_code == 0, outcome.stderr
    assert str(DAYS[7]) in outcome.stdout
    checked = run(capsys, "check", folder)
    assert checked.exit_code == 0
    assert "Data-quality monitors" in checked.stdout
    assert f"homeroom quality --data {folder} --monitor KEY" in checked.stdout


def test_quality_help_has_examples(capsys):
    outcome = run(capsys, "quality", "--help")
    assert outcome.exit_code == 0
    assert "Examples" in outcome.stdout and "--monitor" in outcome.stdout


def test_quality_runs_the_monitors_again_for_a_load_without_findings(loaded, capsys):
    import duckdb

    space, _, _ = loaded
    con = duckdb.connect(str(space / "warehouse.duckdb"))
    con.execute("DELETE FROM monitor_results WHERE load_id = 2")
    con.close()
    outcome = run(capsys, "quality", "-w", space, "--monitor", "days_without_attendance")
    assert outcome.exit_code == 0, outcome.stderr
    assert "running them on the loaded tables now" in " ".join(outcome.stderr.split())
    assert str(DAYS[45]) in outcome.stdout
    missing = run(capsys, "quality", "-w", space, "--load", "7")
    assert missing.exit_code == 2
    assert "no monitor findings are kept for load 7; kept: 1" in missing.stderr
