"""The evaluation's bar charts: drawn by the reports' renderer, in the palette, with a table."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from homeroom.reports import palette
from homeroom.signals.evaluation_charts import STRATEGY_COLORS, Bar, share_bars


def test_every_strategy_colour_is_from_the_palette() -> None:
    known = {
        palette.BAR_COLOR,
        palette.CURRENT_YEAR_COLOR,
        palette.NOT_RATED_COLOR,
        *palette.LEVEL_COLORS.values(),
        *palette.TIER_COLORS.values(),
    }
    assert set(STRATEGY_COLORS) == {"line", "rules", "model_top_k", "queue", "model_cut"}
    assert set(STRATEGY_COLORS.values()) <= known
    assert len(set(STRATEGY_COLORS.values())) == 5  # one colour each


def test_share_bars() -> None:
    bars = [
        Bar("The rules", 0.58, "58.0%", STRATEGY_COLORS["rules"]),
        Bar("Waiting for <the> line", 0.0, "0.0%", STRATEGY_COLORS["line"]),
        Bar("Nobody", None, "—"),
    ]
    chart = share_bars("before", "Flagged before crossing", bars, what="Flagged before crossing")
    svg = ET.fromstring(chart.svg)
    assert svg.get("role") == "img" and svg.get("id") == "before"
    assert chart.desc == "The rules: 58.0%; Waiting for <the> line: 0.0%; Nobody: —."
    assert chart.table.rows == (
        ("The rules", "58.0%"),
        ("Waiting for <the> line", "0.0%"),
        ("Nobody", "—"),
    )
    texts = {e.text for e in svg.iter() if e.tag.rpartition("}")[2] == "text"}
    assert {"58.0%", "0.0%", "—"} <= texts  # every value written, not told by colour alone
    figure = chart.figure()
    assert "Waiting for &lt;the&gt; line" in figure and "<the>" not in figure
    with pytest.raises(ValueError, match="at least one bar"):
        share_bars("empty", "Nothing", [], what="Share")
