"""The terminal and HTML renderings: the key numbers appear, the HTML is safe and self-contained."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from report_frames import NAMES, FakeMetrics, state_frames
from rich.console import Console

from homeroom.reports import Summary, build_summary, render_html, render_terminal

VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source"}


def terminal_text(summary: Summary) -> str:
    console = Console(record=True, width=120)
    render_terminal(summary, console)
    return console.export_text()


def test_terminal_prints_the_key_numbers(summary):
    text = terminal_text(summary)
    for expected in (
        "Chronic absence in Riverside Unified, 2024-25",
        "27.3% chronically absent",
        "273 of 1,000 eligible students",
        "ADA 93.8% — yet 27.3% of students",
        "Up 2.3 points from 25.0% in 2023-24",
        "definition default (version 2026.1)",
        "10% of days enrolled",
        "Significant 1 · High 1 · Extreme 1",
        "Central High",
        "57.1%",
        "Students experiencing homelessness: 48.0% chronically absent, vs 26.2% of other students",
        "Kindergarten",
        "2023-24",
    ):
        assert expected in text, expected


def test_terminal_hides_suppressed_numbers(summary):
    text = terminal_text(summary)
    assert "fewer than 10 students" in text
    tiny = next(line for line in text.splitlines() if "Tiny Program" in line)
    assert "%" not in tiny and "5" not in tiny.replace("Tiny Program", "")


def test_terminal_prints_names_as_text_not_markup(metrics, definition):
    names = {**NAMES, "S2": "[bold red]Adams[/] Middle"}
    text = terminal_text(build_summary(metrics, definition, names=names))
    assert "[bold red]Adams[/] Middle" in text


class TagChecker(HTMLParser):
    """Fails on a closing tag that does not match the open one; records tags and attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += attrs
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += attrs

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture
def page(summary) -> str:
    return render_html(summary)


def checked(page: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.stack == []
    return checker


def test_html_is_well_formed(page):
    checked(page)
    root = ET.fromstring(page)  # also well-formed XML: every tag closed, entities escaped
    assert root.tag == "html"


def test_html_contains_the_numbers_and_charts(page):
    text = " ".join(checked(page).text)
    for expected in (
        "27.3%",
        "1,000",
        "ADA 93.8% — yet 27.3% of students",
        "Up 2.3 points from 25.0% in 2023-24",
        "default",
        "2026.1",
        "10% of days enrolled",
        "Central High",
        "57.1%",
        "Hispanic or Latino students: 35.0% chronically absent, vs 20.0% of White students",
        "Severe chronic: 100 students (10.0%)",
        "Kindergarten",
        "47.2%",
        "2023-24",
        "fewer than 10 students",
    ):
        assert expected in text, expected
    assert page.count("<svg") >= 3  # tiers, grades, years
    assert "<title" in page.split("<svg", 1)[1]


def test_html_is_self_contained(page):
    checker = checked(page)
    assert "script" not in checker.tags
    assert not re.search(r"<script|javascript:|@import|url\(", page, re.IGNORECASE)
    for name, value in checker.attributes:
        assert name not in ("src", "href", "xlink:href"), (name, value)
        assert not (value or "").lower().startswith(("http", "//")), (name, value)


def test_html_escapes_names(page):
    assert "Lincoln &lt;&amp;&gt; Elementary" in page
    assert "Lincoln <&> Elementary" not in page
    assert "Lincoln <&> Elementary" in " ".join(checked(page).text)


def test_html_escapes_hostile_names(metrics, definition):
    names = {**NAMES, "D1": '<script>alert("x")</script>', "S2": 'Adams" onload="x'}
    page = render_html(build_summary(metrics, definition, names=names))
    checked(page)
    ET.fromstring(page)
    assert "<script" not in page
    assert "&lt;script&gt;" in page


def test_html_has_print_css(page):
    assert "@media print" in page


def _row_text(page: str, first_cell: str) -> str:
    row = re.search(rf"<tr><td>{first_cell}</td>.*?</tr>", page)
    assert row, first_cell
    return re.sub(r"<[^>]+>", " ", row.group(0))


def test_html_shows_no_suppressed_number(page):
    for name in ("Tiny Program", "American Indian or Alaska Native", "Asian"):
        text = _row_text(page, name)
        assert "fewer than 10 students" in text or "protect a small group" in text
        assert not re.search(r"\d", text.replace("10 students", "")), text


@pytest.fixture
def state_summary(definition) -> Summary:
    names = {**NAMES, "CO": "Colorado", "D1": "Riverside <Unified>", "D2": "Hill District"}
    return build_summary(FakeMetrics(state_frames()), definition, names=names)


def test_state_html_has_districts_then_schools(state_summary):
    page = render_html(state_summary)
    checked(page)
    ET.fromstring(page)
    assert page.index('<section id="districts">') < page.index('<section id="schools">')
    assert "Riverside &lt;Unified&gt;" in page and "Hill District" in page
    assert "Chronic absence in Colorado, 2024-25" in page
    # One year of state data: no year-over-year chart.
    assert '<section id="years">' not in page
    # The groups have no prior year: no column of empty changes; the schools have one.
    schools = page[page.index('<section id="schools">') : page.index('<section id="gaps">')]
    assert "Change from prior year" in schools
    gaps = page[page.index('<section id="gaps">') : page.index('<section id="definition">')]
    assert "Change from prior year" not in gaps


def test_state_terminal_has_districts_then_schools(state_summary):
    text = terminal_text(state_summary)
    assert text.index("Districts by level") < text.index("Schools by level")
    assert "Hill District" in text


def test_grade_chart_marks_the_district_rate(page):
    grades = page[page.index('<section id="grades">') :]
    assert 'stroke-dasharray="4 3"' in grades
    assert "district 27.3%" in grades


def test_the_as_of_date_is_printed(metrics, definition):
    summary = build_summary(metrics, definition, names=NAMES, as_of=dt.date(2025, 1, 31))
    assert "through 2025-01-31" in terminal_text(summary)
    assert "through 2025-01-31" in render_html(summary)
