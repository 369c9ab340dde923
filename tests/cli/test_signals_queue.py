"""`homeroom signals queue` as a user types it: the ranked list's file, --school, --capacity, the
model's chance (empty without a model), the sidecar and the audit."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from cli.test_signals import small_district
from cli_helpers import run

COLUMNS = ["student_id", "school_id", "rank", "suggested_tier", "chance_chronic", "main_reason",
           "rules", "main_factors"]  # fmt: skip


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)  # the file's text as is


def test_queue_from_a_folder_lists_every_enrolled_student_in_need_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A: three September absences (tier 2: pace, 10% so far, 2-4 in September); C: arrived
    1 October at S2 (a conversation); B: never absent (no rule). No model: rules alone. The
    early focus (the default) lists A, already over the line, after those not yet over it;
    --focus need lists it first."""
    data = small_district(tmp_path / "data")
    target = tmp_path / "queue.csv"
    result = run(capsys, "signals", "queue", "--data", data, "--as-of", "2024-10-01",
                 "--out", target)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    frame = read(target)
    assert list(frame.columns) == COLUMNS
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        ("C", "S2", "1", "", "", "Arrived on 1 October 2024, school day 22 of the year",
         "new_arrival", ""),
        ("B", "S1", "2", "", "", "No rule fires; 0.0% absent so far this year", "", ""),
        ("A", "S1", "3", "2", "", "Two absences a month or more",
         "pace;ytd_chronic;september_2_4", ""),
    ]  # fmt: skip
    need = run(capsys, "signals", "queue", "--data", data, "--as-of", "2024-10-01",
               "--focus", "need", "--out", tmp_path / "need.csv")  # fmt: skip
    assert need.exit_code == 0, need.stderr
    assert list(read(tmp_path / "need.csv")["student_id"]) == ["A", "C", "B"]
    about = json.loads((tmp_path / "queue.csv.about.json").read_text())
    assert about["rows"] == 3 and about["as_of"] == "2024-10-01"
    assert "no model trained" in " ".join(result.stderr.split())


def test_queue_school_and_capacity_share_and_count(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = small_district(tmp_path / "data")
    args = ("signals", "queue", "--data", data, "--as-of", "2024-10-01")
    school = run(capsys, *args, "--school", "S1", "--out", tmp_path / "s1.csv")
    assert school.exit_code == 0, school.stderr
    assert list(read(tmp_path / "s1.csv")[["student_id", "rank"]].itertuples(index=False)) == [
        ("B", "1"),
        ("A", "2"),
    ]
    # A share of the 3 students, rounded up: 0.4 -> 2; a count: 1.
    share = run(capsys, *args, "--capacity", "0.4", "--out", tmp_path / "share.csv")
    assert share.exit_code == 0, share.stderr
    assert list(read(tmp_path / "share.csv")["student_id"]) == ["C", "B"]
    count = run(capsys, *args, "--capacity", "1", "--out", tmp_path / "count.csv")
    assert count.exit_code == 0, count.stderr
    assert list(read(tmp_path / "count.csv")["student_id"]) == ["C"]
    within = run(capsys, *args, "--school", "S2", "--capacity", "5", "--out", tmp_path / "c.csv")
    assert within.exit_code == 0 and list(read(tmp_path / "c.csv")["rank"]) == ["1"]


def test_queue_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = small_district(tmp_path / "data")
    args = ("signals", "queue", "--data", data, "--as-of", "2024-10-01")
    zero = run(capsys, *args, "--capacity", "0", "--out", tmp_path / "q.csv")
    assert zero.exit_code == 2 and "--capacity must be above 0" in zero.stderr
    nowhere = run(capsys, *args, "--school", "NOPE", "--out", tmp_path / "q.csv")
    assert nowhere.exit_code == 2 and "school 'NOPE'" in nowhere.stderr
    both = run(capsys, *args, "--workspace", tmp_path, "--out", tmp_path / "q.csv")
    assert both.exit_code == 2 and "leave out --workspace" in both.stderr
    assert not (tmp_path / "q.csv").exists()
    helped = run(capsys, "signals", "queue", "--help")
    assert "homeroom signals queue --workspace" in " ".join(helped.stdout.split())


def test_queue_with_a_trained_model_gives_each_student_a_chance_and_is_audited(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from signals.model_district import synthetic_folder

    ws = tmp_path / "ws"
    assert run(capsys, "init", ws).exit_code == 0
    assert run(capsys, "load", synthetic_folder(), "--workspace", ws).exit_code == 0
    assert run(capsys, "signals", "train", "-w", ws).exit_code == 0
    target = tmp_path / "queue.csv"
    result = run(capsys, "signals", "queue", "-w", ws, "--as-of", "2024-11-01",
                 "--capacity", "0.3", "--out", target)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(target, keep_default_na=False)
    said = re.search(r"Wrote ([\d,]+) of ([\d,]+) students", " ".join(result.stderr.split()))
    assert said is not None
    enrolled = int(said.group(2).replace(",", ""))
    assert enrolled > 1000 and int(said.group(1).replace(",", "")) == len(frame)
    assert len(frame) == -(-enrolled * 3 // 10)  # 30% of those enrolled, rounded up
    assert frame["rank"].tolist() == list(range(1, len(frame) + 1))
    chance = frame["chance_chronic"].astype(float)
    assert chance.between(0, 1).all()
    tier_3 = frame["suggested_tier"].astype(str) == "3"
    # Tier 3 rules first; then the model's chance, highest first.
    assert not (tier_3.astype(int).diff().fillna(0) > 0).any()
    assert 0 < tier_3.sum() < len(frame)
    assert chance[~tier_3].is_monotonic_decreasing
    audit = [json.loads(line) for line in (ws / "audit" / "access.jsonl").read_text().splitlines()]
    views = [e for e in audit if e["action"] == "signals_queue_rows"]
    assert [(v["rows"], v["as_of"], v["school"]) for v in views] == [
        (len(frame), "2024-11-01", "all")
    ]
