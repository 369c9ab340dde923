"""The district summary a data team reads first: its numbers (summary), the terminal rendering,
and the printable report (one Jinja2 page, written as HTML or as a PDF drawn from that HTML)."""

from homeroom.reports.pdf import render_report, write_report
from homeroom.reports.summary import DEFAULT_GROUP_COLUMNS, Metrics, Summary, build_summary
from homeroom.reports.terminal import render_terminal

__all__ = [
    "DEFAULT_GROUP_COLUMNS",
    "Metrics",
    "Summary",
    "build_summary",
    "render_report",
    "render_terminal",
    "write_report",
]
