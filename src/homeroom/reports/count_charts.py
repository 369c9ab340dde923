"""Counts as bars: students per tier and schools (or districts) per level, each bar labelled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from homeroom.formats import percent_text
from homeroom.reports import chart_text, labels
from homeroom.reports.chart_data import Chart, Table
from homeroom.reports.palette import INK, LEVEL_COLORS, NOT_RATED_COLOR, OUTLINE, TIER_COLORS
from homeroom.reports.summary import LevelCount, TierShare
from homeroom.reports.vega import vega_chart

BAR_WIDTH = 440  # drawing width of bar charts, px (a Letter page holds about 680)
LABEL_LIMIT = 280  # px of a bar's label before it is cut with "…"


def tier_chart(
    tiers: Sequence[TierShare],
    *,
    chart_id: str = "tiers",
    title: str = "Eligible students by tier",
) -> Chart:
    """Students in each tier as horizontal bars, each labelled with its count and share."""
    order = [t.label for t in tiers]
    frame = pd.DataFrame(
        [
            {
                "tier": t.label,
                "count": t.count,
                "text": f"{labels.count(t.count)} ({percent_text(t.share)})",
            }
            for t in tiers
        ]
    )
    colors = [TIER_COLORS.get(t.tier, NOT_RATED_COLOR) for t in tiers]
    chart = _count_bars(frame, "tier", order, colors, "Students")
    total = sum(t.count for t in tiers)
    parts = [f"{labels.count(t.count)} ({percent_text(t.share)}) {t.label.lower()}" for t in tiers]
    desc = f"Of {labels.count(total)} eligible students, {chart_text.joined(parts)}."
    table = Table(
        title,
        ("Tier", "Students", "Share of eligible students"),
        tuple((t.label, labels.count(t.count), percent_text(t.share)) for t in tiers),
        (False, True, True),
    )
    return vega_chart(chart_id, title, desc, chart, table)


def level_chart(
    levels: Sequence[LevelCount],
    *,
    noun: str = "schools",
    chart_id: str = "levels",
    title: str | None = None,
) -> Chart:
    """How many schools (or districts) are at each level, low to extreme, plus any not rated."""
    order = [c.label for c in levels]
    frame = pd.DataFrame(
        [{"level": c.label, "count": c.count, "text": labels.count(c.count)} for c in levels]
    )
    colors = [LEVEL_COLORS.get(c.level or "", NOT_RATED_COLOR) for c in levels]
    chart = _count_bars(frame, "level", order, colors, noun.capitalize())
    heading = title or f"{noun.capitalize()} by level of chronic absence"
    total = sum(c.count for c in levels)
    parts = [f"{labels.count(c.count)} {c.label.lower()}" for c in levels]
    desc = f"Of {labels.count(total)} {noun}: {chart_text.joined(parts)}."
    table = Table(
        heading,
        ("Level", noun.capitalize()),
        tuple((c.label, labels.count(c.count)) for c in levels),
        (False, True),
    )
    return vega_chart(chart_id, heading, desc, chart, table)


def _count_bars(
    frame: pd.DataFrame, field: str, order: list[str], colors: list[str], noun: str
) -> Any:
    most = max(1, int(frame["count"].max()))
    top = most * 1.35  # room for the labels beside the bars
    y = alt.Y(
        f"{field}:N",
        sort=order,
        scale=alt.Scale(domain=order),
        title=None,
        axis=alt.Axis(labelLimit=LABEL_LIMIT),
    )
    x = alt.X(
        "count:Q",
        title=noun,
        scale=alt.Scale(domain=[0, top], nice=False),
        axis=alt.Axis(format=",d", values=_whole_ticks(most)),
    )
    bars = (
        alt.Chart(frame, name="bars")
        .mark_bar(stroke=OUTLINE, strokeWidth=0.6, height={"band": 0.7})
        .encode(
            x=x,
            y=y,
            color=alt.Color(f"{field}:N", scale=alt.Scale(domain=order, range=colors), legend=None),
        )
    )
    text = (
        alt.Chart(frame, name="values")
        .mark_text(align="left", dx=4, fontSize=11, color=INK)
        .encode(x=x, y=y, text="text:N")
    )
    return alt.layer(bars, text).properties(width=BAR_WIDTH, height=max(60, 26 * len(order)))


def _whole_ticks(most: int) -> list[int]:
    """Whole-number ticks from 0 in steps of 1, 2, 5, 10, 20, 50, ...: at most 6 of them."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if most // step <= 5:
                return list(range(0, most + 1, step))
        magnitude *= 10
