"""What a trained model is: its chance, its metadata, and the definition it belongs to."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from homeroom.definitions import load_definition
from homeroom.signals.model import ChronicModel, ModelError, check_definition
from homeroom.signals.scoring import score
from homeroom.signals.training import labelled_rows

DEFINITION = load_definition("default")


def test_the_chance_and_the_metadata(tables, model: ChronicModel) -> None:
    rows = labelled_rows(tables, DEFINITION, 2025, dt.date(2024, 11, 1))
    chance = model.probability(rows)
    assert ((chance >= 0) & (chance <= 1)).all()
    assert np.isfinite(model.log_odds(rows)).all()
    meta = model.metadata()
    assert "estimator" not in meta and "raw" not in meta
    assert meta["years"] == [2023, 2024] and meta["definition"] == model.definition
    check_definition(model, DEFINITION)  # its own definition: no error


def test_refuses_another_definition(tables, model: ChronicModel) -> None:
    with pytest.raises(ModelError, match="edfacts"):
        score(tables, load_definition("edfacts"), dt.date(2024, 12, 2), model)
