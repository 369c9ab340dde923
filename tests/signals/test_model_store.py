"""A model saved in a workspace and loaded back only when its hash and name check out."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from homeroom.definitions import load_definition
from homeroom.signals.model import ChronicModel, ModelError
from homeroom.signals.model_store import load_model, save_model
from homeroom.signals.training import labelled_rows

DEFINITION = load_definition("default")


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
