"""The student page's three charts as hand-written SVG: the year's calendar, the running absence
rate against the line, and the tier at each snapshot.

Same call signatures, inputs and `Chart` (svg, sentence, table) as the Vega-Lite versions in
charts.py, with the very same sentences and tables (taken from there), and charts.py's colours
(ColorBrewer PuOr). They are drawn by building strings, in about a millisecond: vl-convert takes
75-170 ms a chart, and the student page draws three charts per request that are unique to the
student, so a cache cannot help. Nothing is fetched and nothing runs; all text is escaped here.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from html import escape

from homeroom.definitions.profile import TIERS
from homeroom.reports import labels
from homeroom.reports.charts import (
    CURRENT_YEAR_COLOR,
    DAY_COLORS,
    DAY_LABELS,
    INK,
    MONTHS,
    MUTED,
    NOT_RATED_COLOR,
    OUTLINE,
    SVG_NS,
    TIER_COLORS,
    WEEKDAYS,
    CalendarDay,
    Chart,
    RunningRate,
    Table,
    TierSnapshot,
    _calendar_sentence,
    _calendar_table,
    _day_kind,
    _month_end,
    _running_sentence,
    _running_table,
    _share_text,
    _tier_history_sentence,
    _tier_history_table,
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

# DejaVu Sans first: the report's font, and the one label widths below are estimated for.
FONT = "'DejaVu Sans', system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
EM = 0.62  # DejaVu Sans' average character width, in ems, to size label columns
AXIS = "#8c8c8c"
GRID = "#e6e6e6"
ABOVE_LINE = "#fef4e8"  # a pale tint of the oranges: the band at and above the threshold
ABSENT_INK = DAY_COLORS["absent"]
ONE_DAY = dt.timedelta(days=1)
_CHART_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# Characters XML 1.0 cannot carry at all (escaping does not help): dropped from any text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Calendar geometry, px.
CELL = 14
PITCH = 17  # cell plus the white gap between cells
MONTH_GAP = 16
MONTHS_PER_ROW = 6
WEEKDAY_COLUMN = 34
MONTH_HEAD = 18
MONTH_ROW_GAP = 12
# Line and step charts: sized for half of the web page's main column (about 540 px).
PLOT_WIDTH = 520


# -- the charts -------------------------------------------------------------------------------
def calendar_heatmap(
    days: Sequence[CalendarDay],
    *,
    title: str = "Attendance calendar",
    chart_id: str = "calendar",
) -> Chart:
    """A school year as a calendar: a weeks x weekdays block per month, six months to a row.

    Every weekday of the months the days span gets a cell (Saturday and Sunday rows only when a
    membership day falls on one); each is a <rect class="day day-<kind>" data-date=...> with a
    <title> such as "2024-09-06 (Fri): absent (unexcused)". Partly absent days also carry a
    diagonal stroke, so they differ from present days without colour.
    """
    if not days:
        raise ValueError("calendar_heatmap needs at least one day")
    _check_id(chart_id)
    given = {d.date: d for d in days}
    first, last = min(given), max(given)
    weekend = any(d.membership and d.date.weekday() >= 5 for d in days)
    shown = 7 if weekend else 5
    months = _calendar_months(first, last, shown)
    columns = max(column for cells in months.values() for _, column in cells) + 1
    per_row = min(MONTHS_PER_ROW, len(months))
    month_width = columns * PITCH - (PITCH - CELL)
    slot = month_width + MONTH_GAP
    block = MONTH_HEAD + shown * PITCH - (PITCH - CELL)
    month_rows = math.ceil(len(months) / per_row)
    legend_y = 4 + month_rows * (block + MONTH_ROW_GAP)
    legend, legend_width = _calendar_legend(legend_y)
    width = max(WEEKDAY_COLUMN + per_row * slot - MONTH_GAP + 4, legend_width)
    height = legend_y + 20
    member = [d for d in days if d.membership]
    desc = _calendar_sentence(member, first, last)
    parts = _open(chart_id, width, height, title, desc)
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
        top += MONTH_HEAD
        for day, column in cells:
            kind, words = _day_kind(given.get(day))
            x, y = left + column * PITCH, top + day.weekday() * PITCH
            key = day.isoformat()
            parts.append(
                f'<rect class="day day-{kind}" data-date="{key}" x="{x}" y="{y}" '
                f'width="{CELL}" height="{CELL}" rx="2" fill="{DAY_COLORS[kind]}">'
                f"<title>{key} ({WEEKDAYS[day.weekday()]}): {_text(words)}</title></rect>"
            )
            if kind == "partial":
                parts.append(_diagonal(x, y, CELL))
    parts += legend
    parts.append("</svg>")
    return Chart(chart_id, title, desc, "\n".join(parts), _calendar_table(member, title))


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
    written at the end of the line."""
    if not points:
        raise ValueError("running_rate_chart needs at least one day")
    _check_id(chart_id)
    ordered = sorted(points, key=lambda p: p.date)
    left, top_pad, plot_height, bottom = 54, 14, 190, 40
    plot_width = PLOT_WIDTH - left - 52  # the latest rate is written right of the line's end
    height = top_pad + plot_height + bottom
    raw = min(1.0, max([p.rate for p in points] + [threshold or 0.0, 0.05]) * 1.15)
    step = next(s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25) if raw / s <= 5 + 1e-9)
    top = min(1.0, math.ceil(raw / step - 1e-9) * step)
    base = top_pad + plot_height

    def y_of(rate: float) -> float:
        return top_pad + plot_height * (1 - min(max(rate, 0.0), top) / top)

    x_of = _x_scale(ordered[0].date, ordered[-1].date, left, plot_width)
    desc = _running_sentence(points, threshold)
    parts = _open(chart_id, PLOT_WIDTH, height, title, desc)
    line_y = None if threshold is None or threshold > top else y_of(threshold)
    if line_y is not None:
        parts.append(
            f'<rect class="above-line" x="{left}" y="{top_pad}" width="{plot_width}" '
            f'height="{line_y - top_pad:.1f}" fill="{ABOVE_LINE}" />'
        )
    ticks = [i * step for i in range(round(top / step) + 1)]
    for value in ticks:
        y = y_of(value)
        if value > 0:
            parts.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" '
                f'stroke="{GRID}" />'
            )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{MUTED}">{value * 100:.0f}%</text>'
        )
    parts += _month_axis(ordered[0].date, ordered[-1].date, x_of, top_pad, base)
    parts.append(
        f'<text transform="translate(14 {top_pad + plot_height / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle" font-size="11" fill="{INK}">Days absent / days enrolled</text>'
    )
    parts.append(
        f'<path d="M{left} {top_pad}V{base}H{left + plot_width}" fill="none" stroke="{AXIS}" />'
    )
    xy = [(x_of(p.date), y_of(p.rate)) for p in ordered]
    if line_y is not None:
        label = threshold_label or f"Chronic absence: {_share_text(threshold)}"
        parts.append(
            f'<line class="threshold" x1="{left}" y1="{line_y:.1f}" x2="{left + plot_width}" '
            f'y2="{line_y:.1f}" stroke="{TIER_COLORS["severe_chronic"]}" stroke-width="2" '
            f'stroke-dasharray="6 4" />'
        )
        parts.append(_threshold_label(label, line_y, left, plot_width, xy))
    path = "".join(f"{'L' if i else 'M'}{x:.1f} {y:.1f}" for i, (x, y) in enumerate(xy))
    parts.append(
        f'<path class="rate" d="{path}" fill="none" stroke="{CURRENT_YEAR_COLOR}" '
        f'stroke-width="2.5" stroke-linejoin="round" />'
    )
    x, y = xy[-1]
    parts.append(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{CURRENT_YEAR_COLOR}" stroke="#fff" '
        f'stroke-width="1.5" />'
        f'<text class="latest" x="{x + 8:.1f}" y="{y + 4:.1f}" font-size="12" font-weight="bold" '
        f'fill="{CURRENT_YEAR_COLOR}">{labels.percent(ordered[-1].rate)}</text>'
    )
    parts.append("</svg>")
    return Chart(chart_id, title, desc, "\n".join(parts), _running_table(points, title))


