"""`homeroom signals` as a user types it: the watch list file, the summary, the run store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from cli_helpers import run
from datasets import Builder, write_dataset
from homeroom.signals.store import newly_flagged, runs
from homeroom.warehouse import open_workspace

START = dt.date(2024, 9, 2)  # a Monday; school year 2025, weekdays to 31 October

A_PACE = (
    "3 days absent since 2 September 2024, with 1 whole month completed "
    "(pace rule: 2 a month, so 2 or more)"
)
A_YTD = "Absent 13.6% of school days this year so far: 3 of 22 days (early support from 10%)"
A_SEPTEMBER = "3 days absent in September (2 to under 5 is an early warning)"
C_ARRIVAL = "Arrived on 1 October 2024, school day 22 of the year"


def small_district(folder: Path) -> Path:
    """A at S1 absent three Tuesdays of September; B never absent; C arrives at S2 on
    1 October, school day 22 (September has 21 school days)."""
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.school("S2", "D1", calendar_id="C1")
    off = [i for i in range(60) if (START + dt.timedelta(days=i)).weekday() >= 5]
    b.calendar("C1", 2025, START, 60, off=off)
    b.stay("A", "S1", 2025, START)
    b.stay("B", "S1", 2025, START)
    b.stay("C", "S2", 2025, dt.date(2024, 10, 1))
    for day in ("2024-09-10", "2024-09-17", "2024-09-24"):
        b.absent("A", "S1", dt.date.fromisoformat(day), "unexcused")
    return write_dataset(folder, b.data())


def test_signals_from_a_folder_writes_one_row_per_student_school_and_rule(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = small_district(tmp_path / "data")
    target = tmp_path / "out" / "watch.csv"
    result = run(capsys, "signals", "--data", data, "--as-of", "2024-10-01", "--out", target)
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(target, dtype=str, keep_default_na=False)  # the file's text as is
    assert list(frame.columns[:5]) == [
        "student_id",
        "school_id",
        "rule",
        "suggested_tier",
        "reason",
    ]
    rows = [tuple(r) for r in frame.iloc[:, :5].itertuples(index=False)]
    assert rows == [
        ("A", "S1", "pace", "2", A_PACE),
        ("A", "S1", "ytd_chronic", "2", A_YTD),
        ("A", "S1", "september_2_4", "", A_SEPTEMBER),
        ("C", "S2", "new_arrival", "", C_ARRIVAL),
    ]
    assert (frame.loc[0, "days_enrolled"], frame.loc[0, "days_absent"]) == ("22", "3.0")
    assert frame.loc[0, "first_day"] == "2024-09-02"
    # The summary: a line per rule with the students it flags, and where the file went.
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if line.startswith("│")}
    assert lines["pace"].split("│")[2].strip() == "1"
    assert lines["consecutive"].split("│")[2].strip() == "0"
    assert "2 students flagged, 4 flags." in result.stdout
    # The terminal may wrap a long path anywhere, even inside a name: compare without spaces.
    assert f"Wrote4rowsto{target}" in "".join(result.stderr.split())


def test_signals_in_a_workspace_keeps_runs_and_audits(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = small_district(tmp_path / "data")
    ws = tmp_path / "ws"
    assert run(capsys, "init", ws).exit_code == 0
    assert run(capsys, "load", data, "--workspace", ws).exit_code == 0
    first = run(capsys, "signals", "-w", ws, "--as-of", "2024-09-30", "--out", tmp_path / "a.csv")
    assert first.exit_code == 0, first.stderr
    second = run(capsys, "signals", "-w", ws, "--as-of", "2024-10-01")
    assert second.exit_code == 0, second.stderr
    assert "Saved as signals run 2" in " ".join(second.stderr.split())
    # On 1 October C arrives: the one flag that is new since the run of 30 September.
    new_column = {
        line.split("│")[1].strip(): line.split("│")[3].strip()
        for line in second.stdout.splitlines()
        if line.startswith("│")
    }
    assert new_column["new_arrival"] == "1" and new_column["pace"] == "0"
    space = open_workspace(ws)
    assert list(runs(space)["as_of"]) == [dt.date(2024, 9, 30), dt.date(2024, 10, 1)]
    assert list(runs(space)["load_id"]) == [1, 1]
    new = newly_flagged(space)
    assert list(zip(new["student_id"], new["rule"], strict=True)) == [("C", "new_arrival")]
    audit = [json.loads(line) for line in space.audit_path.read_text().splitlines()]
    signals = [entry for entry in audit if entry["action"] == "signals_rows"]
    assert [(e["run_id"], e["rows"], e["as_of"]) for e in signals] == [
        (1, 3, "2024-09-30"),
        (2, 4, "2024-10-01"),
    ]
    assert signals[0]["out"] == str(tmp_path / "a.csv") and signals[1]["out"] == "none"


def test_signals_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = small_district(tmp_path / "data")
    both = run(capsys, "signals", "--data", data, "--workspace", tmp_path)
    assert both.exit_code == 2 and "leave out --workspace" in both.stderr
    early = run(capsys, "signals", "--data", data, "--as-of", "2024-08-01")
    assert early.exit_code == 2
    assert "no school year in the calendar has begun by 2024-08-01" in " ".join(
        early.stderr.split()
    )
    wrong = run(capsys, "signals", "--data", data, "--out", tmp_path / "x.txt")
    assert wrong.exit_code == 2 and "--out must end in .csv" in wrong.stderr


def test_signals_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "signals", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "homeroom signals --data exports/2025 --as-of 2024-10-01 --out october.csv" in text


def test_signals_default_date_is_the_last_day_with_attendance(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The last absence in the data is A's on 24 September: counting through today would count
    # every day since as present.
    data = small_district(tmp_path / "data")
    result = run(capsys, "signals", "--data", data)
    assert result.exit_code == 0, result.stderr
    assert "Early-warning flags as of 24 September 2024" in " ".join(result.stdout.split())
    assert "Add --out FILE.csv" in " ".join(result.stderr.split())
