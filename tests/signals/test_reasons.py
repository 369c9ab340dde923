"""How reasons write their numbers: exact days, percentages cut (never rounded up), dates."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pandas as pd

from homeroom.signals.reasons import (
    Texts,
    amount_text,
    days_text,
    percent_text,
    plural,
    share_text,
    year_text,
)


def test_days_and_percentages_from_exact_units() -> None:
    assert (days_text(6, 2), days_text(5, 2), days_text(1, 3)) == ("3", "2.5", "0.33")
    # 17.55 of 176 days is 9.97%: cut to 9.9%, never shown as 10%.
    assert percent_text(1755, 17600, 1) == "9.9%"
    assert percent_text(10, 50, 2) == "10%"
    assert (share_text(Fraction(1, 10)), share_text(Fraction(3, 40))) == ("10%", "7.5%")
    assert (amount_text(Fraction(2)), amount_text(Fraction(5, 2))) == ("2", "2.5")
    assert year_text(2025) == "2024-25"
    assert (plural("1"), plural("2"), plural("0.5")) == ("", "s", "s")


def test_dates_read_as_on_every_page() -> None:
    # One formatter for every page, report and file (homeroom.formats.date_text).
    frame = pd.DataFrame({"day": [dt.date(2025, 3, 5), dt.date(2024, 9, 26), None]})
    assert Texts(frame, 2).dates("day") == ["5 March 2025", "26 September 2024", ""]


def test_each_distinct_value_is_written_once_per_column() -> None:
    frame = pd.DataFrame({"units": [4, 4, 3], "days": [10, 10, 10], "school_year": [2025] * 3})
    texts = Texts(frame, 2)
    assert texts.days("units") == ["2", "2", "1.5"]
    assert texts.percent("units", "days") == ["20%", "20%", "15%"]
    assert texts.years_before("school_year") == ["2023-24"] * 3
