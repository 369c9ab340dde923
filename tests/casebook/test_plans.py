"""Support plans: one open plan per student (even when two people open one at once), an owner
who may work at the school, supports from the catalogue, dates in order; changes and closing
audited."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from casebook.people import OPS, day, entries, logged, staff
from casebook.support import START, Clock
from homeroom.casebook import Store
from homeroom.casebook.casework import CaseworkError, NotFound
from homeroom.casebook.plans import (
    change_plan,
    close_plan,
    current_plan,
    get_plan,
    open_plan,
    open_plans,
    student_plans,
)
from homeroom.casebook.supports import update_support


@pytest.fixture
def people(store: Store) -> Store:
    staff(store)
    return store


def _open(store: Store, student: str = "S0001", **changes: object):
    request: dict = {"student_id": student, "school_id": "0042", "tier": 2, "owner": "rivera"}
    request.update(supports=[5, 4], goal="Miss 2 days a month at most", by=OPS)
    request.update(changes)
    return open_plan(store, **request)


def test_a_plan_is_opened_with_its_supports_in_catalogue_order(people: Store):
    plan = _open(people, review_on="2025-02-03")
    assert (plan.id, plan.student_id, plan.school_id, plan.tier, plan.owner) == (
        1, "S0001", "0042", 2, "rivera",
    )  # fmt: skip
    assert [s.name for s in plan.supports] == ["Family meeting", "Home visit"]
    assert (plan.start_on, plan.review_on, plan.status, plan.created_by) == (
        day(0), day(28), "open", "cli:ops",
    )  # fmt: skip
    assert plan.is_open and plan.outcome is None and plan.closed_on is None
    assert plan.owner_name == "rivera"  # no display name: the username
    assert current_plan(people, "S0001") == plan == get_plan(people, 1)
    assert current_plan(people, "S0002") is None
    [entry] = entries(people, action="plan_opened")
    assert (entry.username, entry.subject_type, entry.subject_id) == ("cli:ops", "student", "S0001")
    assert entry.detail == {"plan": 1, "tier": 2, "owner": "rivera"}


def test_a_second_open_plan_is_refused_until_the_first_closes(people: Store, clock: Clock):
    _open(people)
    with pytest.raises(CaseworkError, match="already has an open plan") as caught:
        _open(people, tier=3)
    assert caught.value.field == "plan"
    clock.advance(days=10)
    closed = close_plan(people, 1, outcome="improved", note="Better after the visit", by=OPS)
    assert (closed.status, closed.outcome, closed.closed_on) == ("closed", "improved", day(10))
    assert closed.outcome_note == "Better after the visit" and not closed.is_open
    second = _open(people, tier=3, supports=[10])
    assert [p.id for p in student_plans(people, "S0001")] == [second.id, 1]
    assert [e.action for e in entries(people)][-3:] == ["plan_opened", "plan_closed", "plan_opened"]


def test_two_people_opening_a_plan_at_once_make_one(people: Store):
    barrier = threading.Barrier(2)

    def attempt(owner: str) -> str:
        barrier.wait()
        try:
            return _open(people, owner=owner).owner
        except CaseworkError as exc:
            assert exc.field == "plan"
            return "refused"

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(attempt, ["rivera", "kim"]))
    assert results.count("refused") == 1
    assert len(open_plans(people, student_ids=["S0001"])) == 1


def test_the_database_itself_refuses_a_second_open_plan(people: Store):
    _open(people)
    with pytest.raises(IntegrityError), people.session() as session:
        session.execute(
            text(
                "INSERT INTO plans (student_id, school_id, tier, owner_id, start_on, status, "
                "created_at, created_by, updated_at) VALUES ('S0001', '0042', 1, 1, "
                "'2025-01-06', 'open', :at, 'x', :at)"
            ),
            {"at": START},
        )


@pytest.mark.parametrize(
    ("owner", "school", "says"),
    [
        ("gone", "0042", "owner 'gone' is not an active Homeroom user"),
        ("nobody", "0042", "owner 'nobody' is not an active Homeroom user"),
        ("Two Words", "0042", "owner is not a Homeroom user"),
        ("lee", "0042", "owner 'lee' does not work at this student's school"),
        ("rivera", "0043", "owner 'rivera' does not work at this student's school"),
        ("ana", "0042", "owner 'ana' does not work with student records"),
    ],
)
def test_the_owner_must_be_active_staff_of_the_school(people: Store, owner, school, says):
    with pytest.raises(CaseworkError, match=says) as caught:
        _open(people, owner=owner, school_id=school)
    assert caught.value.field == "owner"
    assert open_plans(people) == [] and logged(people, action="plan_opened") == []


def test_an_administrator_may_own_a_plan_at_any_school(people: Store):
    assert _open(people, owner="KIM", school_id="0043").owner == "kim"


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"start_on": "2025-01-10", "review_on": "2025-01-09"}, "review_on", "on or after"),
        ({"review_on": "2025-01-05"}, "review_on", "on or after the start date"),
        ({"review_on": "6 Feb 2025"}, "review_on", "a date like 2025-01-31"),
        ({"tier": 4}, "tier", "tier must be 1, 2 or 3"),
        ({"tier": "two"}, "tier", "tier must be 1, 2 or 3"),
        ({"supports": [99]}, "supports", "support 99 is not in the catalogue"),
        ({"supports": ["5"]}, "supports", "a list of support ids"),
        ({"supports": "5"}, "supports", "a list of support ids"),
        ({"supports": [True]}, "supports", "a list of support ids"),
        ({"goal": 42}, "goal", "goal must be text"),
    ],
)
def test_bad_plans_are_refused_naming_the_field(people: Store, changes, field, says):
    with pytest.raises(CaseworkError, match=says) as caught:
        _open(people, **changes)
    assert caught.value.field == field
    assert open_plans(people) == []


def test_a_review_on_the_start_day_is_fine(people: Store):
    plan = _open(people, start_on="2025-01-10", review_on="2025-01-10")
    assert (plan.start_on, plan.review_on) == (day(4), day(4))
    assert not plan.review_due(day(3)) and plan.review_due(day(4)) and plan.review_due(day(5))


def test_a_retired_support_stays_on_its_plan_but_is_not_offered_again(people: Store):
    _open(people, supports=[5, 7])
    update_support(people, 7, active=False, by=OPS)
    with pytest.raises(CaseworkError, match="support 7 is not in the catalogue"):
        _open(people, student="S0002", supports=[7])
    kept = change_plan(people, 1, supports=[7, 8], by=OPS)
    assert [s.id for s in kept.supports] == [7, 8]
    assert [s.id for s in change_plan(people, 1, supports=[8], by=OPS).supports] == [8]
    with pytest.raises(CaseworkError, match="support 7"):  # dropped: it cannot come back
        change_plan(people, 1, supports=[7], by=OPS)


def test_change_plan_changes_what_is_given_and_logs_which(people: Store, clock: Clock):
    _open(people, review_on="2025-02-03")
    clock.advance(days=3)
    plan = change_plan(people, 1, tier=3, owner="kim", supports=[11], goal="  Housing first ",
                       review_on="2025-03-03", by=OPS)  # fmt: skip
    assert (plan.tier, plan.owner, [s.id for s in plan.supports], plan.goal, plan.review_on) == (
        3, "kim", [11], "Housing first", day(56),
    )  # fmt: skip
    unchanged = change_plan(people, 1, by=OPS)
    assert unchanged == plan
    with pytest.raises(CaseworkError, match="does not work at this student's school"):
        change_plan(people, 1, owner="lee", by=OPS)
    with pytest.raises(CaseworkError, match="on or after the start date"):
        change_plan(people, 1, review_on="2025-01-01", by=OPS)
    assert get_plan(people, 1) == plan  # the refused changes wrote nothing
    [changed] = entries(people, action="plan_changed")
    assert changed.detail == {"plan": 1, "changed": ["tier", "owner", "supports", "goal",
                                                     "review_on"]}  # fmt: skip


def test_closing_checks_the_outcome_and_date_and_a_closed_plan_stays_closed(people: Store):
    _open(people, start_on="2025-01-03")
    with pytest.raises(CaseworkError, match="outcome must be one of goal_met") as caught:
        close_plan(people, 1, outcome="fine", by=OPS)
    assert caught.value.field == "outcome"
    with pytest.raises(CaseworkError, match="cannot close before it started"):
        close_plan(people, 1, outcome="other", closed_on="2025-01-02", by=OPS)
    closed = close_plan(people, 1, outcome="goal_met", closed_on="2025-01-03", by=OPS)
    assert closed.closed_on == day(-3)
    for attempt in (
        lambda: close_plan(people, 1, outcome="goal_met", by=OPS),
        lambda: change_plan(people, 1, tier=1, by=OPS),
    ):
        with pytest.raises(CaseworkError, match="this plan is closed"):
            attempt()
    with pytest.raises(NotFound):
        close_plan(people, 99, outcome="goal_met", by=OPS)
    with pytest.raises(NotFound):
        get_plan(people, 99)
    [entry] = entries(people, action="plan_closed")
    assert entry.detail == {"plan": 1, "outcome": "goal_met"}


def test_open_plans_by_school_student_and_owner(people: Store):
    _open(people, "S0001")
    _open(people, "S0002", owner="kim")
    _open(people, "S0003", school_id="0043", owner="lee")
    _open(people, "S0004")
    close_plan(people, 4, outcome="left_school", by=OPS)
    assert [p.student_id for p in open_plans(people)] == ["S0001", "S0002", "S0003"]
    assert [p.student_id for p in open_plans(people, school_ids=["0042"])] == ["S0001", "S0002"]
    assert [p.student_id for p in open_plans(people, owner="Rivera")] == ["S0001"]
    assert [p.student_id for p in open_plans(people, student_ids=["S0003", "S0004"])] == ["S0003"]
    assert open_plans(people, school_ids=[]) == []
