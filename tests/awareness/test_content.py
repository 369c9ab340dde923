"""Each sheet's facts: the unit's rate, the figure beside it (and which), small units hidden."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from homeroom.awareness.content import Figure, gather
from homeroom.definitions import load_definition

DAY = dt.date(2025, 3, 5)
SCHOOLS = pd.DataFrame(
    {"school_id": ["A1", "A2", "B1"], "school_name": ["Ash", "Alder", "Birch"],
     "district_id": ["A", "A", "B"], "district_name": ["Apple USD", "Apple USD", "Beech ISD"],
     "state": ["OH", "OH", "OH"]}
)  # fmt: skip


def _frames(level: str) -> pd.DataFrame:
    """Hand-made aggregates (two years: only the latest counts): Alder has 6 students."""
    rows = {
        "school": [("A", "A1", 40, 0.125), ("A", "A2", 6, 0.5), ("B", "B1", 50, 0.3)],
        "district": [("A", None, 46, 0.1739), ("B", None, 50, 0.3)],
        "state": [(None, "OH", 96, 0.2396)],
    }[level]
    frame = pd.DataFrame(rows, columns=["district_id", "key", "students_eligible",
                                        "chronic_absence_rate"])  # fmt: skip
    frame = frame.rename(columns={"key": {"school": "school_id", "state": "state"}.get(level, "_")})
    old = frame.assign(school_year=2024, chronic_absence_rate=0.9)
    return pd.concat([old, frame.assign(school_year=2025)], ignore_index=True)


def test_two_districts_each_school_and_district_is_set_beside_the_state():
    units = gather(_frames, SCHOOLS, load_definition("default"), DAY)
    assert [(u.own.kind, u.unit_id) for u in units] == [
        ("school", "A1"), ("school", "A2"), ("school", "B1"), ("district", "A"), ("district", "B")
    ]  # fmt: skip
    ash = units[0]
    assert ash.own == Figure("school", "Ash", 0.125, 40) and ash.school_year == 2025
    assert ash.beside == Figure("state", "OH", 0.2396, 96)
    assert units[3].own == Figure("district", "Apple USD", 0.1739, 46)
    assert units[3].beside == Figure("state", "OH", 0.2396, 96)


def test_a_unit_under_the_minimum_group_size_shows_no_number_and_gets_no_chart():
    alder = gather(_frames, SCHOOLS, load_definition("default"), DAY)[1]
    assert alder.own == Figure("school", "Alder", None, 6)
    assert not alder.charted and alder.minimum_group == 10


def test_with_one_district_a_school_is_set_beside_its_district_and_the_district_alone():
    one = SCHOOLS[SCHOOLS["district_id"] == "A"]
    units = gather(_frames, one, load_definition("default"), DAY)
    assert units[0].beside == Figure("district", "Apple USD", 0.1739, 46)
    assert units[-1].own.kind == "district" and units[-1].beside is None


def test_one_school_only_and_an_unknown_school_is_refused():
    units = gather(_frames, SCHOOLS, load_definition("default"), DAY, school="B1")
    assert [u.unit_id for u in units] == ["B1"]
    with pytest.raises(LookupError, match="no school 'Z9'"):
        gather(_frames, SCHOOLS, load_definition("default"), DAY, school="Z9")
