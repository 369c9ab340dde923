"""The pages' filters: dates in words, percentages that keep to their label's side of a cut."""

from __future__ import annotations

import datetime as dt

import pytest

from homeroom.definitions import load_definition
from homeroom.web.render import environment

DEFAULT = load_definition("default")


def render(text: str, **context: object) -> str:
    return environment().from_string(text).render(**context)


def test_a_rate_just_under_a_tier_cut_never_shows_as_the_cut():
    # 17.55 absences in 176 days is 9.97%: "At risk", so it reads 9.9%, never 10.0%.
    share = 17.55 / 176
    assert render("{{ r | rate(d) }}", r=share, d=DEFAULT) == "9.9%"
    assert render("{{ r | percent }}", r=share) == "10.0%"  # no label beside it
    assert render("{{ r | rate(d) }}", r=0.1, d=DEFAULT) == "10.0%"  # on the cut: chronic
    assert render("{{ r | rate(d) }}", r=0.04996, d=DEFAULT) == "4.9%"  # below at_risk's 5%
    assert render("{{ r | rate(d) }}", r=None, d=DEFAULT) == "—"


def test_a_chronic_rate_keeps_to_its_school_levels_side():
    # 29.97% of students chronically absent is "High" (the "Extreme" level starts at 30%).
    assert render("{{ r | chronic(d) }}", r=0.2997, d=DEFAULT) == "29.9%"
    assert render("{{ r | chronic(d) }}", r=0.3, d=DEFAULT) == "30.0%"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (dt.date(2025, 3, 5), "5 March 2025"),
        (dt.datetime(2025, 3, 5, 14, 7), "5 March 2025 14:07"),
        ("2025-03-05T14:07:00+00:00", "5 March 2025 14:07"),
        ("2025-03-05", "5 March 2025"),
        (None, "—"),
    ],
)
def test_dates_read_as_words(value: object, shown: str):
    assert render("{{ v | date }}", v=value) == shown
