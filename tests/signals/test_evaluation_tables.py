"""The evaluation's tables on a hand-made table of checks: lead times, the strategy summary, the
lead-time bands, each date, and group recall with its spread."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from homeroom.signals.evaluation_tables import (
    FIRST,
    by_date,
    capacity_alternatives,
    check_leads,
    group_recalls,
    group_table,
    lead_distribution,
    lead_times,
    recall_gaps,
    recall_spreads,
    strategy_summary,
)
from homeroom.signals.measures import NOT_FLAGGED

# -- the strategies on a hand-made table of checks ------------------------------------------------
D1, D2, D3 = dt.date(2024, 10, 1), dt.date(2024, 11, 1), dt.date(2024, 12, 1)
NUMBER = {D1: 20, D2: 40, D3: 60}
# Who each strategy flags at which check. s1, s2 and s5 end chronic; s3 and s4 do not.
FLAGS = {
    "line": {"s1": {D2, D3}, "s2": {D3}, "s3": {D1}},
    "rules": {"s1": {D1}, "s3": {D1, D2}, "s5": {D3}},
    "model_top_k": {"s1": {D1, D2, D3}, "s3": {D3}},
    "model_cut": {"s1": {D2}, "s2": {D1}},
    "queue": {"s2": {D1}, "s5": {D2}},
}
# The queue's rank of each student, the same at every check (for other capacities).
QUEUE_RANK = {"s2": 1, "s5": 2, "s1": 3, "s3": 4, "s4": 5}
CHRONIC = {"s1": True, "s2": True, "s3": False, "s4": False, "s5": True}
CHANCE_AT_D1 = {"s1": 0.9, "s2": 0.6, "s3": 0.7, "s4": 0.1, "s5": 0.2}
RACE = {"s1": "black", "s2": "black", "s3": "white", "s4": "white", "s5": "white"}


def checks() -> pd.DataFrame:
    rows = []
    for as_of in (D1, D2, D3):
        for student, chronic in CHRONIC.items():
            rows.append(
                {
                    "as_of": as_of,
                    "district_id": "D1",
                    "student_id": student,
                    "days_so_far": NUMBER[as_of],
                    "chronic": chronic,
                    "probability": CHANCE_AT_D1[student],
                    "race_ethnicity": RACE[student],
                    "queue_rank": QUEUE_RANK[student],
                    **{s: as_of in FLAGS[s].get(student, set()) for s in FLAGS},
                }
            )
    return pd.DataFrame(rows)


# The days they crossed: s1 day 30, s2 day 50, s5 day 70 (after the last check).
CROSSINGS = pd.DataFrame(
    {
        "district_id": ["D1"] * 3,
        "student_id": ["s1", "s2", "s5"],
        "crossed_number": [30, 50, 70],
    }
)


def test_lead_times() -> None:
    """Lead = crossing day - the first flag's day: line s1 30-40, s2 50-60; model_cut s1
    30-40, s2 50-20; rules s1 30-20, s5 70-60."""
    lead = {
        s: lead_times(checks(), CROSSINGS, s).set_index("student_id")["lead"].to_dict()
        for s in FLAGS
    }
    assert lead["line"]["s1"] == -10 and lead["line"]["s2"] == -10
    assert math.isnan(lead["line"]["s5"])
    assert lead["rules"]["s1"] == 10 and lead["rules"]["s5"] == 10
    assert math.isnan(lead["rules"]["s2"])
    assert (lead["model_cut"]["s1"], lead["model_cut"]["s2"]) == (-10, 30)


def test_strategy_summary() -> None:
    summary = strategy_summary(checks(), CROSSINGS).set_index("strategy")
    expected = {
        #              flagged caught false  recall precision before median  vs line
        "line": (3, 2, 1, 2 / 3, 2 / 3, 0.0, -10, 0),
        "rules": (3, 2, 1, 2 / 3, 2 / 3, 2 / 3, 10, 20),
        "model_top_k": (2, 1, 1, 1 / 3, 1 / 2, 1 / 3, 10, 20),
        "model_cut": (2, 2, 0, 2 / 3, 1.0, 1 / 3, 10, 20),
        # s2 at day 20 (crossed 50), s5 at day 40 (crossed 70): 30 each; s2 40 before the line.
        "queue": (2, 2, 0, 2 / 3, 1.0, 2 / 3, 30, 40),
    }
    columns = [
        "students_flagged",
        "caught",
        "false_alarms",
        "recall",
        "precision",
        "flagged_before_crossing",
        "median_lead",
        "median_earlier_than_line",
    ]
    for strategy, values in expected.items():
        got = summary.loc[strategy, columns].tolist()
        assert got == pytest.approx(list(values)), strategy
    assert (summary["chronic_students"] == 3).all()


def test_lead_distribution() -> None:
    frame = lead_distribution(checks(), CROSSINGS).set_index("strategy")
    assert frame.loc["line", "the day they crossed or later"] == 2
    assert frame.loc["line", NOT_FLAGGED] == 1
    assert frame.loc["rules", "1-19 days earlier"] == 2
    assert frame.loc["model_cut", "20-39 days earlier"] == 1
    assert frame.loc["model_cut", "the day they crossed or later"] == 1
    assert frame.loc["model_top_k", NOT_FLAGGED] == 2
    assert frame.loc["queue", "20-39 days earlier"] == 2
    assert (frame.sum(axis=1) == 3).all()  # every chronically absent student, once


def test_by_date() -> None:
    """At 1 October: chance [0.9, 0.6, 0.7, 0.1, 0.2] for chronic [1, 1, 0, 0, 1]: of the 6
    (chronic, other) pairs s1 beats both, s2 and s5 beat only s4: AUC 4/6. The line flags only
    s3 (not chronic): precision 0, recall 0."""
    frame = by_date(checks()).set_index("as_of")
    assert frame.loc[D1, "auc"] == pytest.approx(4 / 6)
    assert frame.loc[D1, "students"] == 5
    assert frame.loc[D1, "line_flagged"] == 1
    assert (frame.loc[D1, "line_precision"], frame.loc[D1, "line_recall"]) == (0.0, 0.0)
    y = np.array([1, 1, 0, 0, 1])
    p = np.array([0.9, 0.6, 0.7, 0.1, 0.2])
    assert frame.loc[D1, "brier"] == pytest.approx(float(np.mean((p - y) ** 2)))
    assert frame.loc[D1, "brier_base_rate"] == pytest.approx(0.24)  # 0.6 x 0.4


def test_group_recall_and_spread() -> None:
    """Pooled over the three checks. Black students (s1, s2, both chronic): 6 chronic
    student-dates; the rules flag s1 once: recall 1/6. White (s3, s4, s5; s5 chronic): 3
    chronic student-dates; the rules flag s5 once: 1/3. Spread 1/6 points, over the goal."""
    groups = group_table(checks(), minimum=1).set_index("value")
    assert groups.loc["black", "rules_recall"] == pytest.approx(1 / 6)
    assert groups.loc["white", "rules_recall"] == pytest.approx(1 / 3)
    assert groups.loc["black", "line_recall"] == pytest.approx(3 / 6)  # s1 twice, s2 once
    spreads = recall_spreads(group_table(checks(), minimum=1)).set_index("strategy")
    assert spreads.loc["rules", "spread"] == pytest.approx(1 / 6)
    assert not spreads.loc["rules", "within_goal"]
    assert spreads.loc["rules", "lowest"] == "black"
    suppressed = group_table(checks(), minimum=3).set_index("value")
    assert bool(suppressed.loc["black", "suppressed"])  # 2 students < 3
    assert not bool(suppressed.loc["white", "suppressed"])


# The same students, with the day each crossed the line to stay: s1 dipped back under and
# crossed again on day 45; s2 and s5 stayed over from their first crossing.
SETTLED = CROSSINGS.assign(settled_number=[45, 50, 70])


def test_lead_times_count_to_the_settled_crossing_and_first_on_request() -> None:
    line = lead_times(checks(), SETTLED, "line").set_index("student_id")["lead"]
    assert line["s1"] == 5  # line flagged s1 on day 40, 5 days before it crossed to stay
    first = lead_times(checks(), SETTLED, "line", FIRST).set_index("student_id")["lead"]
    assert first["s1"] == -10
    summary = strategy_summary(checks(), SETTLED).set_index("strategy")
    assert summary.loc["line", "median_lead_first_crossing"] == -10
    assert summary.loc["rules", "false_alarms_per_true_case"] == pytest.approx(1 / 2)
    assert summary.loc["queue", "false_alarms_per_true_case"] == 0


def test_check_leads_per_date_for_the_students_rightly_flagged_that_day() -> None:
    """At D1 the queue flags s2 (day 20, settled 50): lead 30, reached 30 before. The rules
    flag s1 (settled 45: 25) and s3 (not chronic): one true positive, lead 25."""
    frame = check_leads(checks(), SETTLED).set_index(["as_of", "strategy"])
    assert frame.loc[(D1, "queue"), "true_positives"] == 1
    assert frame.loc[(D1, "queue"), "median_lead"] == 30
    assert frame.loc[(D1, "queue"), "reached_30_before"] == 1.0
    assert frame.loc[(D1, "rules"), "true_positives"] == 1
    assert frame.loc[(D1, "rules"), "median_lead"] == 25
    assert frame.loc[(D1, "rules"), "reached_30_before"] == 0.0
    assert frame.loc[(D2, "model_cut"), "median_lead"] == 5  # s1 at day 40, settled 45
    assert math.isnan(frame.loc[(D1, "line"), "median_lead"])  # line flags only s3 at D1


def test_group_recalls_per_date_and_the_gap_between_big_enough_groups() -> None:
    """At D1 the rules flag s1 (black, chronic) and s3 (white, not): black recall 1/2 (s1 of
    s1, s2); white 0 of 1 (s5). At D3 the rules flag s5: black 0, white 1."""
    recalls = group_recalls(checks(), minimum=2)
    rules = recalls[recalls["strategy"] == "rules"].set_index(["date", "value"])
    assert rules.loc[(D1, "black"), "recall"] == 0.5
    assert rules.loc[(D1, "white"), "recall"] == 0.0
    assert rules.loc[(D3, "white"), "recall"] == 1.0
    assert rules.loc[(D1, "white"), "students"] == 3
    assert len(group_recalls(checks(), minimum=3)["value"].unique()) == 1  # black: 2 < 3
    gaps = recall_gaps(recalls, size=2).set_index(["strategy", "date"])
    assert gaps.loc[("rules", D1), "gap"] == 0.5
    assert gaps.loc[("rules", D1), "lowest"] == "white"
    assert not gaps.loc[("rules", D1), "within_goal"]
    assert recall_gaps(recalls, size=3).empty  # only one group of 3 or more


def test_capacity_alternatives_take_the_queue_rank_to_another_capacity() -> None:
    """k = 1 of 5 (capacity 0.2): s2 at every check; k = 2 (0.4): s2 and s5, both chronic,
    recall 2/3 and no false alarm."""
    frame = capacity_alternatives(checks(), [0.2, 0.4], size=1).set_index(["capacity", "as_of"])
    assert frame.loc[(0.2, D1), "flagged"] == 1
    assert frame.loc[(0.2, D1), "recall"] == pytest.approx(1 / 3)
    assert frame.loc[(0.4, D2), "flagged"] == 2
    assert frame.loc[(0.4, D2), "false_alarms"] == 0
    assert frame.loc[(0.4, D2), "precision"] == 1.0
    assert frame.loc[(0.4, D2), "recall"] == pytest.approx(2 / 3)
    # Black: s1 and s2, one reached (1/2); white: s5 reached (1/1): a gap of 50 points.
    assert frame.loc[(0.4, D2), "widest_gap"] == 0.5
    assert frame.loc[(0.4, D2), "widest_gap_column"] == "race_ethnicity"
