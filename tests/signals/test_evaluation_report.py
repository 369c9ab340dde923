"""The evaluation report: Markdown and the HTML page rendered through its Jinja2 template.

Checked for its content (the same sections in both), its privacy (aggregates only: no student
id in it), what the page fetches (nothing), its escaping, and its charts (drawn by the reports'
one renderer, in the one palette, each with its numbers as a table).
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET

import pytest

from homeroom.reports import palette
from homeroom.signals.evaluation import Evaluation
from homeroom.signals.evaluation_report import render, render_html, render_markdown, report

STUDENT_ID = re.compile(r"\bS\d{7}\b")
SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'


def palette_colors() -> set[str]:
    colors: set[str] = set()
    for value in vars(palette).values():
        if isinstance(value, str) and value.startswith("#"):
            colors.add(value.lower())
        elif isinstance(value, dict | tuple):
            items = value.values() if isinstance(value, dict) else value
            colors |= {v.lower() for v in items if isinstance(v, str) and v.startswith("#")}
    return colors


def test_the_report(evaluation: Evaluation) -> None:
    result = evaluation
    markdown = render_markdown(result)
    for heading in (
        "## Lead time",
        "## Each check date",
        "## Calibration",
        "## By student group",
        "### Recall spread across groups (goal: within 5 points)",
        "## What these figures do and do not show",
    ):
        assert heading in markdown
    assert "not evidence of real-world accuracy" in markdown
    assert "1 October 2024" in markdown and "1 January 2025" in markdown
    html = render_html(result)
    root = ET.fromstring(html.replace("<!DOCTYPE html>", ""))
    assert root.find(".//{*}svg") is not None or "<svg" in html
    # Nothing is fetched: no address but the SVG namespace, no src or href at all.
    assert "http" not in html.replace('content="width=device-width', "").replace(SVG_NS, "")
    assert not re.search(r"\s(src|href)=", html)
    for text in (markdown, html):
        assert not STUDENT_ID.search(text), "a student id in the report"


def test_the_page_has_every_section_and_table(evaluation: Evaluation) -> None:
    root = ET.fromstring(render_html(evaluation).replace("<!DOCTYPE html>", ""))
    ids = [s.get("id") for s in root.iter("section")]
    assert ids == ["lead-time", "capacity", "dates", "calibration", "groups", "model", "caveats"]
    content = report(evaluation, charts=False)
    tables = [p for s in content.sections for p in s.parts if p.kind == "table"]
    page_tables = [t for t in root.iter("table") if t.get("class") != "chart-table"]
    assert len(page_tables) == len(tables) == 10
    for table, part in zip(page_tables, tables, strict=True):
        head = [th.text for th in table.find("thead").iter("th")]
        assert head == list(part.head)
        assert len(table.find("tbody").findall("tr")) == len(part.rows)
    suppressed = [td for td in root.iter("td") if "suppressed" in (td.get("class") or "")]
    assert all(td.text == "suppressed" for td in suppressed)


def test_the_charts_come_from_the_one_renderer_in_the_one_palette(
    evaluation: Evaluation,
) -> None:
    html = render_html(evaluation)
    root = ET.fromstring(html.replace("<!DOCTYPE html>", ""))
    figures = [f for f in root.iter("figure") if f.get("class") == "chart"]
    assert {f.get("id") for f in figures} == {
        "flagged-before-figure",
        "auc-by-date-figure",
        "calibration-figure",
        "recall-by-group-figure",
    }
    allowed = palette_colors() | {"#ffffff", "#fff", "none", "transparent"}
    for figure in figures:
        svg = next(e for e in figure.iter() if e.tag.rpartition("}")[2] == "svg")
        assert svg.get("role") == "img" and svg.get("aria-labelledby")
        assert figure.find(".//details/table") is not None, "a chart without its numbers"
        fills = {
            e.get("fill").lower()
            for e in svg.iter()
            if e.tag.rpartition("}")[2] == "path" and e.get("fill")
        }
        bars = {f for f in fills if f.startswith("#")} - {"#000000", "#000"}
        assert bars, figure.get("id")
        assert bars <= allowed, f"{figure.get('id')}: colours outside the palette {bars - allowed}"


def test_the_page_escapes_what_it_prints(evaluation: Evaluation) -> None:
    odd = dataclasses.replace(
        evaluation, definition=dataclasses.replace(evaluation.definition, name="<b>ours</b>")
    )
    html = render_html(odd)
    assert "<b>ours</b>" not in html and "&lt;b&gt;ours&lt;/b&gt;" in html
    assert "Definition <b>ours</b>" in render_markdown(odd)  # Markdown is plain text


def test_the_file_suffix_picks_the_format(evaluation: Evaluation) -> None:
    assert render(evaluation, ".md").startswith("# Early-warning evaluation: 2024-25")
    assert render(evaluation, ".HTML").startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match=".html, .md or .json"):
        render(evaluation, ".pdf")
