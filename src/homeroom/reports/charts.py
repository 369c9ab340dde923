"""The report's charts as accessible SVG strings: Vega-Lite specs (Altair) drawn by vl-convert.

Each function takes plain data (chart_data's dataclasses, or the Summary's own) and returns a
`Chart`: the SVG (no scripts, no links, nothing fetched), the sentence that says what it shows,
and the same numbers as a plain table for readers who cannot see the picture. Colours are the
one palette (reports/palette.py); each mark also has a text label or outline, so nothing is told
by colour alone.

This module is also the charts' front door: the inputs, `Chart`, the palette, the count charts
(count_charts.py) and the student charts (student_vega.py) are importable from here, as pages
and benchmarks do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from homeroom.formats import percent_text
from homeroom.reports import chart_text, labels
from homeroom.reports.chart_data import (
    CalendarDay,
    Chart,
    MonthRate,
    RateRow,
    Reference,
    RunningRate,
    Table,
    TierSnapshot,
)
from homeroom.reports.chart_text import Cuts
from homeroom.reports.count_charts import level_chart, tier_chart
from homeroom.reports.groups import COMPLEMENTARY, GroupTable
from homeroom.reports.palette import (
    BAR_COLOR,
    CURRENT_YEAR_COLOR,
    DAY_COLORS,
    DAY_LABELS,
    INK,
    LEVEL_COLORS,
    MONTH_NAMES,
    MONTHS,
    MUTED,
    OUTLINE,
    PRIOR_YEAR_COLORS,
    PRIOR_YEAR_DASHES,
    SCHOOL_MONTHS,
    TIER_COLORS,
    WEEKDAYS,
)
from homeroom.reports.student_vega import calendar_heatmap, running_rate_chart, tier_history_chart
from homeroom.reports.summary import UnitRow
from homeroom.reports.vega import SVG_NS, vega_chart

__all__ = [
    "DAY_COLORS",
    "DAY_LABELS",
    "LEVEL_COLORS",
    "MONTH_NAMES",
    "MONTHS",
    "OUTLINE",
    "SCHOOL_MONTHS",
    "SVG_NS",
    "TIER_COLORS",
    "WEEKDAYS",
    "CalendarDay",
    "Chart",
    "MonthRate",
    "RateRow",
    "Reference",
    "RunningRate",
    "Table",
    "TierSnapshot",
    "calendar_heatmap",
    "group_rate_rows",
    "level_chart",
    "rate_bars",
    "running_rate_chart",
    "tier_chart",
    "tier_history_chart",
    "trend_chart",
    "unit_rate_rows",
]

BAR_WIDTH = 440  # drawing width of bar charts, px (a Letter page holds about 680)
LINE_WIDTH = 540  # drawing width of line charts
LABEL_LIMIT = 280  # px of a bar's label before it is cut with "…" (long group names fit)


# -- the trend --------------------------------------------------------------------------------
def trend_chart(
    points: Sequence[MonthRate],
    *,
    current_year: int | None = None,
    unit_name: str = "",
    chart_id: str = "trend",
    title: str | None = None,
) -> Chart:
    """Chronic absence rate through each month end, one line per school year (year over year).

    The current year (default: the latest in `points`) is drawn thick and blue; earlier years
    thin, grey and dashed, each with its own dash so they stay apart in black and white.
    """
    if not points:
        raise ValueError("trend_chart needs at least one month's rate")
    years = sorted({p.school_year for p in points})
    current = current_year if current_year is not None else years[-1]
    # Months where nobody was eligible yet at any year (a few days of August) are left out.
    months = [m for m in SCHOOL_MONTHS if any(p.month == m and p.rate is not None for p in points)]
    frame = _trend_frame(points)
    chart = _trend_layers(frame, years, current, [MONTHS[m - 1] for m in months])
    heading = title or (f"{unit_name}: " if unit_name else "") + "chronic absence by month"
    desc = chart_text.trend_sentence(points, current)
    table = chart_text.trend_table(points, years, months, heading)
    return vega_chart(chart_id, heading, desc, chart, table)


def _trend_frame(points: Sequence[MonthRate]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "month": MONTHS[p.month - 1],
                "year": labels.school_year(p.school_year),
                "rate": p.rate,
                "text": percent_text(p.rate),
                "order": SCHOOL_MONTHS.index(p.month),
            }
            for p in points
            if p.rate is not None
        ],
        columns=["month", "year", "rate", "text", "order"],
    ).sort_values(["year", "order"])


def _year_styles(years: Sequence[int], current: int) -> tuple[list[str], list[list[int]]]:
    """Per school year (in `years` order): its colour and dash. The current year is solid blue."""
    older = [y for y in reversed(years) if y != current]
    colors = {current: CURRENT_YEAR_COLOR}
    dashes: dict[int, list[int]] = {current: [1, 0]}
    for i, year in enumerate(older):
        colors[year] = PRIOR_YEAR_COLORS[min(i, len(PRIOR_YEAR_COLORS) - 1)]
        dashes[year] = list(PRIOR_YEAR_DASHES[i % len(PRIOR_YEAR_DASHES)])
    return [colors[y] for y in years], [dashes[y] for y in years]


def _trend_layers(frame: pd.DataFrame, years: Sequence[int], current: int, order: list[str]) -> Any:
    domain = [labels.school_year(y) for y in years]
    colors, dashes = _year_styles(years, current)
    top = max(0.1, float(frame["rate"].max()) * 1.15) if not frame.empty else 0.1
    x = alt.X(
        "month:N",
        sort=order,
        scale=alt.Scale(domain=order),
        title=None,
        axis=alt.Axis(labelAngle=0),
    )
    y = alt.Y(
        "rate:Q",
        title="Chronically absent, year to date",
        scale=alt.Scale(domain=[0, top], nice=False),
        axis=alt.Axis(format=".0%", tickCount=5),
    )
    color = alt.Color(
        "year:N",
        title="School year",
        scale=alt.Scale(domain=domain, range=colors),
        legend=alt.Legend(orient="bottom", symbolType="stroke", symbolStrokeWidth=3),
    )
    dash = alt.StrokeDash("year:N", scale=alt.Scale(domain=domain, range=dashes), legend=None)
    this_year = labels.school_year(current)
    width = alt.condition(alt.datum.year == this_year, alt.value(3.5), alt.value(1.75))
    lines = (
        alt.Chart(frame, name="years")
        .encode(x=x, y=y)
        .mark_line(point=False)
        .encode(color=color, strokeDash=dash, strokeWidth=width)
    )
    current_frame = frame[frame["year"] == this_year]
    # Only the latest value is written on the chart (all of them crowd when years run close);
    # the table gives every month.
    latest = current_frame.tail(1) if not current_frame.empty else current_frame
    dots = (
        alt.Chart(current_frame, name="current")
        .mark_point(filled=True, size=45, color=CURRENT_YEAR_COLOR)
        .encode(x=x, y=y)
    )
    values = (
        alt.Chart(latest, name="latest")
        .mark_text(dy=-12, fontSize=12, fontWeight="bold", color=CURRENT_YEAR_COLOR)
        .encode(x=x, y=y, text="text:N")
    )
    return alt.layer(lines, dots, values).properties(width=LINE_WIDTH, height=240)


# -- rates: schools, grades, groups -----------------------------------------------------------
def rate_bars(
    rows: Sequence[RateRow],
    *,
    title: str,
    reference: Reference | None = None,
    unit_word: str = "Group",
    chart_id: str = "rates",
    cuts: Cuts = (),
) -> Chart:
    """Chronic absence rate per school, grade or group, with an optional dashed reference line.

    Suppressed rows keep their place and label, with their note (e.g. "fewer than 10
    students") written where the bar would be: a reader sees that the group exists. `cuts` are
    the level cut points the bars' colours follow, so no value is printed across one.
    """
    if not rows:
        raise ValueError("rate_bars needs at least one row")
    order = [r.label for r in rows]
    if len(set(order)) != len(order):
        raise ValueError("rate_bars needs a distinct label per row")
    shown = [r for r in rows if r.rate is not None]
    top = max([*(r.rate for r in shown if r.rate is not None), 0.05])
    top = min(1.0, max(top, reference.value if reference else 0.0) * 1.18)
    frame = _rate_frame(rows, cuts)
    chart = alt.layer(*_rate_layers(frame, order, top, reference)).properties(
        width=BAR_WIDTH, height=max(60, 24 * len(rows))
    )
    desc = chart_text.rates_sentence(rows, reference)
    table = Table(
        title,
        (unit_word, "Students eligible", "Chronically absent"),
        tuple(
            (
                r.label,
                labels.count(r.students) if r.students is not None else "—",
                percent_text(r.rate, cuts) if r.rate is not None else (r.note or "—"),
            )
            for r in rows
        ),
        (False, True, True),
    )
    return vega_chart(chart_id, title, desc, chart, table)


def _rate_frame(rows: Sequence[RateRow], cuts: Cuts) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "label": r.label,
                "rate": r.rate,
                "text": percent_text(r.rate, cuts) if r.rate is not None else (r.note or "no data"),
                "shown": r.rate is not None,
                "color": LEVEL_COLORS.get(r.level or "", BAR_COLOR),
            }
            for r in rows
        ]
    )


def _rate_layers(
    frame: pd.DataFrame, order: list[str], top: float, reference: Reference | None
) -> list[Any]:
    scale = alt.Scale(domain=[0, top], nice=False)
    y = alt.Y(
        "label:N",
        sort=order,
        scale=alt.Scale(domain=order),
        title=None,
        axis=alt.Axis(labelLimit=LABEL_LIMIT),
    )
    x = alt.X(
        "rate:Q", title="Chronically absent", scale=scale, axis=alt.Axis(format=".0%", tickCount=5)
    )
    bars = (
        alt.Chart(frame, name="bars")
        .transform_filter(alt.datum.shown)
        .mark_bar(stroke=OUTLINE, strokeWidth=0.6, height={"band": 0.7})
        .encode(x=x, y=y, color=alt.Color("color:N", scale=None, legend=None))
    )
    values = (
        alt.Chart(frame, name="values")
        .transform_filter(alt.datum.shown)
        .mark_text(align="left", dx=4, fontSize=11, color=INK)
        .encode(x=x, y=y, text="text:N")
    )
    notes = (
        alt.Chart(frame, name="notes")
        .transform_filter("!datum.shown")
        .transform_calculate(zero="0")
        .mark_text(align="left", dx=2, fontSize=11, fontStyle="italic", color=MUTED)
        .encode(x=alt.X("zero:Q", scale=scale), y=y, text="text:N")
    )
    layers: list[Any] = [bars]
    if reference is not None:
        layers += _reference_layers(reference, scale)
    # A white outline under each value label keeps it readable where the dashed line crosses.
    halo = {"stroke": "#ffffff", "strokeWidth": 3, "strokeJoin": "round", "color": "#ffffff"}
    return [
        *layers,
        values.mark_text(align="left", dx=4, fontSize=11, **halo).properties(name="values_halo"),
        values,
        notes.mark_text(align="left", dx=2, fontSize=11, fontStyle="italic", **halo).properties(
            name="notes_halo"
        ),
        notes,
    ]


def _reference_layers(reference: Reference, scale: Any) -> list[Any]:
    line = pd.DataFrame([{"value": reference.value, "text": reference.label}])
    rx = alt.X("value:Q", scale=scale)
    return [
        alt.Chart(line, name="reference")
        .mark_rule(color=INK, strokeDash=[5, 3], strokeWidth=1.5)
        .encode(x=rx),
        alt.Chart(line, name="reference_label")
        .mark_text(align="left", baseline="bottom", dx=4, dy=-4, y=0, fontSize=11, color=INK)
        .encode(x=rx, text="text:N"),
    ]


# -- from the Summary's types -----------------------------------------------------------------
def group_rate_rows(table: GroupTable, suppressed_text: str) -> list[RateRow]:
    """A group table as bars; suppressed groups keep their row with the reason as text."""
    rows = []
    for g in table.groups:
        note = None
        if g.suppressed:
            note = "suppressed to protect a small group" if g.suppression == COMPLEMENTARY else None
            note = note or suppressed_text
        rows.append(RateRow(g.label, g.chronic_absence_rate, g.students_eligible, note))
    return rows


def unit_rate_rows(units: Sequence[UnitRow], suppressed_text: str) -> list[RateRow]:
    """Schools (or districts) as bars coloured by their level; suppressed ones as text."""
    return [
        RateRow(
            u.name,
            u.chronic_absence_rate,
            u.students_eligible,
            suppressed_text if u.suppressed else None,
            u.level,
        )
        for u in units
    ]
