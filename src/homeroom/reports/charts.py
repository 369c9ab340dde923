"""Accessible charts as SVG strings: Vega-Lite specs (Altair) drawn by vl-convert, offline.

Each function takes plain data (the small dataclasses below, or the Summary's own ones) and
returns a `Chart`: the SVG (no scripts, no links, nothing fetched), the sentence that says what
it shows, and the same numbers as a plain table for readers who cannot see the picture.

Every SVG gets role="img", a <title> and a <desc> it is labelled by, and ids prefixed with the
chart's id, so many charts can sit inline on one page. Colours come from ColorBrewer's PuOr
(purple below the chronic threshold, orange at and above it), which stays distinct for the
common kinds of colour blindness; each mark also has a text label or outline, so nothing is
told by colour alone.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import vl_convert

from homeroom.definitions.profile import TIERS
from homeroom.reports import labels
from homeroom.reports.groups import COMPLEMENTARY, GroupTable
from homeroom.reports.summary import LevelCount, TierShare, UnitRow

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "DejaVu Sans"  # Debian's fonts-dejavu-core; vl-convert measures labels with it
FONT_DIRECTORY = Path("/usr/share/fonts/truetype/dejavu")
INK = "#1a1a1a"
MUTED = "#4d4d4d"  # 8.5:1 on white: axis labels stay readable when printed
RULE = "#d9d9d9"
OUTLINE = "#333333"  # light fills get a dark outline, so every mark is >= 3:1 against white

# PuOr: purples below the threshold, oranges at and above it.
TIER_COLORS = {
    "satisfactory": "#542788",
    "at_risk": "#b2abd2",
    "moderate_chronic": "#fdb863",
    "severe_chronic": "#b35806",
}
LEVEL_COLORS = {
    "low": "#542788",
    "modest": "#b2abd2",
    "significant": "#fdb863",
    "high": "#e08214",
    "extreme": "#b35806",
}
NOT_RATED_COLOR = "#bdbdbd"
BAR_WIDTH = 440  # drawing width of bar charts, px (a Letter page holds about 680)
LINE_WIDTH = 540  # drawing width of line charts
LABEL_LIMIT = 280  # px of a bar's label before it is cut with "…" (long group names fit)
BAR_COLOR = "#5e3c99"  # rate bars without a level
CURRENT_YEAR_COLOR = "#0072b2"  # Okabe-Ito blue, 5.2:1 on white
PRIOR_YEAR_COLORS = ("#4d4d4d", "#7a7a7a", "#8f8f8f", "#a3a3a3")
PRIOR_YEAR_DASHES = ((6, 3), (2, 2), (8, 3, 2, 3), (1, 3))
DAY_COLORS = {  # calendar cells
    "present": "#b2abd2",
    "partial": "#fdb863",
    "absent": "#b35806",
    "none": "#f2f2f2",
}
DAY_LABELS = {
    "present": "Present",
    "partial": "Partly absent",
    "absent": "Absent",
    "none": "No school, or not enrolled",
}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
SCHOOL_MONTHS = (8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7)  # a school year runs August to July
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# -- inputs -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MonthRate:
    """A unit's chronic absence rate through the end of one month of one school year."""

    school_year: int
    month: int  # 1..12
    rate: float | None  # None: nobody eligible yet
    as_of: dt.date | None = None  # the date the rate is through (the month's last school day)


@dataclass(frozen=True)
class RateRow:
    """One bar: a school, grade or student group. A suppressed row has no rate, only its note."""

    label: str
    rate: float | None
    students: int | None = None  # eligible students, for the table
    note: str | None = None  # printed instead of a bar, e.g. "fewer than 10 students"
    level: str | None = None  # colours the bar by school level when given


@dataclass(frozen=True)
class Reference:
    """A dashed line across bars, e.g. the district's own rate or the threshold."""

    value: float
    label: str


@dataclass(frozen=True)
class CalendarDay:
    """One date of a student's school year: a membership day or not, and the absence on it."""

    date: dt.date
    membership: bool
    absent: float = 0.0  # the absent fraction of the day, 0..1
    category: str | None = None  # the attendance category recorded, if any


