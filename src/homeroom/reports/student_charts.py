"""The student page's three charts as hand-written SVG: the year's calendar, the running absence
rate against the line, and the tier at each snapshot.

Same call signatures, inputs and `Chart` (svg, sentence, table) as the Vega-Lite versions in
student_vega.py, with the very same sentences and tables (chart_text.py), and the one palette
(ColorBrewer PuOr). They are drawn by building strings, in about a millisecond: vl-convert takes
75-170 ms a chart, and the student page draws three charts per request that are unique to the
student, so a cache cannot help. Nothing is fetched and nothing runs; all text is escaped.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence

from homeroom.definitions.profile import TIERS
from homeroom.formats import date_text, percent_text
from homeroom.reports import chart_text, labels, student_svg
from homeroom.reports.chart_data import CalendarDay, Chart, RunningRate, Table, TierSnapshot
from homeroom.reports.chart_text import Cuts
from homeroom.reports.palette import (
    CURRENT_YEAR_COLOR,
    DAY_COLORS,
    INK,
    MONTHS,
    MUTED,
    NOT_RATED_COLOR,
    OUTLINE,
    TIER_COLORS,
    WEEKDAYS,
)
from homeroom.reports.student_svg import (
    ABOVE_LINE,
    AXIS,
    CELL,
    EM,
    GRID,
    MONTH_GAP,
    MONTH_HEAD,
    MONTH_ROW_GAP,
    MONTHS_PER_ROW,
    PITCH,
    PLOT_WIDTH,
    WEEKDAY_COLUMN,
    calendar_legend,
    calendar_months,
    check_id,
    diagonal,
    month_axis,
    snapshot_labels,
    svg_open,
    x_scale,
    xml_text,
)

__all__ = [
    "CalendarDay",
    "Chart",
    "RunningRate",
    "Table",
    "TierSnapshot",
    "calendar_heatmap",
    "running_rate_chart",
    "tier_history_chart",
]
Scale = Callable[[dt.date], float]


# -- the calendar -----------------------------------------------------------------------------
def calendar_heatmap(
    days: Sequence[CalendarDay],
    *,
    title: str = "Attendance calendar",
    chart_id: str = "calendar",
) -> Chart:
    """A school year as a calendar: a weeks x weekdays block per month, six months to a row.

    Every weekday of the months the days span gets a cell (Saturday and Sunday rows only when a
    membership day falls on one); each is a <rect class="day day-<kind>" data-date=...> with a
    <title> such as "6 September 2024 (Fri): absent (unexcused)". Partly absent days also carry
    a diagonal stroke, so they differ from present days without colour.
    """
    if not days:
        raise ValueError("calendar_heatmap needs at least one day")
    check_id(chart_id)
    given = {d.date: d for d in days}
    first, last = min(given), max(given)
    weekend = any(d.membership and d.date.weekday() >= 5 for d in days)
    shown = 7 if weekend else 5
    months = calendar_months(first, last, shown)
    columns = max(column for cells in months.values() for _, column in cells) + 1
    per_row = min(MONTHS_PER_ROW, len(months))
    slot = columns * PITCH - (PITCH - CELL) + MONTH_GAP
    block = MONTH_HEAD + shown * PITCH - (PITCH - CELL)
    month_rows = math.ceil(len(months) / per_row)
    legend_y = 4 + month_rows * (block + MONTH_ROW_GAP)
    legend, legend_width = calendar_legend(legend_y)
    width = max(WEEKDAY_COLUMN + per_row * slot - MONTH_GAP + 4, legend_width)
    member = [d for d in days if d.membership]
    desc = chart_text.calendar_sentence(member, first, last)
    parts = svg_open(chart_id, width, legend_y + 20, title, desc)
    for row in range(month_rows):
        top = 4 + row * (block + MONTH_ROW_GAP) + MONTH_HEAD
        for weekday in range(shown):
            parts.append(
                f'<text x="{WEEKDAY_COLUMN - 6}" y="{top + weekday * PITCH + CELL - 3}" '
                f'text-anchor="end" font-size="10" fill="{MUTED}">{WEEKDAYS[weekday]}</text>'
            )
    for i, ((year, month), cells) in enumerate(months.items()):
        row, place = divmod(i, per_row)
        left = WEEKDAY_COLUMN + place * slot
        top = 4 + row * (block + MONTH_ROW_GAP)
        parts.append(
            f'<text x="{left}" y="{top + 12}" font-size="11" fill="{INK}">'
            f"{MONTHS[month - 1]} {year}</text>"
        )
        parts += _month_cells(given, cells, left, top + MONTH_HEAD)
    parts += legend
    parts.append("</svg>")
    table = chart_text.calendar_table(member, title)
    return Chart(chart_id, title, desc, "\n".join(parts), table)


def _month_cells(
    given: dict[dt.date, CalendarDay], cells: list[tuple[dt.date, int]], left: float, top: float
) -> list[str]:
    parts = []
    for day, column in cells:
        kind, words = chart_text.day_kind(given.get(day))
        x, y = left + column * PITCH, top + day.weekday() * PITCH
        when = f"{date_text(day)} ({WEEKDAYS[day.weekday()]})"
        parts.append(
            f'<rect class="day day-{kind}" data-date="{day.isoformat()}" x="{x}" y="{y}" '
            f'width="{CELL}" height="{CELL}" rx="2" fill="{DAY_COLORS[kind]}">'
            f"<title>{when}: {xml_text(words)}</title></rect>"
        )
        if kind == "partial":
            parts.append(diagonal(x, y, CELL))
    return parts


# -- the running rate -------------------------------------------------------------------------
def running_rate_chart(
    points: Sequence[RunningRate],
    *,
    threshold: float | None = 0.10,
    threshold_label: str | None = None,
    title: str = "Absence rate so far this year",
    chart_id: str = "running-rate",
) -> Chart:
    """The running absence rate at each membership day as a line, y in % with gridlines, month
    labels under the x axis, and (unless `threshold` is None) the threshold as a dashed line
    with its label over a tinted band for the rates at and above it. The latest rate is
    written at the end of the line, on its side of the threshold."""
    if not points:
        raise ValueError("running_rate_chart needs at least one day")
    check_id(chart_id)
    ordered = sorted(points, key=lambda p: p.date)
    left, top_pad, plot_height, bottom = 54, 14, 190, 40
    plot_width = PLOT_WIDTH - left - 52  # the latest rate is written right of the line's end
    raw = min(1.0, max([p.rate for p in points] + [threshold or 0.0, 0.05]) * 1.15)
    step = next(s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25) if raw / s <= 5 + 1e-9)
    top = min(1.0, math.ceil(raw / step - 1e-9) * step)
    base = top_pad + plot_height

    def y_of(rate: float) -> float:
        return top_pad + plot_height * (1 - min(max(rate, 0.0), top) / top)

    x_of = x_scale(ordered[0].date, ordered[-1].date, left, plot_width)
    desc = chart_text.running_sentence(points, threshold)
    parts = svg_open(chart_id, PLOT_WIDTH, base + bottom, title, desc)
    line_y = None if threshold is None or threshold > top else y_of(threshold)
    if line_y is not None:
        parts.append(
            f'<rect class="above-line" x="{left}" y="{top_pad}" width="{plot_width}" '
            f'height="{line_y - top_pad:.1f}" fill="{ABOVE_LINE}" />'
        )
    parts += _rate_grid([i * step for i in range(round(top / step) + 1)], y_of, left, plot_width)
    parts += month_axis(ordered[0].date, ordered[-1].date, x_of, top_pad, base)
    parts.append(
        f'<text transform="translate(14 {top_pad + plot_height / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle" font-size="11" fill="{INK}">Days absent / days enrolled</text>'
        f'<path d="M{left} {top_pad}V{base}H{left + plot_width}" fill="none" stroke="{AXIS}" />'
    )
    xy = [(x_of(p.date), y_of(p.rate)) for p in ordered]
    if line_y is not None and threshold is not None:
        label = threshold_label or f"Chronic absence: {chart_text.share_text(threshold)}"
        parts.append(
            f'<line class="threshold" x1="{left}" y1="{line_y:.1f}" x2="{left + plot_width}" '
            f'y2="{line_y:.1f}" stroke="{TIER_COLORS["severe_chronic"]}" stroke-width="2" '
            f'stroke-dasharray="6 4" />'
        )
        parts.append(student_svg.threshold_label(label, line_y, left, plot_width, xy))
    cuts = () if threshold is None else (threshold,)
    parts += _rate_line(xy, percent_text(ordered[-1].rate, cuts))
    parts.append("</svg>")
    table = chart_text.running_table(points, title, threshold)
    return Chart(chart_id, title, desc, "\n".join(parts), table)


def _rate_grid(
    ticks: Sequence[float], y_of: Callable[[float], float], left: float, width: float
) -> list[str]:
    parts = []
    for value in ticks:
        y = y_of(value)
        if value > 0:
            parts.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{left + width}" y2="{y:.1f}" '
                f'stroke="{GRID}" />'
            )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{MUTED}">{value * 100:.0f}%</text>'
        )
    return parts


def _rate_line(xy: Sequence[tuple[float, float]], latest: str) -> list[str]:
    path = "".join(f"{'L' if i else 'M'}{x:.1f} {y:.1f}" for i, (x, y) in enumerate(xy))
    x, y = xy[-1]
    return [
        f'<path class="rate" d="{path}" fill="none" stroke="{CURRENT_YEAR_COLOR}" '
        f'stroke-width="2.5" stroke-linejoin="round" />',
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{CURRENT_YEAR_COLOR}" stroke="#fff" '
        f'stroke-width="1.5" />'
        f'<text class="latest" x="{x + 8:.1f}" y="{y + 4:.1f}" font-size="12" font-weight="bold" '
        f'fill="{CURRENT_YEAR_COLOR}">{latest}</text>',
    ]


# -- the tier history -------------------------------------------------------------------------
def tier_history_chart(
    snapshots: Sequence[TierSnapshot],
    *,
    title: str = "Tier at each snapshot",
    chart_id: str = "tier-history",
    cuts: Cuts = (),
) -> Chart:
    """The tier at each snapshot date as a step line over one lane per tier (worst at the
    top, each lane labelled), a dot coloured by tier at each snapshot. Snapshots where the
    student was not counted sit, hollow, in a "Not counted" lane below, and break the line.
    `cuts` (the definition's tier cut points) keep each rate shown on its tier's side."""
    if not snapshots:
        raise ValueError("tier_history_chart needs at least one snapshot")
    check_id(chart_id)
    rows = sorted(snapshots, key=lambda s: s.date)
    others = sorted({s.tier for s in rows if s.tier is not None and s.tier not in TIERS})
    lanes: list[str | None] = [*reversed((*TIERS, *others))]
    if any(s.tier is None for s in rows):
        lanes.append(None)
    lane_names = [labels.tier_label(t) if t else "Not counted" for t in lanes]
    lane_height, top_pad, bottom = 26, 8, 40
    left = round(max(len(n) for n in lane_names) * 11 * EM) + 16
    plot_width = PLOT_WIDTH - left - 8
    base = top_pad + lane_height * len(lanes)
    lane_y = {t: top_pad + lane_height * (i + 0.5) for i, t in enumerate(lanes)}
    # Dots stay clear of the plot's edges.
    x_of = x_scale(rows[0].date, rows[-1].date, left + 12, plot_width - 24)
    desc = chart_text.tier_history_sentence(rows)
    parts = svg_open(chart_id, PLOT_WIDTH, base + bottom, title, desc)
    for tier, name in zip(lanes, lane_names, strict=True):
        y = lane_y[tier]
        style = f'fill="{INK}"' if tier else f'fill="{MUTED}" font-style="italic"'
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" '
            f'stroke="{GRID}" />'
            f'<text class="tier-label" x="{left - 10}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11" {style}>{xml_text(name)}</text>'
        )
    for s in rows:
        x = x_of(s.date)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top_pad}" x2="{x:.1f}" y2="{base + 4}" stroke="{GRID}" />'
        )
    parts += snapshot_labels([s.date for s in rows], x_of, base)
    parts.append(
        f'<path d="M{left} {top_pad}V{base}H{left + plot_width}" fill="none" stroke="{AXIS}" />'
    )
    parts += _tier_marks(rows, x_of, lane_y, cuts)
    parts.append("</svg>")
    table = chart_text.tier_history_table(rows, title, cuts)
    return Chart(chart_id, title, desc, "\n".join(parts), table)


def _tier_marks(
    rows: Sequence[TierSnapshot], x_of: Scale, lane_y: dict[str | None, float], cuts: Cuts
) -> list[str]:
    """The step line between counted snapshots, and a dot per snapshot with its hover text."""
    parts = []
    steps = [
        f"M{x_of(before.date):.1f} {lane_y[before.tier]:.1f}"
        f"H{x_of(after.date):.1f}V{lane_y[after.tier]:.1f}"
        for before, after in zip(rows, rows[1:], strict=False)
        if before.tier is not None and after.tier is not None
    ]
    if steps:
        parts.append(
            f'<path class="steps" d="{"".join(steps)}" fill="none" stroke="{MUTED}" '
            f'stroke-width="1.5" />'
        )
    for s in rows:
        x, y = x_of(s.date), lane_y[s.tier]
        name = labels.tier_label(s.tier) if s.tier else "Not counted"
        rate = "" if s.rate is None else f", {percent_text(s.rate, cuts)} absent"
        hover = f"<title>{date_text(s.date)}: {xml_text(name)}{rate}</title>"
        if s.tier is None:
            parts.append(
                f'<circle class="snapshot snapshot-none" cx="{x:.1f}" cy="{y:.1f}" r="5" '
                f'fill="#fff" stroke="{MUTED}" stroke-width="1.5">{hover}</circle>'
            )
        else:
            color = TIER_COLORS.get(s.tier, NOT_RATED_COLOR)
            parts.append(
                f'<circle class="snapshot snapshot-{xml_text(s.tier)}" cx="{x:.1f}" cy="{y:.1f}" '
                f'r="6.5" fill="{color}" stroke="{OUTLINE}" stroke-width="1">{hover}</circle>'
            )
    return parts
