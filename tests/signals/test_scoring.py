"""Scoring the students enrolled on a date with the model trained on the synthetic district."""

from __future__ import annotations

import datetime as dt
import math

from homeroom.definitions import load_definition
from homeroom.signals.model import ChronicModel
from homeroom.signals.scoring import score

DEFINITION = load_definition("default")


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
