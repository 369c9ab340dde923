"""The evaluation end to end on the small synthetic district, its report, and the commands.

Checked as of 1 October and 1 January to keep the run short. The figures are checked for what
must hold whatever the data (every chronically absent student lands in one lead-time band,
waiting for the line never flags anyone before they cross it, counts add up) and for the
privacy of the report (aggregates only: no student id in it).
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from homeroom.cli.output import UsageProblem
from homeroom.cli.signals_eval import register
from homeroom.definitions import load_definition
from homeroom.signals.evaluation import NOT_FLAGGED, STRATEGIES, Evaluation, evaluate
from homeroom.signals.evaluation_report import render_html, render_markdown
from signals.model_district import synthetic_folder, synthetic_tables

DEFINITION = load_definition("default")
MONTHS = (10, 1)
STUDENT_ID = re.compile(r"\bS\d{7}\b")


@pytest.fixture(scope="module")
def result() -> Evaluation:
    tables, con = synthetic_tables(DEFINITION)
    try:
        return evaluate(tables, DEFINITION, months=MONTHS, capacity=0.05, cut=0.5, threads=1)
    finally:
        con.close()


def test_the_evaluation_adds_up(result: Evaluation) -> None:
    assert result.test_year == 2025 and result.train_years == (2023, 2024)
    assert result.dates == (dt.date(2024, 10, 1), dt.date(2025, 1, 1))
    by_date = result.by_date()
    assert len(by_date) == 2
    assert (by_date["auc"] > 0.8).all()
    assert (by_date["brier"] < by_date["brier_base_rate"]).all()
    # k = 5% of the students enrolled at each check, rounded up.
    assert (by_date["k"] == (by_date["students"] * 0.05).apply(lambda v: -(-v // 1))).all()

    summary = result.strategies().set_index("strategy")
    assert list(summary.index) == list(STRATEGIES)
    assert (summary["caught"] + summary["false_alarms"] == summary["students_flagged"]).all()
    assert summary.loc["line", "flagged_before_crossing"] == 0  # it flags only once crossed
    assert summary.loc["line", "median_lead"] <= 0

    leads = result.lead_distribution().set_index("strategy")
    chronic = int(summary["chronic_students"].iloc[0])
    assert (leads.sum(axis=1) == chronic).all()
    assert leads.loc["line", NOT_FLAGGED] < chronic

    groups = result.groups()
    assert set(groups["group"]) == {
        "race_ethnicity",
        "economically_disadvantaged",
        "students_with_disabilities",
        "english_learner",
    }
    shown = groups[~groups["suppressed"]]
    assert shown["students"].min() >= DEFINITION.minimum_group_size
    spreads = result.spreads()
    assert (spreads["spread"] >= 0).all()
    assert (spreads["within_goal"] == (spreads["spread"] <= 0.05)).all()
    table = result.reliability()
    assert table["students"].sum() == len(result.checks)


def test_the_report(result: Evaluation) -> None:
    markdown = render_markdown(result)
    for heading in (
        "## Lead time",
        "## Each check date",
        "## Calibration",
        "## By student group",
        "### Recall spread across groups (goal: within 5 points)",
        "## What these figures do and do not show",
    ):
        assert heading in markdown
    assert "not evidence of real-world accuracy" in markdown
    html = render_html(result)
    root = ET.fromstring(html.replace("<!DOCTYPE html>", ""))
    assert root.find(".//{*}svg") is not None or "<svg" in html
    assert "http" not in html.replace('content="width=device-width', "")
    for text in (markdown, html):
        assert not STUDENT_ID.search(text), "a student id in the report"


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
    assert ".html or .md" in str(bad.exception)


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
