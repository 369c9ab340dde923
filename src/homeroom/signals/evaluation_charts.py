"""The evaluation report's charts: shares as horizontal bars, drawn the way every report draws.

Each chart is a Vega-Lite spec (Altair) drawn to accessible inline SVG by the reports' one
renderer (`homeroom.reports.vega`), in the reports' one colour-blind-safe palette
(`homeroom.reports.palette`), with its numbers as a table for readers who cannot see it.
Every bar carries its value as text, so nothing is told by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd

from homeroom.reports.chart_data import Chart, Table
from homeroom.reports.palette import (
    BAR_COLOR,
    CURRENT_YEAR_COLOR,
    INK,
    LEVEL_COLORS,
    MUTED,
    NOT_RATED_COLOR,
    OUTLINE,
)
from homeroom.reports.vega import vega_chart

# One colour per strategy, from the palette: grey for waiting (no early warning), the purple of
# the rate bars for the rules, Okabe-Ito blue and PuOr's orange for the model's two lists.
STRATEGY_COLORS = {
    "line": NOT_RATED_COLOR,
    "rules": BAR_COLOR,
    "model_top_k": CURRENT_YEAR_COLOR,
    "model_cut": LEVEL_COLORS["high"],
    "queue": LEVEL_COLORS["extreme"],
}
MODEL_COLOR = CURRENT_YEAR_COLOR
BAR_WIDTH = 400  # px of the bars; the labels take the rest of a printed page's width
LABEL_LIMIT = 300


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # a share 0..1; None draws no bar (suppressed or no data)
    text: str  # the value as printed after the bar, e.g. "27.3%"
    color: str = BAR_COLOR


def share_bars(chart_id: str, title: str, bars: Sequence[Bar], *, what: str) -> Chart:
    """One horizontal bar per row on a 0-100% scale, its value written after it.

    `what` names the value, for the axis and the table ("Flagged before crossing").
    """
    if not bars:
        raise ValueError("share_bars needs at least one bar")
    order = [b.label for b in bars]
    frame = pd.DataFrame(
        {
            "label": order,
            "value": [b.value for b in bars],
            "text": [b.text for b in bars],
            "shown": [b.value is not None for b in bars],
            "color": [b.color for b in bars],
        }
    )
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    x = alt.X(
        "value:Q",
        title=what,
        scale=alt.Scale(domain=[0, 1.18], nice=False),
        axis=alt.Axis(format=".0%", values=[0, 0.25, 0.5, 0.75, 1]),
    )
    shown = alt.Chart(frame).transform_filter(alt.datum.shown)
    bars_layer = shown.mark_bar(stroke=OUTLINE, strokeWidth=0.6, height={"band": 0.7}).encode(
        x=x, y=y, color=alt.Color("color:N", scale=None, legend=None)
    )
    values = shown.mark_text(align="left", dx=4, fontSize=11, color=INK).encode(
        x=x, y=y, text="text:N"
    )
    missing = (
        alt.Chart(frame)
        .transform_filter("!datum.shown")
        .transform_calculate(zero="0")
        .mark_text(align="left", dx=2, fontSize=11, fontStyle="italic", color=MUTED)
        .encode(
            x=alt.X("zero:Q", scale=alt.Scale(domain=[0, 1.18], nice=False)), y=y, text="text:N"
        )
    )
    chart = alt.layer(bars_layer, values, missing).properties(
        width=BAR_WIDTH, height=max(60, 24 * len(bars))
    )
    table = Table(title, ("", what), tuple((b.label, b.text) for b in bars), (False, True))
    return vega_chart(chart_id, title, _sentence(bars), chart, table)


def _sentence(bars: Sequence[Bar]) -> str:
    """The chart in words: every bar's label and value (there are a handful)."""
    return "; ".join(f"{b.label}: {b.text}" for b in bars) + "."
