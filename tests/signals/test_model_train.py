"""The model trained on a small synthetic district (1,500 students, school years 2023-2025).

Trained on 2023 and 2024 as of the first of October, December and February, it is tested on
2025, which it never saw. Synthetic data gives each student a steady chance of missing a day,
so the bar here is modest: calibrated (Brier score well under the base rate's; each band of
the reliability table close to what happened) and a useful ranking.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from homeroom.definitions import load_definition
from homeroom.signals.evaluation import auc, reliability
from homeroom.signals.features import FEATURE_NAMES
from homeroom.signals.model import (
    NOTHING_STANDS_OUT,
    ChronicModel,
    ModelError,
    brier,
    contributions,
    explain_rows,
    labelled_rows,
    load_model,
    save_model,
    score,
    train,
)
from signals.model_district import synthetic_tables

DEFINITION = load_definition("default")
MONTHS = (10, 12, 2)


@pytest.fixture(scope="module")
def tables():
    tables, con = synthetic_tables(DEFINITION)
    yield tables
    con.close()


@pytest.fixture(scope="module")
def model(tables) -> ChronicModel:
    return train(tables, DEFINITION, months=MONTHS, threads=1)


def test_what_it_learned_from(model: ChronicModel) -> None:
    assert model.years == (2023, 2024)  # every year before the latest (2025)
    assert model.features == FEATURE_NAMES
    assert model.method in ("isotonic", "sigmoid", "logistic")
    assert model.candidates[model.method] == min(model.candidates.values())
    # Nobody has a record two years back of 2023 or 2024 (the data starts in 2023).
    assert model.unused == ("prior2_rate", "prior2_chronic")
    assert model.definition == "default 2026.1"
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


def test_score(tables, model: ChronicModel) -> None:
    as_of = dt.date(2024, 12, 2)
    frame = score(tables, DEFINITION, as_of, model, threads=1)
    assert list(frame.columns[:4]) == ["student_id", "school_id", "probability", "top_factors"]
    assert frame["probability"].is_monotonic_decreasing
    assert frame["probability"].between(0, 1).all()
    assert not frame["student_id"].duplicated().any()
    top = frame.iloc[0]
    phrases = top["top_factors"].split("; ")
    assert 1 <= len(phrases) <= 3
    assert any("this year" in p or "last 20 school days" in p for p in phrases)
    assert (frame["top_factors"].str.count("; ") <= 2).all()
    assert not frame["top_factors"].str.contains("nan").any()
    # Explaining only the top 10%: the rest have no words.
    part = score(tables, DEFINITION, as_of, model, explain=0.1, threads=1)
    explained = part["top_factors"] != ""
    assert explained.sum() == math.ceil(0.1 * len(part))
    assert explained.iloc[: explained.sum()].all()
    assert part["top_factors"].iloc[0] == top["top_factors"]


def test_saved_and_loaded_from_the_workspace(tmp_path, tables, model: ChronicModel) -> None:
    path = save_model(model, tmp_path)
    assert path == tmp_path / "models" / "chronic.joblib"
    loaded = load_model(tmp_path)
    rows = labelled_rows(tables, DEFINITION, 2025, dt.date(2024, 11, 1))
    assert np.array_equal(loaded.probability(rows), model.probability(rows))
    assert loaded.metadata() == model.metadata()
    with pytest.raises(ModelError, match="name"):
        load_model(tmp_path, "../elsewhere")
    with pytest.raises(ModelError, match="no model named"):
        load_model(tmp_path, "other")
    path.write_bytes(path.read_bytes() + b"\0")  # changed after saving: refused
    with pytest.raises(ModelError, match="hash"):
        load_model(tmp_path)


def test_refuses_another_definition(tables, model: ChronicModel) -> None:
    with pytest.raises(ModelError, match="edfacts"):
        score(tables, load_definition("edfacts"), dt.date(2024, 12, 2), model)


class LinearRaw:
    """A stand-in model whose log-odds are 2 x last year's chronic flag + 10 x this year's
    rate, so each factor's contribution can be worked out by hand."""

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        prior = np.nan_to_num(x[:, FEATURE_NAMES.index("prior_chronic")])
        return 2.0 * prior + 10.0 * x[:, FEATURE_NAMES.index("absence_rate")]


def test_explanations_by_hand(model: ChronicModel) -> None:
    """Four students; the typical (median) rate is 0.10 and last year's flag 0. Student a: rate
    0.15, chronic last year (15%): this year adds 10 x 0.05 = 0.5, last year 2 x 1 = 2 - so last
    year comes first. Student b: rate 0.05, not chronic: both lower the odds, nothing stands
    out. Student c: rate 0.30, no record last year: this year adds 2.0, the missing year
    nothing. Student d is like b."""
    stub = dataclasses.replace(model, raw=LinearRaw())
    rows = pd.DataFrame([{name: 0.0 for name in FEATURE_NAMES} for _ in range(4)])
    rows["absence_rate"] = [0.15, 0.05, 0.30, 0.05]
    rows["days_absent"] = [6.0, 2.0, 12.0, 2.0]
    rows["days_enrolled"] = [40.0, 40.0, 40.0, 40.0]
    rows["prior_chronic"] = [1.0, 0.0, np.nan, 0.0]
    rows["prior_rate"] = [0.15, 0.02, np.nan, 0.03]
    parts = contributions(stub, rows)
    assert parts.loc[0, "prior_year"] == pytest.approx(2.0)
    assert parts.loc[0, "this_year"] == pytest.approx(0.5)
    assert parts.loc[1, "this_year"] == pytest.approx(-0.5)
    assert parts.loc[2, "this_year"] == pytest.approx(2.0)
    assert parts.loc[2, "prior_year"] == pytest.approx(0.0)
    words = explain_rows(stub, rows)
    assert words[0] == "chronically absent last year (15%); absent 6 of 40 days this year (15%)"
    assert words[1] == NOTHING_STANDS_OUT
    assert words[2] == "absent 12 of 40 days this year (30%)"