def tier_history_chart(
    snapshots: Sequence[TierSnapshot],
    *,
    title: str = "Tier at each snapshot",
    chart_id: str = "tier-history",
) -> Chart:
    """The tier at each snapshot date as a step line over one lane per tier (worst at the
    top, each lane labelled), a dot coloured by tier at each snapshot. Snapshots where the
    student was not counted sit, hollow, in a "Not counted" lane below, and break the line."""
    if not snapshots:
        raise ValueError("tier_history_chart needs at least one snapshot")
    _check_id(chart_id)
    rows = sorted(snapshots, key=lambda s: s.date)
    others = sorted({s.tier for s in rows if s.tier is not None and s.tier not in TIERS})
    lanes: list[str | None] = [*reversed((*TIERS, *others))]
    if any(s.tier is None for s in rows):
        lanes.append(None)
    lane_names = [labels.tier_label(t) if t else "Not counted" for t in lanes]
    lane_height, top_pad, bottom = 26, 8, 40
    left = round(max(len(n) for n in lane_names) * 11 * EM) + 16
    plot_width = PLOT_WIDTH - left - 8
    height = top_pad + lane_height * len(lanes) + bottom
    base = top_pad + lane_height * len(lanes)
    lane_y = {t: top_pad + lane_height * (i + 0.5) for i, t in enumerate(lanes)}
    # Dots stay clear of the plot's edges.
    x_of = _x_scale(rows[0].date, rows[-1].date, left + 12, plot_width - 24)
    desc = _tier_history_sentence(rows)
    parts = _open(chart_id, PLOT_WIDTH, height, title, desc)
    for tier, name in zip(lanes, lane_names, strict=True):
        y = lane_y[tier]
        style = f'fill="{INK}"' if tier else f'fill="{MUTED}" font-style="italic"'
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" '
            f'stroke="{GRID}" />'
            f'<text class="tier-label" x="{left - 10}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11" {style}>{_text(name)}</text>'
        )
    for s in rows:
        x = x_of(s.date)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top_pad}" x2="{x:.1f}" y2="{base + 4}" stroke="{GRID}" />'
        )
    parts += _snapshot_labels([s.date for s in rows], x_of, base)
    parts.append(
        f'<path d="M{left} {top_pad}V{base}H{left + plot_width}" fill="none" stroke="{AXIS}" />'
    )
    steps = []
    for before, after in zip(rows, rows[1:], strict=False):
        if before.tier is not None and after.tier is not None:
            steps.append(
                f"M{x_of(before.date):.1f} {lane_y[before.tier]:.1f}"
                f"H{x_of(after.date):.1f}V{lane_y[after.tier]:.1f}"
            )
    if steps:
        parts.append(
            f'<path class="steps" d="{"".join(steps)}" fill="none" stroke="{MUTED}" '
            f'stroke-width="1.5" />'
        )
    for s in rows:
        x, y = x_of(s.date), lane_y[s.tier]
        name = labels.tier_label(s.tier) if s.tier else "Not counted"
        rate = "" if s.rate is None else f", {labels.percent(s.rate)} absent"
        hover = f"<title>{s.date.isoformat()}: {_text(name)}{rate}</title>"
        if s.tier is None:
            parts.append(
                f'<circle class="snapshot snapshot-none" cx="{x:.1f}" cy="{y:.1f}" r="5" '
                f'fill="#fff" stroke="{MUTED}" stroke-width="1.5">{hover}</circle>'
            )
        else:
            color = TIER_COLORS.get(s.tier, NOT_RATED_COLOR)
            parts.append(
                f'<circle class="snapshot snapshot-{_text(s.tier)}" cx="{x:.1f}" cy="{y:.1f}" '
                f'r="6.5" fill="{color}" stroke="{OUTLINE}" stroke-width="1">{hover}</circle>'
            )
    parts.append("</svg>")
    table = _tier_history_table(rows, title)
    return Chart(chart_id, title, desc, "\n".join(parts), table)


