"""Small inline SVG charts: horizontal bars with value labels, and one stacked bar.

Hand-drawn on purpose (no plotting dependency). Every chart carries a <title> and <desc> for
screen readers, and every bar a text label beside it, so nothing is told by colour alone.
Text is escaped here; callers pass plain strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

# Level colours run from green to dark red; each has a text colour that reads on it.
LEVEL_COLORS = {
    "low": "#1a7f37",
    "modest": "#7cb342",
    "significant": "#f2b705",
    "high": "#e8590c",
    "extreme": "#8b0000",
}
TIER_COLORS = {
    "satisfactory": "#1a7f37",
    "at_risk": "#f2b705",
    "moderate_chronic": "#e8590c",
    "severe_chronic": "#8b0000",
}
INK_ON = {
    "#1a7f37": "#fff",
    "#7cb342": "#000",
    "#f2b705": "#000",
    "#e8590c": "#000",
    "#8b0000": "#fff",
}
NEUTRAL = "#6b7280"
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"
CHAR_WIDTH = 7.2  # average width of a 13px character, to size label columns


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # a share 0..1; None draws no bar (suppressed or no data)
    text: str  # the value label printed after the bar, e.g. "27.3%" or "fewer than 10 students"
    color: str = NEUTRAL


@dataclass(frozen=True)
class Segment:
    label: str
    share: float
    text: str  # legend text, e.g. "Satisfactory: 500 students (50.0%)"
    color: str


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _open(chart_id: str, width: float, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg class="chart" id="{_attr(chart_id)}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" '
        f'aria-labelledby="{_attr(chart_id)}-title {_attr(chart_id)}-desc" style="{FONT}">',
        f'<title id="{_attr(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{_attr(chart_id)}-desc">{escape(desc)}</desc>',
    ]


def bar_chart(
    chart_id: str,
    title: str,
    bars: Sequence[Bar],
    *,
    scale_max: float | None = None,
    bar_width: float = 360,
    reference: tuple[float, str] | None = None,
) -> str:
    """Horizontal bars, one per row: label, bar, value text. Shares scale to the largest value.

    `reference` (value, text) draws a dashed line across the bars, e.g. the district's own rate.
    """
    row, label_width = 26, _label_width(b.label for b in bars)
    values = [b.value for b in bars if b.value is not None]
    top = max([*values, reference[0] if reference else 0.0], default=0.0)
    scale = scale_max or top or 1.0
    text_width = max((len(b.text) for b in bars), default=4) * CHAR_WIDTH + 12
    width = label_width + bar_width + text_width
    head = 22 if reference else 0  # room above the bars for the reference line's label
    height = head + row * len(bars) + 6
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    if reference:
        desc += f"; {reference[1]}"
    parts = _open(chart_id, width, height, title, desc)
    for i, bar in enumerate(bars):
        y = head + 3 + i * row
        parts.append(f"<g><title>{escape(bar.label)}: {escape(bar.text)}</title>")
        parts.append(
            f'<text x="{label_width - 8:.0f}" y="{y + 17}" text-anchor="end" font-size="13" '
            f'fill="#111">{escape(bar.label)}</text>'
        )
        length = 0.0 if bar.value is None else max(bar.value / scale, 0.0) * bar_width
        if bar.value is not None:
            parts.append(
                f'<rect x="{label_width}" y="{y + 3}" width="{max(length, 1):.1f}" height="18" '
                f'fill="{_attr(bar.color)}" />'
            )
        # A bar with no value (suppressed) says why in grey italics instead.
        style = 'fill="#111"' if bar.value is not None else 'font-style="italic" fill="#555"'
        parts.append(
            f'<text x="{label_width + length + 6:.1f}" y="{y + 17}" font-size="13" {style}>'
            f"{escape(bar.text)}</text></g>"
        )
    if reference:
        parts.append(_reference(reference, label_width + reference[0] / scale * bar_width, height))
    parts.append("</svg>")
    return "\n".join(parts)


def stacked_bar(chart_id: str, title: str, segments: Sequence[Segment], width: float = 640) -> str:
    """One bar split into shares (the tiers), with each share's label written under it."""
    bar_height, legend_row = 34, 22
    height = bar_height + 12 + legend_row * len(segments)
    desc = "; ".join(s.text for s in segments)
    parts = _open(chart_id, width, height, title, desc)
    x = 0.0
    for segment in segments:
        length = max(segment.share, 0.0) * width
        if length > 0:
            parts.append(
                f'<rect x="{x:.1f}" y="0" width="{length:.1f}" height="{bar_height}" '
                f'fill="{_attr(segment.color)}"><title>{escape(segment.text)}</title></rect>'
            )
            short = f"{segment.share * 100:.0f}%"
            if length > len(short) * CHAR_WIDTH + 8:  # only where the number fits inside
                ink = INK_ON.get(segment.color, "#000")
                parts.append(
                    f'<text x="{x + length / 2:.1f}" y="{bar_height / 2 + 5:.0f}" '
                    f'text-anchor="middle" font-size="13" fill="{ink}">{short}</text>'
                )
        x += length
    for i, segment in enumerate(segments):
        y = bar_height + 12 + i * legend_row
        parts.append(
            f'<rect x="0" y="{y}" width="14" height="14" fill="{_attr(segment.color)}" />'
            f'<text x="22" y="{y + 12}" font-size="13" fill="#111">{escape(segment.text)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _reference(reference: tuple[float, str], x: float, height: float) -> str:
    return (
        f'<g><line x1="{x:.1f}" y1="16" x2="{x:.1f}" y2="{height - 2:.0f}" stroke="#111" '
        f'stroke-width="1.5" stroke-dasharray="4 3" />'
        f'<text x="{x:.1f}" y="12" text-anchor="middle" font-size="12" fill="#111">'
        f"{escape(reference[1])}</text></g>"
    )


def _label_width(labels: Iterable[str]) -> float:
    longest = max((len(label) for label in labels), default=8)
    return min(max(longest, 8), 40) * CHAR_WIDTH + 12
