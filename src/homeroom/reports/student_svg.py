"""The pieces the hand-drawn student charts are built of: the SVG's opening with its title and
description, escaping, scales and axes, the calendar's month blocks and legend, and where the
threshold's label goes. Strings only; nothing is fetched and nothing runs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from html import escape

from homeroom.metrics.months import last_of_month
from homeroom.reports.palette import DAY_COLORS, DAY_LABELS, INK, MONTHS, MUTED
from homeroom.reports.vega import SVG_NS

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


def check_id(chart_id: str) -> None:
    if not _CHART_ID.fullmatch(chart_id):
        raise ValueError(f"chart id must be a plain name (letters, digits, - or _): {chart_id!r}")


def xml_text(value: object) -> str:
    """Text or an attribute value, escaped; characters XML cannot hold at all are dropped."""
    return escape(_NOT_XML.sub("", str(value)), quote=True)


def svg_open(chart_id: str, width: float, height: float, title: str, desc: str) -> list[str]:
    # width/height give the natural size; the viewBox lets CSS (max-width: 100%) scale it down.
    return [
        f'<svg xmlns="{SVG_NS}" id="{chart_id}" class="chart" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="{FONT}">',
        f'<title id="{chart_id}-title">{xml_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{xml_text(desc)}</desc>',
        '<rect width="100%" height="100%" fill="#fff" />',  # white under the marks, dark mode too
    ]


def threshold_label(
    label: str, line_y: float, left: float, width: float, xy: Sequence[tuple[float, float]]
) -> str:
    """The threshold's label just above or below the dashed line, at its left or right end:
    wherever the rate's line crosses it least (on a white halo, in case it still does)."""
    length = len(label) * 11 * EM
    best: tuple[int, float, float, bool] | None = None
    for above in (True, False):
        for start in (True, False):
            x0 = left + 6 if start else left + width - 6 - length
            y0 = line_y - 16 if above else line_y + 3
            hits = crossings(xy, x0 - 3, x0 + length + 3, y0 - 2, y0 + 15)
            if best is None or hits < best[0]:
                best = (hits, x0, y0 + 11, above)
    assert best is not None  # four places were tried
    _, x, y, above = best
    halo = ABOVE_LINE if above else "#fff"
    return (
        f'<text class="threshold-label" x="{x:.1f}" y="{y:.1f}" font-size="11" fill="{INK}" '
        f'stroke="{halo}" stroke-width="3" stroke-linejoin="round" paint-order="stroke">'
        f"{xml_text(label)}</text>"
    )


def crossings(xy: Sequence[tuple[float, float]], x0: float, x1: float, y0: float, y1: float) -> int:
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


def calendar_months(
    first: dt.date, last: dt.date, shown: int
) -> dict[tuple[int, int], list[tuple[dt.date, int]]]:
    """(year, month) -> its drawn dates with their week column, whole months from first's to
    last's. A month starting on a hidden weekend day loses its empty first column."""
    months: dict[tuple[int, int], list[tuple[dt.date, int]]] = {}
    day, end = first.replace(day=1), last_of_month(last)
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


def diagonal(x: float, y: float, size: float) -> str:
    return (
        f'<path d="M{x + 1} {y + size - 1}L{x + size - 1} {y + 1}" stroke="{ABSENT_INK}" '
        f'stroke-width="1.5" pointer-events="none" />'
    )


def calendar_legend(y: float) -> tuple[list[str], float]:
    parts: list[str] = []
    x: float = WEEKDAY_COLUMN
    for kind, color in DAY_COLORS.items():
        parts.append(
            f'<rect class="legend-swatch" x="{x}" y="{y}" width="{CELL - 2}" '
            f'height="{CELL - 2}" rx="2" fill="{color}" stroke="{MUTED}" stroke-width="0.8" />'
        )
        if kind == "partial":
            parts.append(diagonal(x, y, CELL - 2))
        parts.append(
            f'<text x="{x + CELL + 4}" y="{y + 10}" font-size="11" fill="{INK}">'
            f"{DAY_LABELS[kind]}</text>"
        )
        x += CELL + 4 + len(DAY_LABELS[kind]) * 11 * EM + 20
    return parts, x


def x_scale(first: dt.date, last: dt.date, left: float, width: float) -> Callable[[dt.date], float]:
    span = (last - first).days
    if span == 0:  # one date: in the middle
        return lambda _: left + width / 2
    return lambda day: left + (day - first).days / span * width


def month_axis(
    first: dt.date, last: dt.date, x_of: Callable[[dt.date], float], top: float, base: float
) -> list[str]:
    """A gridline at each month start inside the range and the month's name centred under its
    stretch (where it fits), with the year under the first named month and under January."""
    parts: list[str] = []
    month, named = first.replace(day=1), False
    while month <= last:
        following = last_of_month(month) + ONE_DAY
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


def snapshot_labels(
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
