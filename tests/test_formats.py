"""formats: one way to write a date and a percentage for every page, report and file."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pandas as pd

from homeroom.formats import date_text, percent_text


def test_dates_read_in_words_whatever_they_come_as():
    for value in (dt.date(2025, 3, 5), dt.datetime(2025, 3, 5, 14), "2025-03-05"):
        assert date_text(value) == "5 March 2025"
    assert date_text(pd.Timestamp("2025-03-05")) == "5 March 2025"
    assert date_text(None) == date_text("") == date_text(pd.NaT) == "—"


def test_a_percentage_never_crosses_the_cut_of_the_label_beside_it():
    at_risk = 17.55 / 176  # 9.97%
    assert percent_text(at_risk) == "10.0%"
    assert percent_text(at_risk, (Fraction(1, 10),)) == "9.9%"
    # On the other side: exactly the cut stays at it; just above is not pulled down.
    assert percent_text(0.1, (Fraction(1, 10),)) == "10.0%"
    assert percent_text(0.19999, (0.2,)) == "19.9%"
    assert percent_text(None) == percent_text(float("nan")) == "—"
