"""The district summary a data team reads first: numbers (summary), terminal and HTML renderings."""

from homeroom.reports.html import render_html
from homeroom.reports.summary import DEFAULT_GROUP_COLUMNS, Metrics, Summary, build_summary
from homeroom.reports.terminal import render_terminal

__all__ = [
    "DEFAULT_GROUP_COLUMNS",
    "Metrics",
    "Summary",
    "build_summary",
    "render_html",
    "render_terminal",
]
