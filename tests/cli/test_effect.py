"""`homeroom synth --supports`, `homeroom load` (supports into the casebook), `homeroom effect`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from cli_helpers import run

COLUMNS = [
    "support", "students_served", "students_compared", "rate_change_served",
    "rate_change_compared", "effect_points", "ci_low", "ci_high", "conclusion",
]  # fmt: skip


def test_supports_from_synth_to_the_casebook_and_the_effect_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOMEROOM_CASEBOOK_URL", raising=False)
    data, space, out = tmp_path / "data", tmp_path / "space", tmp_path / "effect.csv"
    made = run(capsys, "synth", "--out", data, "--students", 1500, "--schools", 2, "--supports",
               "--support-effect", -3)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    supports = pd.read_parquet(data / "supports.parquet")
    assert run(capsys, "init", space).exit_code == 0
    loaded = run(capsys, "load", data, "--workspace", space)
    assert loaded.exit_code == 0, loaded.stderr
    assert f"Copied {len(supports):,} supports into the casebook" in loaded.stdout
    with sqlite3.connect(space / "casebook.sqlite") as db:
        assert db.execute("SELECT count(*) FROM imported_supports").fetchone() == (len(supports),)

    done = run(capsys, "effect", "--workspace", space, "--out", out)
    assert done.exit_code == 0, done.stderr
    frame = pd.read_csv(out)
    assert list(frame.columns) == COLUMNS
    assert frame["support"].tolist() == [
        "call", "home visit", "letter", "plan tier 1", "plan tier 2", "plan tier 3", "all",
    ]  # fmt: skip
    pooled = frame.iloc[-1]
    assert pooled["students_served"] == frame["students_served"].iloc[:-1].sum()
    assert pooled["effect_points"] < 0  # 3 points removed; a few hundred students served
    about = json.loads((tmp_path / "effect.csv.about.json").read_text())
    assert about["rows"] == 7 and about["definition"] == "default"

    # The printable report gets its section "Did supports work?", with the same rows.
    printed = run(capsys, "report", "--workspace", space, "--out", tmp_path / "report.html")
    assert printed.exit_code == 0, printed.stderr
    page = (tmp_path / "report.html").read_text()
    assert "Did supports work?" in page and "All supports" in page
    assert f"{pooled['effect_points']:+.1f}" in page


def test_a_positive_support_effect_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = run(capsys, "synth", "--out", tmp_path, "--students", 10, "--supports",
                  "--support-effect", 2)  # fmt: skip
    assert outcome.exit_code == 2 and not (tmp_path / "supports.parquet").exists()


def test_effect_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run(capsys, "effect", "--help")
    assert outcome.exit_code == 0
    assert "homeroom effect --workspace district --out effect.csv" in outcome.stdout
