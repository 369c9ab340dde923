"""The terminal rendering of the summary: the key numbers appear, names print as text."""

from __future__ import annotations

import datetime as dt

import pytest
from report_frames import NAMES, FakeMetrics, state_frames
from rich.console import Console

from homeroom.reports import Summary, build_summary, render_terminal


def terminal_text(summary: Summary) -> str:
    console = Console(record=True, width=120)
    render_terminal(summary, console)
    return console.export_text()


def test_terminal_prints_the_key_numbers(summary, definition):
    text = terminal_text(summary)
    for expected in (
        "Chronic absence in Riverside Unified, 2024-25",
        "27.3% chronically absent",
        "273 of 1,000 eligible students",
        "ADA 93.8% — yet 27.3% of students",
        "Up 2.3 points from 25.0% in 2023-24",
        f"definition default (version {definition.version})",
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


@pytest.fixture
def state_summary(definition) -> Summary:
    names = {**NAMES, "CO": "Colorado", "D1": "Riverside <Unified>", "D2": "Hill District"}
    return build_summary(FakeMetrics(state_frames()), definition, names=names)


def test_state_terminal_has_districts_then_schools(state_summary):
    text = terminal_text(state_summary)
    assert text.index("Districts by level") < text.index("Schools by level")
    assert "Hill District" in text


def test_the_as_of_date_is_printed_in_words(metrics, definition):
    summary = build_summary(metrics, definition, names=NAMES, as_of=dt.date(2025, 1, 31))
    assert "through 31 January 2025" in terminal_text(summary)


def test_a_rate_beside_a_level_never_rounds_across_its_cut_point(summary):
    import dataclasses

    headline = dataclasses.replace(summary.headline, chronic_absence_rate=0.0997, level="modest")
    school = dataclasses.replace(
        summary.schools[0], chronic_absence_rate=0.1997, level="significant"
    )
    text = terminal_text(
        dataclasses.replace(summary, headline=headline, schools=(school, *summary.schools[1:]))
    )
    assert "9.9% chronically absent" in text
    central = next(line for line in text.splitlines() if "Central High" in line)
    assert "19.9%" in central and "20.0%" not in central
