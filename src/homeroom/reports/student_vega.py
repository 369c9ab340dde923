"""A student's year as Vega-Lite charts: the calendar, the running rate and the tier history.

The student page draws the hand-written versions (student_charts.py: same inputs, sentences and
tables, a millisecond each); these are the reference drawings, used by the benchmarks and kept
in step with them by the tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from homeroom.definitions.profile import TIERS
from homeroom.formats import date_text, percent_text
from homeroom.metrics.months import last_of_month
from homeroom.reports import chart_text, labels
from homeroom.reports.chart_data import CalendarDay, Chart, RunningRate, TierSnapshot
from homeroom.reports.chart_text import Cuts
from homeroom.reports.palette import (
    CURRENT_YEAR_COLOR,
    DAY_COLORS,
    DAY_LABELS,
    INK,
    MONTHS,
    MUTED,
    OUTLINE,
    TIER_COLORS,
    WEEKDAYS,
)
from homeroom.reports.vega import Cells, render, vega_chart

LINE_WIDTH = 540  # drawing width of line charts


def calendar_heatmap(
    days: Sequence[CalendarDay],
    *,
    title: str = "Attendance calendar",
    chart_id: str = "calendar",
) -> Chart:
    """A school year as a calendar: a block of weeks x weekdays per month, like a contribution
    chart. Cells are coloured by the absent amount (present, partly absent, absent); dates that
    are not membership days are pale grey; each cell's <title> gives its date and category.

    Every weekday of the months the days span gets a cell; Saturday and Sunday rows appear only
    when a membership day falls on one.
    """
    if not days:
        raise ValueError("calendar_heatmap needs at least one day")
    given = {d.date: d for d in days}
    first, last = min(given), max(given)
    weekend = any(d.membership and d.date.weekday() >= 5 for d in days)
    weekdays = WEEKDAYS if weekend else WEEKDAYS[:5]
    frame, kinds = _calendar_cells(given, first, last, len(weekdays))
    chart = _calendar_spec(frame, list(weekdays))
    member = [d for d in days if d.membership]
    desc = chart_text.calendar_sentence(member, first, last)
    table = chart_text.calendar_table(member, title)
    svg_text = render(chart, chart_id, title, desc, calendar=kinds)
    return Chart(chart_id, title, desc, svg_text, table)


def _calendar_cells(
    given: dict[dt.date, CalendarDay], first: dt.date, last: dt.date, weekdays: int
) -> tuple[pd.DataFrame, Cells]:
    """A row per cell, and each cell's kind and ISO date by its description."""
    cells = []
    kinds: Cells = {}
    day = first.replace(day=1)
    end = last_of_month(last)
    while day <= end:
        if day.weekday() < weekdays:
            kind, text = chart_text.day_kind(given.get(day))
            words = f"{date_text(day)} ({day:%a}): {text}"
            kinds[words] = (kind, day.isoformat())
            cells.append(
                {
                    "month": f"{MONTHS[day.month - 1]} {day.year}",
                    "week": (day.day - 1 + day.replace(day=1).weekday()) // 7,
                    "weekday": WEEKDAYS[day.weekday()],
                    "kind": DAY_LABELS[kind],
                    "description": words,
                }
            )
        day += dt.timedelta(days=1)
    return pd.DataFrame(cells), kinds


def _calendar_spec(frame: pd.DataFrame, weekdays: list[str]) -> Any:
    month_order = list(dict.fromkeys(frame["month"]))
    legend_order = [DAY_LABELS[k] for k in DAY_COLORS]
    return (
        alt.Chart(frame, name="days")
        .mark_rect(stroke="#ffffff", strokeWidth=1.5, aria=True)
        .encode(
            x=alt.X("week:O", axis=None, scale=alt.Scale(domain=list(range(6)))),
            y=alt.Y(
                "weekday:O",
                sort=weekdays,
                scale=alt.Scale(domain=weekdays),
                title=None,
                axis=alt.Axis(labelFontSize=9, ticks=False, domain=False, labelPadding=2),
            ),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=legend_order, range=list(DAY_COLORS.values())),
                legend=alt.Legend(
                    orient="bottom", symbolType="square", symbolStrokeColor=MUTED, labelLimit=400
                ),
            ),
            description="description:N",
        )
        .properties(width=6 * 13, height=len(weekdays) * 13)
        .facet(
            facet=alt.Facet(
                "month:N",
                sort=month_order,
                title=None,
                header=alt.Header(labelFontSize=11, labelColor=INK, labelPadding=3),
            ),
            columns=6,
            spacing={"row": 8, "column": 10},
        )
    )


