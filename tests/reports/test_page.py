"""page.py: what the printable report prints, from a Summary (report_frames.py's district)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from homeroom.reports import page
from homeroom.reports.summary import Summary

GENERATED = dt.date(2025, 3, 5)


def near_the_cuts(summary: Summary) -> Summary:
    """The district at 9.97% ("modest", under the 10% line) and its first school at 19.97%
    ("significant", under the 20% line): rounded to nearest both would read as the next level."""
    headline = dataclasses.replace(summary.headline, chronic_absence_rate=0.0997, level="modest")
    school = dataclasses.replace(
        summary.schools[0], chronic_absence_rate=0.1997, level="significant"
    )
    return dataclasses.replace(summary, headline=headline, schools=(school, *summary.schools[1:]))


def test_a_rate_beside_a_level_never_rounds_across_its_cut_point(summary):
    values = page.context(near_the_cuts(summary), (), GENERATED)
    assert [f.value for f in values["figures"]][0] == "9.9%"
    assert [f.value for f in values["cover_figures"]][0] == "9.9%"
    ((_, rows),) = values["schools"]["table"].groups
    cells = [c.text for c in rows[0]]
    assert cells[0] == "Central High" and "19.9%" in cells and "Significant" in cells
    assert "20.0%" not in cells


def test_dates_are_written_in_words(summary):
    values = page.context(dataclasses.replace(summary, as_of=dt.date(2025, 1, 31)), (), GENERATED)
    assert values["through"] == "31 January 2025"
    assert values["generated"] == "5 March 2025"


def test_the_ranking_minimum_is_the_one_from_metrics(summary):
    values = page.context(summary, (), GENERATED)
    assert values["s"].ranking_minimum == 30
