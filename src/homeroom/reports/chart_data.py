"""What a chart is given and what it gives back: plain frozen dataclasses, no drawing.

Inputs (`MonthRate`, `RateRow`, `Reference`, `CalendarDay`, `RunningRate`, `TierSnapshot`) are
what pages and the report hand to a chart; a `Chart` is the SVG, the sentence that says what it
shows, and the same numbers as a `Table` for readers who cannot see the picture.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape


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
