"""The evaluation as JSON: the keys other tools build on, and figures that agree with the
evaluation's own tables."""

from __future__ import annotations

import json

import pytest

from homeroom.signals.evaluation import Evaluation
from homeroom.signals.evaluation_report import render

CHECK_KEYS = {"date", "strategy", "auc", "flagged", "true_positives", "false_alarms",
              "precision", "recall"}  # fmt: skip
LEAD_KEYS = {"strategy", "median_school_days", "false_alarms_per_true_case"}
GROUP_KEYS = {"strategy", "date", "column", "value", "students", "recall"}
STRATEGIES = ["wait", "rules", "model", "queue"]


def test_the_contract_keys_and_strategies(evaluation: Evaluation) -> None:
    document = json.loads(render(evaluation, ".json"))
    assert document["test_year"] == 2025 and document["capacity"] == 0.05
    assert {"checks", "lead_time", "groups"} <= set(document)
    checks = document["checks"]
    assert len(checks) == 2 * len(STRATEGIES)  # two check dates
    assert all(set(c) >= CHECK_KEYS for c in checks)
    assert [c["strategy"] for c in checks[:4]] == STRATEGIES
    assert {c["date"] for c in checks} == {"2024-10-01", "2025-01-01"}
    assert all(c["auc"] is None for c in checks if c["strategy"] == "wait")
    assert all(isinstance(c["auc"], float) for c in checks if c["strategy"] != "wait")
    assert [row["strategy"] for row in document["lead_time"]] == STRATEGIES
    assert all(set(row) >= LEAD_KEYS for row in document["lead_time"])
    assert document["groups"] and all(set(g) == GROUP_KEYS for g in document["groups"])
    assert {g["column"] for g in document["groups"]} >= {"race_ethnicity", "sex"}
    assert {g["strategy"] for g in document["groups"]} == set(STRATEGIES)


def test_the_figures_agree_with_the_tables(evaluation: Evaluation) -> None:
    document = json.loads(render(evaluation, ".json"))
    by_date = evaluation.by_date().set_index("as_of")
    for check in document["checks"]:
        assert check["flagged"] == check["true_positives"] + check["false_alarms"]
        if check["flagged"]:
            assert check["precision"] == pytest.approx(check["true_positives"] / check["flagged"])
    queue = [c for c in document["checks"] if c["strategy"] == "queue"]
    k = by_date["k"].tolist()
    assert [c["flagged"] for c in queue] == k  # the queue's first k, like the model's
    summary = evaluation.strategies().set_index("strategy")
    rules = next(r for r in document["lead_time"] if r["strategy"] == "rules")
    assert rules["median_school_days"] == summary.loc["rules", "median_lead"]
    caught = summary.loc["rules", "caught"]
    assert rules["false_alarms_per_true_case"] == pytest.approx(
        summary.loc["rules", "false_alarms"] / caught
    )
    minimum = evaluation.definition.minimum_group_size
    assert min(g["students"] for g in document["groups"]) >= minimum
    assert all(0 <= g["recall"] <= 1 for g in document["groups"] if g["recall"] is not None)
