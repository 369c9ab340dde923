"""A school team's weekly capacity: 10 until set, a whole number from 1 to 1000, per school,
audited."""

from __future__ import annotations

from pathlib import Path

import pytest

from casebook.people import OPS, entries, logged
from casebook.support import START, Clock, sqlite_url
from homeroom.casebook import Store
from homeroom.casebook.capacity import Capacity, set_team_capacity, team_capacity
from homeroom.casebook.casework import CaseworkError


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite only here: these rules live in Python, not the database (the store, migration,
    plan, consent and token tests run on PostgreSQL too), and the suite has 15 minutes."""
    return sqlite_url(tmp_path)


def test_ten_until_the_team_sets_it(store: Store):
    assert team_capacity(store, "0042") == Capacity(10, None, None)


def test_set_then_changed_per_school(store: Store, clock: Clock):
    assert set_team_capacity(store, "0042", 25, by=OPS) == Capacity(25, "cli:ops", START)
    clock.advance(days=7)
    set_team_capacity(store, "0042", 12, by=OPS)
    assert team_capacity(store, "0042") == Capacity(12, "cli:ops", clock.now)
    assert team_capacity(store, "0043") == Capacity(10, None, None)
    assert logged(store) == [("cli:ops", "queue_capacity_set", "school", "0042")] * 2
    assert [e.detail for e in entries(store)] == [{"students": 25}, {"students": 12}]


@pytest.mark.parametrize("students", [0, -3, 1001, True, "5", 2.5, None])
def test_anything_but_1_to_1000_is_refused(store: Store, students):
    with pytest.raises(CaseworkError, match="a whole number from 1 to 1000") as caught:
        set_team_capacity(store, "0042", students, by=OPS)
    assert caught.value.field == "students"
    assert team_capacity(store, "0042").students == 10 and logged(store) == []


@pytest.mark.parametrize("students", [1, 1000])
def test_the_limits_themselves_are_fine(store: Store, students: int):
    assert set_team_capacity(store, "0042", students, by=OPS).students == students