# -- pieces -----------------------------------------------------------------------------------
def _check_id(chart_id: str) -> None:
    if not _CHART_ID.fullmatch(chart_id):
        raise ValueError(f"chart id must be a plain name (letters, digits, - or _): {chart_id!r}")


def _text(value: object) -> str:
    """Text or an attribute value, escaped; characters XML cannot hold at all are dropped."""
    return escape(_NOT_XML.sub("", str(value)), quote=True)


def _open(chart_id: str, width: float, height: float, title: str, desc: str) -> list[str]:
    # width/height give the natural size; the viewBox lets CSS (max-width: 100%) scale it down.
    return [
        f'<svg xmlns="{SVG_NS}" id="{chart_id}" class="chart" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="{FONT}">',
        f'<title id="{chart_id}-title">{_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{_text(desc)}</desc>',
        '<rect width="100%" height="100%" fill="#fff" />',  # white under the marks, dark mode too
    ]


def _threshold_label(
    label: str, line_y: float, left: float, width: float, xy: Sequence[tuple[float, float]]
) -> str:
    """The threshold's label just above or below the dashed line, at its left or right end:
    wherever the rate's line crosses it least (on a white halo, in case it still does)."""
    length = len(label) * 11 * EM
    best = None
    for above in (True, False):
        for start in (True, False):
            x0 = left + 6 if start else left + width - 6 - length
            y0 = line_y - 16 if above else line_y + 3
            hits = _crossings(xy, x0 - 3, x0 + length + 3, y0 - 2, y0 + 15)
            if best is None or hits < best[0]:
                best = (hits, x0, y0 + 11, above)
    _, x, y, above = best
    halo = ABOVE_LINE if above else "#fff"
    return (
        f'<text class="threshold-label" x="{x:.1f}" y="{y:.1f}" font-size="11" fill="{INK}" '
        f'stroke="{halo}" stroke-width="3" stroke-linejoin="round" paint-order="stroke">'
        f"{_text(label)}</text>"
    )


