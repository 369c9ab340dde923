"""chart_text: the sentences and tables of the charts: dates in words, and a rate shown beside a
line or a tier never on the wrong side of it."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from homeroom.reports import chart_text
from homeroom.reports.chart_data import RunningRate, TierSnapshot

TIER_CUTS = (Fraction(1, 20), Fraction(1, 10), Fraction(1, 5))
AT_RISK = 17.55 / 176  # 9.97%: at risk under a 10% line


def test_a_rate_beside_its_tier_never_rounds_across_the_cut():
    rows = [TierSnapshot(dt.date(2025, 3, 5), "at_risk", AT_RISK)]
    table = chart_text.tier_history_table(rows, "Tier", TIER_CUTS)
    assert table.rows == (("5 March 2025", "At risk", "9.9%"),)
    # Without the cut points it would round to the chronic side.
    assert chart_text.tier_history_table(rows, "Tier").rows[0][2] == "10.0%"


def test_the_running_rate_stays_below_the_line_it_is_below():
    points = [RunningRate(dt.date(2025, 3, 4), 0.05), RunningRate(dt.date(2025, 3, 5), AT_RISK)]
    sentence = chart_text.running_sentence(points, 0.10)
    assert sentence.startswith("The absence rate was 9.9% on 5 March 2025, after 2 membership")
    assert "below the 10% line (highest 9.9% on 5 March 2025)" in sentence
    table = chart_text.running_table(points, "Rate", 0.10)
    assert table.rows == (("5 March 2025", "2", "9.9%"),)


def test_dates_read_in_words():
    rows = [
        TierSnapshot(dt.date(2024, 9, 30), "satisfactory", 0.03),
        TierSnapshot(dt.date(2024, 10, 31), "at_risk", 0.06),
    ]
    assert chart_text.tier_history_sentence(rows) == (
        "Satisfactory on 30 September 2024 and at risk from 31 October 2024 "
        "(2 snapshots to 31 October 2024)."
    )
