"""The catalogue of supports: seeded by tier, added to, renamed, moved, retired; every change
audited."""

from __future__ import annotations

from pathlib import Path

import pytest

from casebook.people import OPS, entries, logged
from casebook.support import sqlite_url
from homeroom.casebook import Store
from homeroom.casebook.casework import CaseworkError, NotFound
from homeroom.casebook.supports import add_support, list_supports, update_support


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite only here: these rules live in Python, not the database (the store, migration,
    plan, consent and token tests run on PostgreSQL too), and the suite has 15 minutes."""
    return sqlite_url(tmp_path)


SEEDED = {
    1: [
        "Welcoming routines",
        "Recognition of good and improved attendance",
        "A personal call home on every absence",
    ],
    2: [
        "Family meeting",
        "Home visit",
        "Attendance plan with goals",
        "Mentor",
        "Health referral",
        "Transport help",
    ],
    3: [
        "Case management with health agencies",
        "Case management with housing agencies",
        "Case management with child welfare",
        "Case management with other agencies",
    ],
}


def _by_tier(store: Store, **options: bool) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for support in list_supports(store, **options):
        found.setdefault(support.tier, []).append(support.name)
    return found


def test_the_catalogue_is_seeded_with_13_supports_by_tier(store: Store):
    supports = list_supports(store)
    assert len(supports) == 13
    assert _by_tier(store) == SEEDED
    assert [s.id for s in supports] == list(range(1, 14))
    assert all(s.active and s.description for s in supports)
    assert supports[2].description == "The same day: we missed you; all well?"


def test_an_added_support_comes_last_in_its_tier_and_is_audited(store: Store):
    added = add_support(store, "  Breakfast club ", 1, "Food before first bell.", by=OPS)
    assert (added.id, added.name, added.tier, added.description, added.active) == (
        14, "Breakfast club", 1, "Food before first bell.", True,
    )  # fmt: skip
    assert _by_tier(store)[1] == [*SEEDED[1], "Breakfast club"]
    assert logged(store) == [("cli:ops", "support_added", "support", "14")]


@pytest.mark.parametrize(
    ("name", "tier", "field", "says"),
    [
        ("home VISIT", 2, "name", "a support named 'home VISIT' already exists"),
        ("   ", 2, "name", "name is required"),
        ("Tutoring", 4, "tier", "tier must be 1, 2 or 3"),
        ("Tutoring", 0, "tier", "tier must be 1, 2 or 3"),
        ("Tutoring", True, "tier", "tier must be 1, 2 or 3"),
        ("x" * 4001, 1, "name", "longer than 4000 characters"),
    ],
)
def test_bad_supports_are_refused_naming_the_field(store: Store, name, tier, field, says):
    with pytest.raises(CaseworkError, match=says) as caught:
        add_support(store, name, tier, by=OPS)
    assert caught.value.field == field
    assert len(list_supports(store, include_retired=True)) == 13
    assert logged(store) == []


def test_rename_move_and_retire_keep_the_rest(store: Store):
    changed = update_support(store, 7, name="Mentor (weekly)", tier=3, by=OPS)
    assert (changed.name, changed.tier, changed.description) == (
        "Mentor (weekly)", 3, "A caring adult who checks in with the student every week.",
    )  # fmt: skip
    assert "Mentor (weekly)" in _by_tier(store)[3]
    retired = update_support(store, 1, active=False, by=OPS)
    assert not retired.active
    assert "Welcoming routines" not in _by_tier(store)[1]
    assert "Welcoming routines" in _by_tier(store, include_retired=True)[1]
    back = update_support(store, 1, active=True, by=OPS)
    assert back.active and _by_tier(store)[1] == SEEDED[1]
    details = [e.detail for e in entries(store)]
    assert details == [
        {"name": "Mentor (weekly)", "tier": 3},
        {"active": False},
        {"active": True},
    ]


def test_a_change_that_changes_nothing_is_not_logged(store: Store):
    same = update_support(store, 2, name="Recognition of good and improved attendance", tier=1,
                          active=True, by=OPS)  # fmt: skip
    assert same.name == "Recognition of good and improved attendance"
    assert logged(store) == []


def test_renaming_onto_another_support_or_an_unknown_id_is_refused(store: Store):
    with pytest.raises(CaseworkError, match="a support named 'mentor' already exists"):
        update_support(store, 5, name="mentor", by=OPS)
    with pytest.raises(NotFound, match="no such support"):
        update_support(store, 99, active=False, by=OPS)
    assert list_supports(store)[4].name == "Home visit"
    assert logged(store) == []