def _crossings(
    xy: Sequence[tuple[float, float]], x0: float, x1: float, y0: float, y1: float
) -> int:
    """How many pieces of the polyline pass through the box (x0..x1, y0..y1)."""
    hits = 0
    if len(xy) == 1:
        (x, y) = xy[0]
        return int(x0 <= x <= x1 and y0 <= y <= y1)
    for (ax, ay), (bx, by) in zip(xy, xy[1:], strict=False):
        if bx < x0 or ax > x1:
            continue
        # The piece's y at the box's edges (or its own ends, inside the box).
        lo_x, hi_x = max(ax, x0), min(bx, x1)
        slope = (by - ay) / (bx - ax) if bx != ax else 0.0
        ya, yb = ay + slope * (lo_x - ax), ay + slope * (hi_x - ax)
        if bx == ax:
            ya, yb = ay, by
        if max(ya, yb) >= y0 and min(ya, yb) <= y1:
            hits += 1
    return hits


def _calendar_months(
    first: dt.date, last: dt.date, shown: int
) -> dict[tuple[int, int], list[tuple[dt.date, int]]]:
    """(year, month) -> its drawn dates with their week column, whole months from first's to
    last's. A month starting on a hidden weekend day loses its empty first column."""
    months: dict[tuple[int, int], list[tuple[dt.date, int]]] = {}
    day, end = first.replace(day=1), _month_end(last)
    offset = shift = 0
    while day <= end:
        if day.day == 1:
            offset = day.weekday()
            shift = 1 if shown == 5 and offset >= 5 else 0
            months[(day.year, day.month)] = []
        if day.weekday() < shown:
            months[(day.year, day.month)].append((day, (day.day - 1 + offset) // 7 - shift))
        day += ONE_DAY
    return months


def _diagonal(x: float, y: float, size: float) -> str:
    return (
        f'<path d="M{x + 1} {y + size - 1}L{x + size - 1} {y + 1}" stroke="{ABSENT_INK}" '
        f'stroke-width="1.5" pointer-events="none" />'
    )


def _calendar_legend(y: float) -> tuple[list[str], float]:
    parts, x = [], WEEKDAY_COLUMN
    for kind, color in DAY_COLORS.items():
        parts.append(
            f'<rect class="legend-swatch" x="{x}" y="{y}" width="{CELL - 2}" '
            f'height="{CELL - 2}" rx="2" fill="{color}" stroke="{MUTED}" stroke-width="0.8" />'
        )
        if kind == "partial":
            parts.append(_diagonal(x, y, CELL - 2))
        parts.append(
            f'<text x="{x + CELL + 4}" y="{y + 10}" font-size="11" fill="{INK}">'
            f"{DAY_LABELS[kind]}</text>"
        )
        x += CELL + 4 + len(DAY_LABELS[kind]) * 11 * EM + 20
    return parts, x


def _x_scale(
    first: dt.date, last: dt.date, left: float, width: float
) -> Callable[[dt.date], float]:
    span = (last - first).days
    if span == 0:  # one date: in the middle
        return lambda _: left + width / 2
    return lambda day: left + (day - first).days / span * width


def _month_axis(
    first: dt.date, last: dt.date, x_of: Callable[[dt.date], float], top: float, base: float
) -> list[str]:
    """A gridline at each month start inside the range and the month's name centred under its
    stretch (where it fits), with the year under the first named month and under January."""
    parts: list[str] = []
    month, named = first.replace(day=1), False
    while month <= last:
        following = _month_end(month) + ONE_DAY
        start, stop = x_of(max(month, first)), x_of(min(following, last))
        if month > first:
            parts.append(
                f'<line x1="{start:.1f}" y1="{top}" x2="{start:.1f}" y2="{base + 5}" '
                f'stroke="{GRID}" />'
            )
        if stop - start >= 24 or (first == last):
            middle = (start + stop) / 2
            parts.append(
                f'<text x="{middle:.1f}" y="{base + 16}" text-anchor="middle" font-size="11" '
                f'fill="{MUTED}">{MONTHS[month.month - 1]}</text>'
            )
            if not named or month.month == 1:
                parts.append(
                    f'<text x="{middle:.1f}" y="{base + 30}" text-anchor="middle" '
                    f'font-size="10" fill="{MUTED}">{month.year}</text>'
                )
            named = True
        month = following
    return parts


def _snapshot_labels(
    dates: Sequence[dt.date], x_of: Callable[[dt.date], float], base: float
) -> list[str]:
    """Each snapshot's date ("Oct 31") under its dot, the year under the first and wherever it
    changes. A label too close to the one before it is left out; the last one always shows
    (its neighbour gives way), as it is the student's latest tier."""
    kept: list[dt.date] = []
    for day in dates:
        if not kept or x_of(day) - x_of(kept[-1]) >= 44:
            kept.append(day)
    if kept[-1] != dates[-1]:
        if x_of(dates[-1]) - x_of(kept[-1]) < 44 and len(kept) > 1:
            kept.pop()
        if x_of(dates[-1]) - x_of(kept[-1]) >= 44:
            kept.append(dates[-1])
    parts, year = [], None
    for day in kept:
        x = x_of(day)
        parts.append(
            f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" font-size="11" '
            f'fill="{MUTED}">{MONTHS[day.month - 1]} {day.day}</text>'
        )
        if day.year != year:
            parts.append(
                f'<text x="{x:.1f}" y="{base + 30}" text-anchor="middle" font-size="10" '
                f'fill="{MUTED}">{day.year}</text>'
            )
            year = day.year
    return parts
