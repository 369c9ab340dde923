"""The one-page fact sheet: HTML from `templates/sheet.html` (Jinja2, autoescaped, its sentences
translated through the `awareness` catalog), and the same page as a PDF by WeasyPrint.

A sheet is one page by design: `pdf` refuses to write a longer one rather than print a second
page nobody asked for.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from babel.numbers import format_decimal
from markupsafe import Markup

from homeroom.awareness.content import Figure, UnitFacts
from homeroom.awareness.images import svg
from homeroom.awareness.languages import long_date, percent, school_year, translations


class SheetTooLong(ValueError):
    """A sheet whose words do not fit on one page."""


@cache
def environment(code: str) -> jinja2.Environment:
    """The sheet's templates, translated into CODE."""
    folder = resources.files("homeroom.awareness") / "templates"
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (folder / name).read_text(encoding="utf-8")),
        autoescape=True,
        lstrip_blocks=True,  # no trim_blocks: the line break after a sentence is its space
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(  # type: ignore[attr-defined]
        translations(code), newstyle=True
    )
    return env


def _shown(figure: Figure | None, code: str) -> dict[str, Any] | None:
    if figure is None:
        return None
    rate = None if figure.rate is None else percent(figure.rate, code)
    return {"kind": figure.kind, "name": figure.name, "rate": rate}


def context(facts: UnitFacts, code: str, *, chart: bool = True) -> dict[str, Any]:
    """The sheet's values, every number written as the language writes it."""
    own = _shown(facts.own, code)
    assert own is not None
    beside = _shown(facts.beside, code)
    share, days = facts.threshold_share, facts.threshold_days
    return {
        "lang": code,
        "kind": facts.own.kind,
        "name": facts.own.name,
        "rate": own["rate"],
        "beside": beside,
        "code": beside["name"] if beside and beside["kind"] == "state" else "",
        "year": school_year(facts.school_year),
        "date": long_date(facts.as_of, code),
        "ten": percent(0.1, code),
        "share": None if share is None else percent(float(share), code),
        "threshold_days": format_decimal(float(days or 0), locale=code),
        "min_days": facts.minimum_days,
        "group": facts.minimum_group,
        "definition": facts.definition,
        "chart": Markup(svg(facts, code)) if chart and facts.charted else None,
    }


def render(facts: UnitFacts, code: str) -> str:
    """The sheet of one unit in CODE, as one self-contained HTML page."""
    return environment(code).get_template("sheet.html").render(**context(facts, code))


def pdf(html: str) -> bytes:
    """The sheet as a one-page PDF (US Letter); fetches nothing."""
    import weasyprint

    document = weasyprint.HTML(string=html, url_fetcher=_refuse, base_url=None).render()
    if len(document.pages) != 1:
        raise SheetTooLong(f"the sheet runs to {len(document.pages)} pages; it must fit on one")
    return bytes(document.write_pdf(pdf_tags=True))


def write(facts: UnitFacts, code: str, out: Path) -> Path:
    """Write one unit's sheet as a PDF at OUT."""
    out.write_bytes(pdf(render(facts, code)))
    return out


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # The sheet carries everything inline; a link to fetch is a bug, never a download.
    raise ValueError(f"the awareness sheet fetches nothing (asked for {url[:60]!r})")
