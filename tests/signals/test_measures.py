"""The evaluation's measures on small examples worked out by hand: AUC, top k, precision and
recall, the reliability table, the Brier score and the lead-time bands."""

from __future__ import annotations

import math

import pytest

from homeroom.signals.measures import (
    NOT_FLAGGED,
    auc,
    brier,
    capacity_k,
    lead_band,
    precision_recall,
    reliability,
    top_k,
)


# -- the measures ----------------------------------------------------------------------------------
def test_auc_counts_ties_as_half() -> None:
    """Pairs (chronic, not): (0.8, 0.8) a tie = 1/2, (0.8, 0.1) = 1, (0.3, 0.8) = 0,
    (0.3, 0.1) = 1: 2.5 of 4."""
    assert auc([1, 0, 1, 0], [0.8, 0.8, 0.3, 0.1]) == pytest.approx(0.625)
    assert auc([1, 1, 0], [0.9, 0.8, 0.1]) == 1.0
    assert math.isnan(auc([1, 1], [0.2, 0.3]))  # no student who did not end chronic


def test_top_k_breaks_ties_by_student_id() -> None:
    mask = top_k([0.5, 0.9, 0.5, 0.1], 2, ["c", "a", "b", "d"])
    assert mask.tolist() == [False, True, True, False]
    assert top_k([0.5, 0.9], 5).tolist() == [True, True]
    assert capacity_k(19_657, 0.05) == 983  # 982.85, rounded up
    assert capacity_k(19_657, 400) == 400  # a number of students


def test_precision_and_recall() -> None:
    """Flagged: students 1, 2, 3; chronic: 1, 3, 4. Hits 2: precision 2/3, recall 2/3."""
    truth = [True, False, True, True, False]
    flagged = [True, True, True, False, False]
    assert precision_recall(truth, flagged) == pytest.approx((2 / 3, 2 / 3))
    precision, recall = precision_recall(truth, [False] * 5)
    assert math.isnan(precision) and recall == 0


def test_reliability_table() -> None:
    table = reliability([0, 1, 0, 1], [0.05, 0.15, 0.15, 0.95])
    assert len(table) == 10
    rows = table.set_index("chance")
    assert rows.loc["0-10%"].tolist() == [1, 0.05, 0.0]
    assert rows.loc["10-20%"].tolist() == [2, pytest.approx(0.15), 0.5]
    assert rows.loc["90-100%"].tolist() == [1, 0.95, 1.0]
    assert rows.loc["50-60%", "students"] == 0


def test_brier_and_lead_bands() -> None:
    assert brier([1, 0], [1.0, 0.0]) == 0
    assert brier([True, False, True, False], [0.5, 0.5, 1.0, 0.0]) == pytest.approx(0.125)
    assert lead_band(45) == "40 or more school days earlier"
    assert lead_band(20) == "20-39 days earlier"
    assert lead_band(1) == "1-19 days earlier"
    assert lead_band(0) == lead_band(-12) == "the day they crossed or later"
    assert lead_band(math.nan) == NOT_FLAGGED
