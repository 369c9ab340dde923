"""The evaluation end to end on the small synthetic district.

Checked as of 1 October and 1 January to keep the run short. The figures are checked for what
must hold whatever the data (every chronically absent student lands in one lead-time band,
waiting for the line never flags anyone before they cross it, counts add up).
"""

from __future__ import annotations

import datetime as dt

from homeroom.definitions import load_definition
from homeroom.signals.evaluation import Evaluation
from homeroom.signals.evaluation_tables import FIRST, STRATEGIES, lead_times
from homeroom.signals.measures import NOT_FLAGGED

DEFINITION = load_definition("default")


def test_the_evaluation_adds_up(evaluation: Evaluation) -> None:
    result = evaluation
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
    # Waiting for the line flags a student only once over it: never before the first crossing
    # (the settled crossing can come later, when a student dips under and crosses again).
    first = lead_times(result.checks, result.crossings, "line", FIRST)["lead"].dropna()
    assert len(first) and (first <= 0).all()
    assert summary.loc["line", "median_lead_first_crossing"] <= 0
    assert (result.crossings["settled_number"] >= result.crossings["crossed_number"]).all()
    assert summary.loc["queue", "students_flagged"] > 0

    leads = result.lead_distribution().set_index("strategy")
    chronic = int(summary["chronic_students"].iloc[0])
    assert (leads.sum(axis=1) == chronic).all()
    assert leads.loc["line", NOT_FLAGGED] < chronic

    groups = result.groups()
    assert set(groups["group"]) == {
        "race_ethnicity",
        "sex",
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
