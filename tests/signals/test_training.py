"""The model trained on a small synthetic district (1,500 students, school years 2023-2025).

Trained on 2023 and 2024 as of the first of October, December and February, it is tested on
2025, which it never saw. Synthetic data gives each student a steady chance of missing a day,
so the bar here is modest: calibrated (Brier score well under the base rate's; each band of
the reliability table close to what happened) and a useful ranking.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from homeroom.definitions import load_definition
from homeroom.signals.features import FEATURE_NAMES
from homeroom.signals.measures import auc, brier, reliability
from homeroom.signals.model import ChronicModel
from homeroom.signals.training import check_dates, labelled_rows

DEFINITION = load_definition("default")


def test_check_dates_are_the_first_of_each_month() -> None:
    assert check_dates(2025, (9, 12, 1, 3)) == [
        dt.date(2024, 9, 1),
        dt.date(2024, 12, 1),
        dt.date(2025, 1, 1),
        dt.date(2025, 3, 1),
    ]


def test_what_it_learned_from(model: ChronicModel) -> None:
    assert model.years == (2023, 2024)  # every year before the latest (2025)
    assert model.features == FEATURE_NAMES
    assert model.method in ("isotonic", "sigmoid", "logistic")
    assert model.candidates[model.method] == min(model.candidates.values())
    # Nobody has a record two years back of 2023 or 2024 (the data starts in 2023).
    assert model.unused == ("prior2_rate", "prior2_chronic")
    assert model.definition == f"default {DEFINITION.version}"
    assert 0.1 < model.base_rate < 0.5


@pytest.mark.parametrize("as_of", [dt.date(2024, 11, 1), dt.date(2025, 2, 1)])
def test_calibrated_on_a_year_it_never_saw(tables, model: ChronicModel, as_of: dt.date) -> None:
    rows = labelled_rows(tables, DEFINITION, 2025, as_of)
    truth = rows["chronic"].to_numpy()
    chance = model.probability(rows)
    base = brier(truth, np.full(len(truth), model.base_rate))
    assert brier(truth, chance) < 0.7 * base
    assert auc(truth, chance) > 0.85
    table = reliability(truth, chance)
    big = table[table["students"] >= 60]
    assert len(big) >= 2
    # Each band: what happened within three standard errors (plus 2 points) of the chance.
    gap = (big["mean_chance"] - big["ended_chronic"]).abs()
    allowed = 3 * np.sqrt(big["mean_chance"] * (1 - big["mean_chance"]) / big["students"]) + 0.02
    assert (gap <= allowed).all(), table
