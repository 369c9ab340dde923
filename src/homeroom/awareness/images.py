"""The sheet's chart (the unit's chronic absence rate beside the larger unit's, two labelled
bars) as images sized for social media, each with its alternative text in the sheet's language.

Sizes: 1200×675 (X/Twitter, LinkedIn, Facebook links) and 1080×1080 (Instagram). The same chart,
smaller, is drawn as SVG on the printed sheet. vl-convert draws offline, in the house style.
"""

from __future__ import annotations

import io
import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vl_convert
from PIL import Image

from homeroom.awareness.content import Figure, UnitFacts
from homeroom.awareness.languages import long_date, percent, school_year, translations
from homeroom.reports.palette import CURRENT_YEAR_COLOR, FONT, FONT_DIRECTORY, INK, MUTED

SIZES = {"landscape": (1200, 675), "square": (1080, 1080)}  # name -> (width, height) in pixels
SCALE = 1.7  # type size of the social images (1 = the sheet's 16 px labels at 0.6)
BESIDE_COLOR = "#7a7a7a"  # the comparison bar: grey, 4.3:1 on white, the unit's own bar blue


@dataclass(frozen=True)
class Picture:
    file: str
    width: int
    height: int
    alt: str


def label(figure: Figure, code: str) -> str:
    """How a bar and a sentence name a unit: a school or district by name, a state by its code."""
    gettext = translations(code).gettext
    if figure.kind != "state":
        return figure.name
    if figure.name:
        return gettext("State (%(code)s)") % {"code": figure.name}
    return gettext("State")


def alt_text(facts: UnitFacts, code: str) -> str:
    """What the chart shows, in words, with its numbers (for screen readers and posts)."""
    gettext = translations(code).gettext
    own = facts.own
    assert own.rate is not None, "a chart is drawn only for a figure that may be shown"
    words = [
        gettext(
            "Bar chart. %(name)s: %(rate)s of students were chronically absent in the "
            "%(year)s school year, through %(date)s."
        )
        % {"name": own.name, "rate": percent(own.rate, code),
           "year": school_year(facts.school_year), "date": long_date(facts.as_of, code)}
    ]  # fmt: skip
    beside = facts.beside
    if beside is not None and beside.rate is not None:
        words.append(
            gettext("%(name)s: %(rate)s.")
            % {"name": label(beside, code), "rate": percent(beside.rate, code)}
        )
    elif beside is not None:
        words.append(
            gettext("%(name)s: not shown, too few students for privacy.")
            % {"name": label(beside, code)}
        )
    return " ".join(words)


def chart_spec(facts: UnitFacts, code: str, width: int, height: int, scale: float) -> dict:
    """The two-bar chart (one bar when nothing may be shown beside the unit), SCALE sizing text."""
    gettext = translations(code).gettext
    figures = [f for f in (facts.own, facts.beside) if f is not None and f.rate is not None]
    values = [
        {"unit": "\n".join(textwrap.wrap(label(f, code), 24)), "rate": f.rate,
         "shown": percent(f.rate or 0.0, code), "own": i == 0}
        for i, f in enumerate(figures)
    ]  # fmt: skip
    top = max(0.1, *(f.rate or 0.0 for f in figures)) * 1.25
    x = {"field": "unit", "type": "nominal", "sort": None,
         "axis": {"title": None, "labelAngle": 0, "labelFontSize": 16 * scale,
                  "labelLimit": width / 2.2, "labelExpr": "split(datum.label, '\\n')",
                  "labelColor": INK, "ticks": False}}  # fmt: skip
    y = {"field": "rate", "type": "quantitative", "axis": None, "scale": {"domain": [0, top]}}
    color = {"condition": {"test": "datum.own", "value": CURRENT_YEAR_COLOR},
             "value": BESIDE_COLOR}  # fmt: skip
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": width, "height": height,
        "autosize": {"type": "fit", "contains": "padding"},
        "padding": 24 * scale, "background": "#ffffff",
        "config": {"font": FONT, "view": {"stroke": None}},
        "title": {"text": gettext("Chronic absence, %(year)s school year")
                  % {"year": school_year(facts.school_year)},
                  "subtitle": gettext("Share of students chronically absent, through %(date)s")
                  % {"date": long_date(facts.as_of, code)},
                  "fontSize": 22 * scale, "subtitleFontSize": 14 * scale, "color": INK,
                  "subtitleColor": MUTED, "anchor": "start"},
        "data": {"values": values},
        "encoding": {"x": x, "y": y},
        "layer": [
            {"mark": {"type": "bar", "cornerRadiusEnd": 3 * scale, "width": {"band": 0.6}},
             "encoding": {"color": color}},
            {"mark": {"type": "text", "dy": -12 * scale, "fontSize": 24 * scale,
                      "fontWeight": "bold", "color": INK},
             "encoding": {"text": {"field": "shown"}}},
        ],
    }  # fmt: skip


def _ready() -> None:
    if FONT_DIRECTORY.is_dir():  # labels measured with the font they are drawn in
        vl_convert.register_font_directory(str(FONT_DIRECTORY))


def png(spec: dict[str, Any], width: int, height: int) -> bytes:
    """The chart as a PNG of exactly WIDTH×HEIGHT pixels (white around it if Vega is a pixel
    short)."""
    _ready()
    drawn = Image.open(io.BytesIO(vl_convert.vegalite_to_png(spec, scale=1)))
    canvas = Image.new("RGB", (width, height), "#ffffff")
    canvas.paste(drawn.convert("RGB").crop((0, 0, width, height)), (0, 0))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def svg(facts: UnitFacts, code: str) -> str:
    """The chart for the printed sheet, as inline SVG (about 3 by 2 inches)."""
    _ready()
    return str(vl_convert.vegalite_to_svg(chart_spec(facts, code, 300, 200, 0.6)))


def write_images(facts: UnitFacts, code: str, folder: Path) -> list[Picture]:
    """The PNGs of a unit whose figure may be shown, and `images.<code>.json` listing them."""
    if not facts.charted:
        return []
    alt = alt_text(facts, code)
    pictures = []
    for width, height in SIZES.values():
        file = f"chart-{width}x{height}.{code}.png"
        (folder / file).write_bytes(png(chart_spec(facts, code, width, height, SCALE),
                                        width, height))  # fmt: skip
        pictures.append(Picture(file, width, height, alt))
    listing = [{**p.__dict__, "language": code} for p in pictures]
    (folder / f"images.{code}.json").write_text(
        json.dumps(listing, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return pictures
