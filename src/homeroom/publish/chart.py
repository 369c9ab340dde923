"""A horizontal bar chart's geometry for the site's inline SVG (drawn by templates/parts.html).

Plain SVG, no script and no renderer: a page stays small and works without JavaScript. Every
chart has a title and a text description, and its numbers are also a table on the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

LABEL_WIDTH = 190
BAR_SPACE = 330
VALUE_SPACE = 120
ROW_HEIGHT = 24
BAR_HEIGHT = 16
TOP = 6


class Rated(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def rate(self) -> float | None: ...
    @property
    def rate_text(self) -> str: ...


@dataclass(frozen=True)
class Bar:
    label: str
    y: int  # top of the row
    width: float  # 0 for a suppressed or empty cell
    text: str  # the value printed after the bar


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    width: int
    height: int
    bar_x: int
    bars: tuple[Bar, ...]


def bar_chart(title: str, rows: Sequence[Rated]) -> Chart:
    """One bar per row, scaled to the largest rate (rounded up to a tenth) so bars compare."""
    top = max((r.rate for r in rows if r.rate is not None), default=0.0)
    scale = max(math.ceil(top * 10) / 10, 0.1)
    bars = tuple(
        Bar(
            label=r.label,
            y=TOP + i * ROW_HEIGHT,
            width=round(BAR_SPACE * (r.rate or 0.0) / scale, 1),
            text=r.rate_text if r.rate is not None else "* suppressed",
        )
        for i, r in enumerate(rows)
    )
    return Chart(
        title=title,
        description="; ".join(f"{b.label}: {b.text}" for b in bars),
        width=LABEL_WIDTH + BAR_SPACE + VALUE_SPACE,
        height=TOP * 2 + ROW_HEIGHT * len(bars),
        bar_x=LABEL_WIDTH,
        bars=bars,
    )
