"""What the evaluation report says, in words: strategies, capacities, numbers and dates."""

from __future__ import annotations

import datetime as dt
import math

from homeroom.signals.evaluation import Evaluation
from homeroom.signals.evaluation_content import (
    capacity_words,
    date_words,
    headline,
    num,
    pct,
    strategy_label,
    strategy_lines,
    strategy_name,
)
from homeroom.signals.evaluation_tables import STRATEGIES


def test_numbers_and_dates_in_words() -> None:
    assert (capacity_words(0.05), capacity_words(0.05, short=True)) == ("5% of students", "5%")
    assert (capacity_words(200), capacity_words(1500, short=True)) == ("200 students", "1,500")
    assert (num(0.91234), num(math.nan)) == ("0.912", "—")
    assert pct(math.nan) == "—"
    assert date_words(dt.date(2024, 11, 1)) == "1 November 2024"  # as on every page


def test_the_strategies_in_words(evaluation: Evaluation) -> None:
    names = [strategy_name(evaluation, s) for s in STRATEGIES]
    assert names == [
        "Waiting for the line",
        "The rules",
        "Model: top 5%",
        "Queue: first 5%",
        "Model: chance ≥ 50%",
    ]
    assert strategy_label(evaluation, "line").startswith("Waiting for the line (10% of days")
    lines = strategy_lines(evaluation)
    assert len(lines) == 5 and all(line.endswith(".") for line in lines)
    said = headline(evaluation)
    assert said[0].startswith("Of the ") and "1 October 2024 to 1 January 2025" in said[0]
    assert len(said) == 6 and said[-1].endswith(".")