def running_rate_chart(
    points: Sequence[RunningRate],
    *,
    threshold: float | None = 0.10,
    threshold_label: str | None = None,
    title: str = "Absence rate so far this year",
    chart_id: str = "running-rate",
) -> Chart:
    """The running absence rate at each membership day, with the threshold as a dashed line."""
    if not points:
        raise ValueError("running_rate_chart needs at least one day")
    frame = pd.DataFrame([{"date": p.date.isoformat(), "rate": p.rate} for p in points])
    top = min(1.0, max([p.rate for p in points] + [threshold or 0.0, 0.05]) * 1.15)
    x = alt.X(
        "date:T",
        title=None,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%b", tickCount="month", labelAngle=0),
    )
    y = alt.Y(
        "rate:Q",
        title="Days absent / days enrolled",
        scale=alt.Scale(domain=[0, top], nice=False),
        axis=alt.Axis(format=".0%", tickCount=5),
    )
    line = alt.Chart(frame, name="rate").mark_line(color=CURRENT_YEAR_COLOR, strokeWidth=2.5)
    layers: list[Any] = [line.encode(x=x, y=y)]
    if threshold is not None:
        label = threshold_label or f"Chronic absence: {chart_text.share_text(threshold)}"
        layers += _threshold_layers(threshold, label, top)
    chart = alt.layer(*layers).properties(width=LINE_WIDTH, height=200)
    desc = chart_text.running_sentence(points, threshold)
    table = chart_text.running_table(points, title, threshold)
    return vega_chart(chart_id, title, desc, chart, table)


def _threshold_layers(threshold: float, label: str, top: float) -> list[Any]:
    rule = pd.DataFrame([{"value": threshold, "text": label}])
    ry = alt.Y("value:Q", scale=alt.Scale(domain=[0, top], nice=False))
    return [
        alt.Chart(rule, name="threshold")
        .mark_rule(color=TIER_COLORS["severe_chronic"], strokeDash=[6, 4], strokeWidth=2)
        .encode(y=ry),
        alt.Chart(rule, name="threshold_label")
        .mark_text(align="right", baseline="bottom", dy=-3, x="width", fontSize=11, color=INK)
        .encode(y=ry, text="text:N"),
    ]


def tier_history_chart(
    snapshots: Sequence[TierSnapshot],
    *,
    title: str = "Tier at each snapshot",
    chart_id: str = "tier-history",
    cuts: Cuts = (),
) -> Chart:
    """A student's tier at each snapshot date as a step line over the tiers, points coloured
    by tier. `cuts` (the definition's tier cut points) keep each rate on its tier's side."""
    if not snapshots:
        raise ValueError("tier_history_chart needs at least one snapshot")
    order = [labels.tier_label(t) for t in TIERS]
    rows = sorted(snapshots, key=lambda s: s.date)
    frame = pd.DataFrame(
        [
            {
                "date": s.date.isoformat(),
                "tier": labels.tier_label(s.tier),
                "rate": percent_text(s.rate, cuts),
            }
            for s in rows
            if s.tier is not None
        ]
    )
    x = alt.X(
        "date:T",
        title=None,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount="month"),
    )
    lanes = list(reversed(order))
    y = alt.Y("tier:N", sort=lanes, scale=alt.Scale(domain=lanes), title=None)
    color = alt.Color(
        "tier:N", scale=alt.Scale(domain=order, range=[TIER_COLORS[t] for t in TIERS]), legend=None
    )
    step = (
        alt.Chart(frame, name="steps")
        .mark_line(interpolate="step-after", color=MUTED, strokeWidth=1.5)
        .encode(x=x, y=y)
    )
    dots = (
        alt.Chart(frame, name="tiers")
        .mark_point(filled=True, size=90, stroke=OUTLINE, strokeWidth=0.8, opacity=1)
        .encode(x=x, y=y, color=color)
    )
    chart = alt.layer(step, dots).properties(width=LINE_WIDTH, height=140)
    desc = chart_text.tier_history_sentence(rows)
    table = chart_text.tier_history_table(rows, title, cuts)
    return vega_chart(chart_id, title, desc, chart, table)
