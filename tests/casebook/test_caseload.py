"""A caseload: the open plans a person owns, overdue follow-ups first, then by the follow-up
date, then the plans without one (by review date); judged against the store's clock."""

from __future__ import annotations

import pytest

from casebook.people import OPS, day, staff
from casebook.support import Clock
from homeroom.casebook import Store
from homeroom.casebook.actions import complete_follow_up, log_action
from homeroom.casebook.caseload import caseload, earliest_follow_ups
from homeroom.casebook.plans import close_plan, open_plan


@pytest.fixture
def people(store: Store) -> Store:
    staff(store)
    return store


def _plan(store: Store, student: str, owner: str = "rivera", review_on: str | None = None) -> int:
    return open_plan(store, student_id=student, school_id="0042", tier=2, owner=owner,
                     review_on=review_on, by=OPS).id  # fmt: skip


def _call(store: Store, student: str, follow_up_on: str | None) -> int:
    return log_action(store, student_id=student, school_id="0042", kind="call",
                      follow_up_on=follow_up_on, by=OPS).id  # fmt: skip


def test_overdue_first_then_by_date_then_without(people: Store, clock: Clock):
    """On Monday 6 January: plans A-H; on Thursday 9 January, the caseload's order."""
    # Before any plan: a follow-up that belongs to no plan does not count.
    _call(people, "SA", "2025-01-06")
    plans = {s: _plan(people, s) for s in ("SA", "SB", "SE", "SF", "SH")}
    plans["SC"] = _plan(people, "SC", review_on="2025-01-10")
    plans["SD"] = _plan(people, "SD")
    plans["SG"] = _plan(people, "SG", owner="kim")  # someone else's
    plans["SX"] = _plan(people, "SX")  # closed below
    _call(people, "SA", "2025-01-08")
    _call(people, "SA", "2025-01-20")  # a later one on the same plan: the earliest counts
    _call(people, "SB", "2025-01-07")
    _call(people, "SE", "2025-01-20")
    done = _call(people, "SF", "2025-01-07")
    complete_follow_up(people, done, by=OPS)  # done: SF has no open follow-up
    _call(people, "SH", "2025-01-09")  # due on the day: not overdue
    _call(people, "SG", "2025-01-07")
    _call(people, "SX", "2025-01-07")
    close_plan(people, plans["SX"], outcome="other", by=OPS)
    clock.advance(days=3)

    items = caseload(people, "rivera")
    assert [(i.student_id, i.follow_up_on, i.overdue, i.review_due) for i in items] == [
        ("SB", day(1), True, False),
        ("SA", day(2), True, False),
        ("SH", day(3), False, False),
        ("SE", day(14), False, False),
        ("SC", None, False, False),  # a review date first
        ("SF", None, False, False),  # then by plan: SF's was opened before SD's
        ("SD", None, False, False),
    ]
    assert items[0].as_json() == {
        "student_id": "SB", "plan_id": plans["SB"], "follow_up_on": "2025-01-07", "overdue": True,
    }  # fmt: skip
    assert items[-1].as_json() == {
        "student_id": "SD", "plan_id": plans["SD"], "follow_up_on": None, "overdue": False,
    }  # fmt: skip
    later = caseload(people, "RIVERA", today=day(4))  # Friday: SC's review has come, SH overdue
    assert [(i.student_id, i.overdue, i.review_due) for i in later][:3] == [
        ("SB", True, False), ("SA", True, False), ("SH", True, False),
    ]  # fmt: skip
    assert next(i for i in later if i.student_id == "SC").review_due
    assert [i.student_id for i in caseload(people, "kim")] == ["SG"]
    assert caseload(people, "lee") == []


def test_on_monday_nothing_is_overdue_yet(people: Store):
    plan = _plan(people, "SA")
    _call(people, "SA", "2025-01-06")
    [item] = caseload(people, "rivera")
    assert (item.plan.id, item.follow_up_on, item.overdue) == (plan, day(0), False)


def test_earliest_follow_ups_of_no_plans_is_empty(people: Store):
    assert earliest_follow_ups(people, []) == {}
