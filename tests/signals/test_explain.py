"""Explanations worked out by hand with a stand-in model whose log-odds are linear."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from homeroom.signals.explain import NOTHING_STANDS_OUT, contributions, explain_rows
from homeroom.signals.features import FEATURE_NAMES
from homeroom.signals.model import ChronicModel


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


def test_percentages_in_words_are_cut_never_rounded_up():
    """17.5 of 177 days is 9.89%: the words say 9%, not a 10% the student has not reached."""
    from homeroom.signals.explain import _pct

    assert _pct(pd.Series([17.5 / 177, 0.1, 0.149, 0.2])).tolist() == ["9%", "10%", "14%", "20%"]
