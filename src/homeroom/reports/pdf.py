"""The printable district report: one designed HTML document, and the same document as a PDF.

`render_report(summary, trend)` gives self-contained HTML (inline CSS and SVG charts, no
scripts, nothing fetched), from templates/print.html (Jinja2, autoescaped) filled by page.py;
`write_report(..., out)` writes it, or a PDF made from it by WeasyPrint, by the file's suffix.
Page numbers, running heads and page breaks live in templates/print.css (CSS paged media), so
the HTML also prints well from a browser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from homeroom.reports.chart_data import MonthRate
from homeroom.reports.effect_section import effect_table
from homeroom.reports.page import context
from homeroom.reports.summary import Summary
from homeroom.reports.templating import package_environment

SUFFIXES = (".html", ".htm", ".pdf")
Progress = Callable[[str], None]


def render_report(
    summary: Summary,
    trend: Sequence[MonthRate] = (),
    *,
    generated: dt.date | None = None,
    progress: Progress | None = None,
    effects: Sequence[Mapping[str, Any]] = (),
) -> str:
    """The whole printable report as one HTML document.

    `effects`: `homeroom effect`'s rows, as mappings; the section "Did supports work?" is
    printed only when there are some.
    """
    say = progress or (lambda _step: None)
    say("drawing charts")
    values = context(summary, tuple(trend), generated or dt.date.today())
    values["effects"] = effect_table(effects)
    return _environment().get_template("print.html").render(**values)


def write_report(
    summary: Summary,
    out: Path,
    trend: Sequence[MonthRate] = (),
    *,
    generated: dt.date | None = None,
    progress: Progress | None = None,
    effects: Sequence[Mapping[str, Any]] = (),
) -> Path:
    """Write the report as HTML or PDF, chosen by `out`'s suffix (.html, .htm or .pdf)."""
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"the report is written as .html or .pdf; got {out.name!r}")
    html = render_report(summary, trend, generated=generated, progress=progress, effects=effects)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pdf":
        if progress is not None:
            progress("laying out the PDF")
        out.write_bytes(html_to_pdf(html))
    else:
        out.write_text(html, encoding="utf-8")
    return out


def html_to_pdf(html: str) -> bytes:
    """The PDF of a report page (WeasyPrint; fetches nothing, so the PDF is what the HTML is)."""
    import weasyprint

    document = weasyprint.HTML(string=html, url_fetcher=_refuse, base_url=None)
    return document.write_pdf(pdf_tags=True)


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # The report carries everything inline; a link to fetch is a bug, never a download.
    raise ValueError(f"the report fetches nothing (asked for {url[:60]!r})")


def _environment() -> jinja2.Environment:
    return package_environment("homeroom.reports")
