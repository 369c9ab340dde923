"""`homeroom signals evaluate|train|score` as a user types them (cli/signals_eval.py)."""

from __future__ import annotations

import pandas as pd
import typer
from typer.testing import CliRunner

from homeroom.cli.output import UsageProblem
from homeroom.cli.signals_eval import register
from signals.model_district import synthetic_folder


def app() -> typer.Typer:
    group = typer.Typer()
    register(group)
    return group


def test_evaluate_command(tmp_path) -> None:
    out = tmp_path / "evaluation.md"
    outcome = CliRunner().invoke(
        app(),
        ["evaluate", "--data", str(synthetic_folder()), "--out", str(out), "--months", "11,2"],
    )
    assert outcome.exit_code == 0, outcome.output
    text = out.read_text(encoding="utf-8")
    assert "1 November 2024" in text and "1 February 2025" in text
    bad = CliRunner().invoke(app(), ["evaluate", "--data", ".", "--out", str(tmp_path / "x.pdf")])
    # The homeroom app turns a UsageProblem into exit status 2 and its message.
    assert isinstance(bad.exception, UsageProblem)
    assert ".html, .md or .json" in str(bad.exception)


def test_train_and_score_commands(tmp_path) -> None:
    from homeroom.warehouse import init_workspace, load_dataset

    space = init_workspace(tmp_path / "ws")
    load_dataset(space, synthetic_folder())
    runner = CliRunner()
    trained = runner.invoke(app(), ["train", "-w", str(space.root), "--threads", "1"])
    assert trained.exit_code == 0, trained.output
    assert (space.root / "models" / "chronic.joblib").exists()
    out = tmp_path / "chances.csv"
    scored = runner.invoke(
        app(), ["score", "-w", str(space.root), "--as-of", "2024-12-02", "--out", str(out)]
    )
    assert scored.exit_code == 0, scored.output
    frame = pd.read_csv(out)
    assert list(frame.columns[:4]) == ["student_id", "school_id", "probability", "top_factors"]
    assert frame["probability"].is_monotonic_decreasing
    audit = (space.root / "audit" / "access.jsonl").read_text(encoding="utf-8")
    assert '"action": "model_scores"' in audit