@dataclass(frozen=True)
class RunningRate:
    """A student's absence rate through one membership day (days absent / days enrolled)."""

    date: dt.date
    rate: float


@dataclass(frozen=True)
class TierSnapshot:
    """A student's tier at one snapshot date (None: not enrolled or not yet eligible)."""

    date: dt.date
    tier: str | None
    rate: float | None = None


# -- outputs ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Table:
    """A chart's text alternative: the numbers it draws, as rows of display strings."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()  # per column: right-aligned figures

    def html(self, css_class: str = "chart-table") -> str:
        numeric = self.numeric or (False,) * len(self.columns)
        align = [' class="num"' if n else "" for n in numeric]
        head = "".join(
            f'<th scope="col"{a}>{escape(c)}</th>' for c, a in zip(self.columns, align, strict=True)
        )
        body = "\n".join(
            "<tr>"
            + "".join(
                f"<td{a}>{escape(v)}</td>" if i else f'<th scope="row">{escape(v)}</th>'
                for i, (v, a) in enumerate(zip(row, align, strict=True))
            )
            + "</tr>"
            for row in self.rows
        )
        return (
            f'<table class="{escape(css_class)}">\n<caption>{escape(self.caption)}</caption>\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
        )


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    desc: str  # one or two sentences with the numbers that matter
    svg: str
    table: Table

    def figure(self, *, table: bool = True) -> str:
        """The SVG in a <figure>, with its table in a <details> (shown in print)."""
        alt_table = (
            f'\n<details class="chart-data"><summary>The numbers in this chart</summary>\n'
            f"{self.table.html()}\n</details>"
            if table
            else ""
        )
        figure_id = escape(self.chart_id)
        return f'<figure class="chart" id="{figure_id}-figure">\n{self.svg}{alt_table}\n</figure>'


# -- the charts -------------------------------------------------------------------------------
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
    month_order = [MONTHS[m - 1] for m in months]
    year_labels = [labels.school_year(y) for y in years]
    frame = pd.DataFrame(
        [
            {
                "month": MONTHS[p.month - 1],
                "year": labels.school_year(p.school_year),
                "rate": p.rate,
                "text": labels.percent(p.rate),
                "order": SCHOOL_MONTHS.index(p.month),
            }
            for p in points
            if p.rate is not None
        ],
        columns=["month", "year", "rate", "text", "order"],
    ).sort_values(["year", "order"])
    older = [y for y in reversed(years) if y != current]
    colors = {labels.school_year(current): CURRENT_YEAR_COLOR}
    dashes: dict[str, list[int]] = {labels.school_year(current): [1, 0]}
    for i, year in enumerate(older):
        colors[labels.school_year(year)] = PRIOR_YEAR_COLORS[min(i, len(PRIOR_YEAR_COLORS) - 1)]
        dashes[labels.school_year(year)] = list(PRIOR_YEAR_DASHES[i % len(PRIOR_YEAR_DASHES)])
    domain = year_labels
    top = max(0.1, float(frame["rate"].max()) * 1.15) if not frame.empty else 0.1
    x = alt.X(
        "month:N",
        sort=month_order,
        scale=alt.Scale(domain=month_order),
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
        scale=alt.Scale(domain=domain, range=[colors[d] for d in domain]),
        legend=alt.Legend(orient="bottom", symbolType="stroke", symbolStrokeWidth=3),
    )
    dash = alt.StrokeDash(
        "year:N",
        scale=alt.Scale(domain=domain, range=[dashes[d] for d in domain]),
        legend=None,
    )
    width = alt.condition(
        alt.datum.year == labels.school_year(current), alt.value(3.5), alt.value(1.75)
    )
    base = alt.Chart(frame, name="years").encode(x=x, y=y)
    lines = base.mark_line(point=False).encode(color=color, strokeDash=dash, strokeWidth=width)
    current_frame = frame[frame["year"] == labels.school_year(current)]
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
    chart = alt.layer(lines, dots, values).properties(width=LINE_WIDTH, height=240)
    heading = title or (f"{unit_name}: " if unit_name else "") + "chronic absence by month"
    desc = _trend_sentence(points, current)
    table = _trend_table(points, years, months, heading)
    return _chart(chart_id, heading, desc, chart, table)


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
                "text": f"{labels.count(t.count)} ({labels.percent(t.share)})",
            }
            for t in tiers
        ]
    )
    colors = [TIER_COLORS.get(t.tier, NOT_RATED_COLOR) for t in tiers]
    chart = _count_bars(frame, "tier", order, colors, "Students")
    total = sum(t.count for t in tiers)
    parts = [
        f"{labels.count(t.count)} ({labels.percent(t.share)}) {t.label.lower()}" for t in tiers
    ]
    desc = f"Of {labels.count(total)} eligible students, {_and(parts)}."
    table = Table(
        title,
        ("Tier", "Students", "Share of eligible students"),
        tuple((t.label, labels.count(t.count), labels.percent(t.share)) for t in tiers),
        (False, True, True),
    )
    return _chart(chart_id, title, desc, chart, table)


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
    desc = f"Of {labels.count(total)} {noun}: {_and(parts)}."
    table = Table(
        heading,
        ("Level", noun.capitalize()),
        tuple((c.label, labels.count(c.count)) for c in levels),
        (False, True),
    )
    return _chart(chart_id, heading, desc, chart, table)


def rate_bars(
    rows: Sequence[RateRow],
    *,
    title: str,
    reference: Reference | None = None,
    unit_word: str = "Group",
    chart_id: str = "rates",
) -> Chart:
    """Chronic absence rate per school, grade or group, with an optional dashed reference line.

    Suppressed rows keep their place and label, with their note (e.g. "fewer than 10
    students") written where the bar would be: a reader sees that the group exists.
    """
    if not rows:
        raise ValueError("rate_bars needs at least one row")
    order = [r.label for r in rows]
    if len(set(order)) != len(order):
        raise ValueError("rate_bars needs a distinct label per row")
    shown = [r for r in rows if r.rate is not None]
    top = max([*(r.rate for r in shown), reference.value if reference else 0.0, 0.05])
    top = min(1.0, top * 1.18)
    frame = pd.DataFrame(
        [
            {
                "label": r.label,
                "rate": r.rate,
                "text": labels.percent(r.rate) if r.rate is not None else (r.note or "no data"),
                "shown": r.rate is not None,
                "color": LEVEL_COLORS.get(r.level or "", BAR_COLOR),
            }
            for r in rows
        ]
    )
    height = max(60, 24 * len(rows))
    y = alt.Y(
        "label:N",
        sort=order,
        scale=alt.Scale(domain=order),
        title=None,
        axis=alt.Axis(labelLimit=LABEL_LIMIT),
    )
    x = alt.X(
        "rate:Q",
        title="Chronically absent",
        scale=alt.Scale(domain=[0, top], nice=False),
        axis=alt.Axis(format=".0%", tickCount=5),
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
        .encode(x=alt.X("zero:Q", scale=alt.Scale(domain=[0, top], nice=False)), y=y, text="text:N")
    )
    layers: list[Any] = [bars]
    if reference is not None:
        line = pd.DataFrame([{"value": reference.value, "text": reference.label}])
        rx = alt.X("value:Q", scale=alt.Scale(domain=[0, top], nice=False))
        layers.append(
            alt.Chart(line, name="reference")
            .mark_rule(color=INK, strokeDash=[5, 3], strokeWidth=1.5)
            .encode(x=rx)
        )
        layers.append(
            alt.Chart(line, name="reference_label")
            .mark_text(align="left", baseline="bottom", dx=4, dy=-4, y=0, fontSize=11, color=INK)
            .encode(x=rx, text="text:N")
        )
    # A white outline under each value label keeps it readable where the dashed line crosses.
    halo = {"stroke": "#ffffff", "strokeWidth": 3, "strokeJoin": "round", "color": "#ffffff"}
    layers += [
        values.mark_text(align="left", dx=4, fontSize=11, **halo).properties(name="values_halo"),
        values,
        notes.mark_text(align="left", dx=2, fontSize=11, fontStyle="italic", **halo).properties(
            name="notes_halo"
        ),
        notes,
    ]
    chart = alt.layer(*layers).properties(width=BAR_WIDTH, height=height)
    desc = _rates_sentence(rows, reference)
    table = Table(
        title,
        (unit_word, "Students eligible", "Chronically absent"),
        tuple(
            (
                r.label,
                labels.count(r.students) if r.students is not None else "—",
                labels.percent(r.rate) if r.rate is not None else (r.note or "—"),
            )
            for r in rows
        ),
        (False, True, True),
    )
    return _chart(chart_id, title, desc, chart, table)


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
    cells = []
    kinds: dict[str, str] = {}
    day = first.replace(day=1)
    end = _month_end(last)
    while day <= end:
        if day.weekday() < len(weekdays):
            kind, text = _day_kind(given.get(day))
            key = day.isoformat()
            kinds[key] = kind
            cells.append(
                {
                    "month": f"{MONTHS[day.month - 1]} {day.year}",
                    "week": (day.day - 1 + day.replace(day=1).weekday()) // 7,
                    "weekday": WEEKDAYS[day.weekday()],
                    "kind": DAY_LABELS[kind],
                    "description": f"{key} ({day:%a}): {text}",
                }
            )
        day += dt.timedelta(days=1)
    frame = pd.DataFrame(cells)
    month_order = list(dict.fromkeys(frame["month"]))
    legend_order = [DAY_LABELS[k] for k in DAY_COLORS]
    chart = (
        alt.Chart(frame, name="days")
        .mark_rect(stroke="#ffffff", strokeWidth=1.5, aria=True)
        .encode(
            x=alt.X("week:O", axis=None, scale=alt.Scale(domain=list(range(6)))),
            y=alt.Y(
                "weekday:O",
                sort=list(weekdays),
                scale=alt.Scale(domain=list(weekdays)),
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
    member = [d for d in days if d.membership]
    desc = _calendar_sentence(member, first, last)
    table = _calendar_table(member, title)
    svg_text = _render(chart, chart_id, title, desc, calendar=kinds)
    return Chart(chart_id, title, desc, svg_text, table)


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
    top = max([p.rate for p in points] + [threshold or 0.0, 0.05]) * 1.15
    x = alt.X(
        "date:T",
        title=None,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%b", tickCount="month", labelAngle=0),
    )
    y = alt.Y(
        "rate:Q",
        title="Days absent / days enrolled",
        scale=alt.Scale(domain=[0, min(1.0, top)], nice=False),
        axis=alt.Axis(format=".0%", tickCount=5),
    )
    line = alt.Chart(frame, name="rate").mark_line(color=CURRENT_YEAR_COLOR, strokeWidth=2.5)
    layers: list[Any] = [line.encode(x=x, y=y)]
    label = threshold_label
    if threshold is not None:
        label = label or f"Chronic absence: {_share_text(threshold)}"
        rule = pd.DataFrame([{"value": threshold, "text": label}])
        ry = alt.Y("value:Q", scale=alt.Scale(domain=[0, min(1.0, top)], nice=False))
        layers.append(
            alt.Chart(rule, name="threshold")
            .mark_rule(color=TIER_COLORS["severe_chronic"], strokeDash=[6, 4], strokeWidth=2)
            .encode(y=ry)
        )
        layers.append(
            alt.Chart(rule, name="threshold_label")
            .mark_text(align="right", baseline="bottom", dy=-3, x="width", fontSize=11, color=INK)
            .encode(y=ry, text="text:N")
        )
    chart = alt.layer(*layers).properties(width=LINE_WIDTH, height=200)
    desc = _running_sentence(points, threshold)
    table = _running_table(points, title)
    return _chart(chart_id, title, desc, chart, table)


def tier_history_chart(
    snapshots: Sequence[TierSnapshot],
    *,
    title: str = "Tier at each snapshot",
    chart_id: str = "tier-history",
) -> Chart:
    """A student's tier at each snapshot date as a step line over the tiers, points coloured
    by tier."""
    if not snapshots:
        raise ValueError("tier_history_chart needs at least one snapshot")
    order = [labels.tier_label(t) for t in TIERS]
    rows = sorted(snapshots, key=lambda s: s.date)
    frame = pd.DataFrame(
        [
            {
                "date": s.date.isoformat(),
                "tier": labels.tier_label(s.tier),
                "rate": labels.percent(s.rate),
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
    y = alt.Y(
        "tier:N",
        sort=list(reversed(order)),
        scale=alt.Scale(domain=list(reversed(order))),
        title=None,
    )
    color = alt.Color(
        "tier:N",
        scale=alt.Scale(domain=order, range=[TIER_COLORS[t] for t in TIERS]),
        legend=None,
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
    desc = _tier_history_sentence(rows)
    table = _tier_history_table(rows, title)
    return _chart(chart_id, title, desc, chart, table)


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


# -- rendering --------------------------------------------------------------------------------
_CONFIG = {
    "font": FONT,
    "background": "#ffffff",
    "padding": 6,
    "view": {"stroke": None},
    "aria": False,  # role="img" and <desc> speak for the whole chart
    "axis": {
        "labelColor": MUTED,
        "titleColor": INK,
        "labelFontSize": 11,
        "titleFontSize": 11,
        "titleFontWeight": "normal",
        "domainColor": "#8c8c8c",
        "tickColor": "#8c8c8c",
        "gridColor": "#e6e6e6",
    },
    "legend": {"labelColor": INK, "titleColor": INK, "labelFontSize": 11, "titleFontSize": 11},
    "header": {"labelColor": INK},
    "text": {"font": FONT},
}
_LOCK = threading.Lock()
_FONTS_READY = False


def _ready() -> None:
    """Tell vl-convert where Debian's DejaVu fonts are, once, so labels are measured right."""
    global _FONTS_READY
    with _LOCK:
        if not _FONTS_READY:
            if FONT_DIRECTORY.is_dir():
                vl_convert.register_font_directory(str(FONT_DIRECTORY))
            _FONTS_READY = True


def _chart(chart_id: str, title: str, desc: str, chart: Any, table: Table) -> Chart:
    return Chart(chart_id, title, desc, _render(chart, chart_id, title, desc), table)


def _render(
    chart: Any,
    chart_id: str,
    title: str,
    desc: str,
    *,
    calendar: dict[str, str] | None = None,
) -> str:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", chart_id):
        raise ValueError(f"chart id must be a plain name (letters, digits, - or _): {chart_id!r}")
    _ready()
    spec = chart.configure(**_CONFIG).to_dict(validate=False)
    # allowed_base_urls=[]: a spec can never fetch anything, whatever its data says.
    raw = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    return _accessible(raw, chart_id, title, desc, calendar)


def _accessible(
    raw: str, chart_id: str, title: str, desc: str, calendar: dict[str, str] | None
) -> str:
    """role="img" labelled by <title> and <desc>; ids made unique; calendar cells classed."""
    root = ET.fromstring(raw)
    q = f"{{{SVG_NS}}}"
    ids = {}
    for element in root.iter():
        if "id" in element.attrib:
            ids[element.attrib["id"]] = f"{chart_id}-{element.attrib['id']}"
            element.attrib["id"] = ids[element.attrib["id"]]
    for element in root.iter():
        for name, value in list(element.attrib.items()):
            if "url(#" in value or value.startswith("#"):
                element.attrib[name] = re.sub(
                    r"#([A-Za-z0-9_-]+)", lambda m: "#" + ids.get(m[1], m[1]), value
                )
        if calendar is not None and "aria-label" in element.attrib:
            _calendar_cell(element, calendar)
        # Vega's own ARIA roles would compete with role="img"; the <desc> speaks for it all.
        for name in ("role", "aria-roledescription", "aria-label", "aria-hidden"):
            element.attrib.pop(name, None)
    root.attrib.update(
        {
            "id": chart_id,
            "class": "chart",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
        }
    )
    title_el = ET.Element(f"{q}title", {"id": f"{chart_id}-title"})
    title_el.text = title
    desc_el = ET.Element(f"{q}desc", {"id": f"{chart_id}-desc"})
    desc_el.text = desc
    root.insert(0, desc_el)
    root.insert(0, title_el)
    # Plain names and an explicit xmlns: ElementTree's prefix registry is global and other code
    # (WeasyPrint) changes it, which would turn <svg> into <ns0:svg> that HTML cannot draw.
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
        for name in [n for n in element.attrib if n.startswith("{")]:
            element.attrib[name.rpartition("}")[2]] = element.attrib.pop(name)  # SVG 2: href
    attributes = {"xmlns": SVG_NS, **root.attrib}
    root.attrib.clear()
    root.attrib.update(attributes)
    return ET.tostring(root, encoding="unicode")


def _calendar_cell(element: ET.Element, kinds: dict[str, str]) -> None:
    """A calendar cell: a class for its kind of day, and its words as a hover <title>."""
    text = element.attrib["aria-label"]
    # Vega writes the description channel as "description: <text>" or just the text.
    words = text.split(": ", 1)[1] if text.startswith("description: ") else text
    key = words[:10]
    if key not in kinds:
        return
    element.attrib["class"] = f"day day-{kinds[key]}"
    element.attrib["data-date"] = key
    cell_title = ET.SubElement(element, f"{{{SVG_NS}}}title")
    cell_title.text = words


# -- sentences and tables ---------------------------------------------------------------------
def _and(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _share_text(share: float) -> str:
    return f"{share * 100:g}%"


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _trend_sentence(points: Sequence[MonthRate], current: int) -> str:
    order = {m: i for i, m in enumerate(SCHOOL_MONTHS)}
    mine = sorted(
        (p for p in points if p.school_year == current and p.rate is not None),
        key=lambda p: order[p.month],
    )
    year = labels.school_year(current)
    if not mine:
        return f"No student was eligible at any month end of {year}."
    first, last = mine[0], mine[-1]
    at_first = f"{labels.percent(first.rate)} at the end of {MONTH_NAMES[first.month - 1]}"
    at_last = f"{labels.percent(last.rate)} at the end of {MONTH_NAMES[last.month - 1]}"
    if first is last:
        sentence = f"Chronic absence in {year} was {at_first}."
    else:
        change = round(last.rate * 100, 1) - round(first.rate * 100, 1)
        verb = "rose" if change > 0 else "fell" if change < 0 else "held"
        if verb == "held":
            sentence = f"Chronic absence in {year} held at {at_first} and {at_last}."
        else:
            sentence = f"Chronic absence in {year} {verb} from {at_first} to {at_last}."
    before = [
        p
        for p in points
        if p.school_year < current and p.month == last.month and p.rate is not None
    ]
    if before:
        prior = max(before, key=lambda p: p.school_year)
        sentence += (
            f" At the same point of {labels.school_year(prior.school_year)} it was "
            f"{labels.percent(prior.rate)}."
        )
    return sentence


def _trend_table(
    points: Sequence[MonthRate], years: Sequence[int], months: Sequence[int], heading: str
) -> Table:
    rate = {(p.school_year, p.month): p.rate for p in points}
    rows = tuple(
        (
            MONTH_NAMES[m - 1],
            *(labels.percent(rate[(y, m)]) if (y, m) in rate else "—" for y in years),
        )
        for m in months
    )
    columns = ("Month end", *(labels.school_year(y) for y in years))
    return Table(heading, columns, rows, (False, *(True for _ in years)))


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


def _rates_sentence(rows: Sequence[RateRow], reference: Reference | None) -> str:
    shown = [r for r in rows if r.rate is not None]
    hidden = len(rows) - len(shown)
    parts = []
    if shown:
        high = max(shown, key=lambda r: r.rate)
        low = min(shown, key=lambda r: r.rate)
        if high is low:
            parts.append(f"{high.label}: {labels.percent(high.rate)} chronically absent")
        else:
            parts.append(
                f"Highest {high.label} at {labels.percent(high.rate)}, "
                f"lowest {low.label} at {labels.percent(low.rate)}"
            )
    if reference is not None:
        parts.append(f"the dashed line is {reference.label}")
    if hidden:
        parts.append(f"{hidden} of {len(rows)} not shown to protect small groups")
    return ("; ".join(parts) or "No rates to show") + "."


def _day_kind(day: CalendarDay | None) -> tuple[str, str]:
    if day is None or not day.membership:
        return "none", "not a membership day"
    category = f" ({day.category.replace('_', ' ')})" if day.category else ""
    if day.absent >= 1:
        return "absent", f"absent{category}"
    if day.absent > 0:
        return "partial", f"partly absent, {day.absent:g} of the day{category}"
    return "present", f"present{category}"


def _calendar_sentence(member: Sequence[CalendarDay], first: dt.date, last: dt.date) -> str:
    if not member:
        return f"No membership days between {first.isoformat()} and {last.isoformat()}."
    absent = sum(1 for d in member if d.absent >= 1)
    partial = sum(1 for d in member if 0 < d.absent < 1)
    total = sum(d.absent for d in member)
    rate = total / len(member)
    return (
        f"{len(member)} membership days from {member[0].date.isoformat()} to "
        f"{member[-1].date.isoformat()}: absent on {absent}, partly absent on {partial}; "
        f"{total:g} days absent in all ({labels.percent(rate)})."
    )


def _calendar_table(member: Sequence[CalendarDay], title: str) -> Table:
    rows = []
    by_month: dict[tuple[int, int], list[CalendarDay]] = {}
    for d in sorted(member, key=lambda d: d.date):
        by_month.setdefault((d.date.year, d.date.month), []).append(d)
    for (year, month), days in by_month.items():
        missed = [d for d in days if d.absent > 0]
        dates = "; ".join(
            f"{d.date.day} ({_day_kind(d)[1]})"
            for d in missed  # e.g. "3 (absent (unexcused))"
        )
        rows.append(
            (
                f"{MONTH_NAMES[month - 1]} {year}",
                str(len(days)),
                f"{sum(d.absent for d in days):g}",
                dates or "none",
            )
        )
    return Table(
        title,
        ("Month", "Membership days", "Days absent", "Dates missed"),
        tuple(rows),
        (False, True, True, False),
    )


def _running_sentence(points: Sequence[RunningRate], threshold: float | None) -> str:
    last = points[-1]
    sentence = (
        f"The absence rate was {labels.percent(last.rate)} on {last.date.isoformat()}, "
        f"after {len(points)} membership days"
    )
    if threshold is None:
        return sentence + "."
    line = _share_text(threshold)
    if last.rate >= threshold:
        since = last.date
        for p in reversed(points):
            if p.rate < threshold:
                break
            since = p.date
        return sentence + f", at or above the {line} line since {since.isoformat()}."
    high = max(points, key=lambda p: p.rate)
    return (
        sentence + f", below the {line} line (highest {labels.percent(high.rate)} on "
        f"{high.date.isoformat()})."
    )


def _running_table(points: Sequence[RunningRate], title: str) -> Table:
    """The rate on the last membership day of each month (the whole series is too long)."""
    last: dict[tuple[int, int], tuple[int, RunningRate]] = {}
    for n, p in enumerate(points, start=1):
        last[(p.date.year, p.date.month)] = (n, p)
    return Table(
        title,
        ("Through", "Membership days so far", "Absence rate"),
        tuple((p.date.isoformat(), str(n), labels.percent(p.rate)) for n, p in last.values()),
        (False, True, True),
    )


def _tier_history_table(rows: Sequence[TierSnapshot], title: str) -> Table:
    """The tier history's text alternative (shared with the hand-drawn student chart)."""
    return Table(
        title,
        ("Snapshot", "Tier", "Absence rate"),
        tuple(
            (
                s.date.isoformat(),
                labels.tier_label(s.tier) if s.tier else "Not counted",
                labels.percent(s.rate),
            )
            for s in rows
        ),
        (False, False, True),
    )


def _tier_history_sentence(rows: Sequence[TierSnapshot]) -> str:
    runs: list[tuple[str, dt.date]] = []
    for s in rows:
        name = labels.tier_label(s.tier).lower() if s.tier else "not counted"
        if not runs or runs[-1][0] != name:
            runs.append((name, s.date))
    first, last = rows[0].date.isoformat(), rows[-1].date.isoformat()
    if len(runs) == 1:
        return f"{runs[0][0].capitalize()} at all {len(rows)} snapshots from {first} to {last}."
    steps = [f"{runs[0][0]} on {runs[0][1].isoformat()}"]
    steps += [f"{name} from {day.isoformat()}" for name, day in runs[1:]]
    text = _and(steps)
    return f"{text[0].upper()}{text[1:]} ({len(rows)} snapshots to {last})."
