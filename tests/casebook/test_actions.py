"""Actions: what was done for a student, joined to the open plan, with follow-ups that fall due
and then overdue as the days pass; many students at once, all or none; every write audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from casebook.people import OPS, day, entries, logged, staff
from casebook.support import Clock, sqlite_url
from homeroom.casebook import Store
from homeroom.casebook.actions import (
    BULK_LIMIT,
    complete_follow_up,
    kind_of,
    log_action,
    log_for_many,
    open_follow_ups,
    student_actions,
)
from homeroom.casebook.casework import CaseworkError, NotFound
from homeroom.casebook.partners import add_partner
from homeroom.casebook.plan_tables import Action
from homeroom.casebook.plans import open_plan


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite only here: these rules live in Python, not the database (the store, migration,
    plan, consent and token tests run on PostgreSQL too), and the suite has 15 minutes."""
    return sqlite_url(tmp_path)


@pytest.fixture
def people(store: Store) -> Store:
    staff(store)
    return store


def _log(store: Store, student: str = "S0001", **changes: object):
    request: dict = {"student_id": student, "school_id": "0042", "kind": "call", "by": OPS}
    request.update(changes)
    return log_action(store, **request)


def _actions(store: Store) -> int:
    with store.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(Action)) or 0


def test_an_action_joins_the_open_plan(people: Store):
    before = _log(people, outcome="No answer", note="Left a message")
    plan = open_plan(people, student_id="S0001", school_id="0042", tier=1, owner="rivera", by=OPS)
    visit = _log(people, kind="Home Visit", done_on="2025-01-05", outcome="Met mum")
    other = _log(people, "S0002", kind="letter")
    assert (before.plan_id, visit.plan_id, other.plan_id) == (None, plan.id, None)
    assert (visit.kind, visit.kind_label, visit.done_on, visit.by, visit.by_role) == (
        "home_visit", "Home visit", day(-1), "cli:ops", "cli",
    )  # fmt: skip
    assert (before.outcome, before.note, before.done_on) == ("No answer", "Left a message", day(0))
    assert [a.id for a in student_actions(people, "S0001")] == [before.id, visit.id]
    assert logged(people, action="action_logged") == [
        ("cli:ops", "action_logged", "student", "S0001"),
        ("cli:ops", "action_logged", "student", "S0001"),
        ("cli:ops", "action_logged", "student", "S0002"),
    ]
    assert entries(people, action="action_logged")[1].detail == {
        "action": 2, "kind": "home_visit", "completes": None,
    }  # fmt: skip


def test_the_newest_action_comes_first(people: Store):
    old = _log(people, done_on="2024-12-20")
    new = _log(people, done_on="2025-01-06")
    mid = _log(people, done_on="2025-01-02")
    same_day = _log(people, done_on="2025-01-06")
    assert [a.id for a in student_actions(people, "S0001")] == [same_day.id, new.id, mid.id, old.id]


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"kind": "fax"}, "kind", "kind must be one of call, text"),
        ({"kind": None}, "kind", "kind must be one of"),
        ({"done_on": "2025-01-08"}, "on", "on is in the future"),
        ({"done_on": "06/01/2025"}, "on", "a date like 2025-01-31"),
        ({"follow_up_on": "2025-01-05"}, "follow_up_on", "on or after the action's date"),
        ({"follow_up_on": "soon"}, "follow_up_on", "a date like"),
        ({"kind": "partner"}, "kind", "only a community partner logs actions of kind partner"),
        ({"note": "x" * 4001}, "note", "note is longer than 4000 characters"),
        ({"outcome": ["a"]}, "outcome", "outcome must be text"),
    ],
)
def test_bad_actions_are_refused_naming_the_field(people: Store, changes, field, says):
    with pytest.raises(CaseworkError, match=says) as caught:
        _log(people, **changes)
    assert caught.value.field == field
    assert _actions(people) == 0 and logged(people, action="action_logged") == []


def test_tomorrow_is_allowed_for_time_zones(people: Store):
    assert _log(people, done_on="2025-01-07").done_on == day(1)


def test_partner_actions_carry_their_partner(people: Store):
    clinic = add_partner(people, "Eastside Clinic", "health", by=OPS)
    done = _log(people, kind="partner", partner_id=clinic.id, outcome="Asthma check")
    assert (done.kind, done.partner_id, done.partner_name) == ("partner", 1, "Eastside Clinic")
    with pytest.raises(CaseworkError, match="only a community partner") as caught:
        _log(people, kind="call", partner_id=clinic.id)
    assert caught.value.field == "kind"


def test_a_follow_up_falls_due_then_overdue_as_the_days_pass(people: Store, clock: Clock):
    call = _log(people, follow_up_on="2025-01-08")
    assert call.follow_up_open() and not call.overdue(day(0))
    assert open_follow_ups(people, until=day(0)) == []
    assert [a.id for a in open_follow_ups(people)] == [call.id]
    clock.advance(days=2)  # 8 January: due today, not yet overdue
    [due] = open_follow_ups(people, until=clock.now.date())
    assert due.id == call.id and not due.overdue(clock.now.date())
    clock.advance(days=1)  # 9 January: overdue
    assert due.overdue(clock.now.date())
    assert [a.id for a in open_follow_ups(people, school_ids=["0042"], until=day(3))] == [call.id]
    assert open_follow_ups(people, school_ids=["0043"]) == []


def test_the_next_action_completes_the_follow_up(people: Store, clock: Clock):
    first = _log(people, follow_up_on="2025-01-08")
    second = _log(people, "S0001", kind="text", follow_up_on="2025-01-07")
    clock.advance(days=2)
    visit = _log(people, kind="home_visit", completes=[first.id, second.id])
    done = {a.id: a for a in student_actions(people, "S0001")}
    assert done[first.id].follow_up_done_on == day(2) == done[second.id].follow_up_done_on
    assert not done[first.id].follow_up_open() and not done[first.id].overdue(day(5))
    assert open_follow_ups(people) == []
    entry = entries(people, action="action_logged")[-1]
    assert entry.detail == {"action": visit.id, "kind": "home_visit", "completes": [1, 2]}


def test_completing_another_students_action_writes_nothing(people: Store):
    theirs = _log(people, "S0002", follow_up_on="2025-01-08")
    no_follow_up = _log(people, "S0001")
    for completes in ([theirs.id], [no_follow_up.id], [999]):
        with pytest.raises(CaseworkError, match="has no follow-up for this student") as caught:
            _log(people, "S0001", completes=completes)
        assert caught.value.field == "completes"
    assert _actions(people) == 2
    assert student_actions(people, "S0002")[0].follow_up_done_on is None


def test_complete_follow_up_by_itself(people: Store, clock: Clock):
    call = _log(people, follow_up_on="2025-01-09")
    done = complete_follow_up(people, call.id, on="2025-01-07", by=OPS)
    assert done.follow_up_done_on == day(1)
    again = complete_follow_up(people, call.id, on="2025-01-09", by=OPS)
    assert again.follow_up_done_on == day(1)  # the first completion stands
    with pytest.raises(NotFound):
        complete_follow_up(people, 99, by=OPS)
    with pytest.raises(CaseworkError, match="has no follow-up"):
        complete_follow_up(people, _log(people).id, by=OPS)
    assert [e.detail for e in entries(people, action="follow_up_done")] == [{"action": 1}] * 2


def test_one_call_home_for_many_students_in_one_batch(people: Store):
    students = [(f"S{n:04d}", "0042") for n in range(1, 41)] + [("S0001", "0042")]
    ids = log_for_many(people, students, kind="call", outcome="Called home", by=OPS)
    assert len(ids) == 40 == _actions(people)
    actions = [a for n in range(1, 41) for a in student_actions(people, f"S{n:04d}")]
    assert {(a.kind, a.outcome, a.done_on, a.by) for a in actions} == {
        ("call", "Called home", day(0), "cli:ops")
    }
    with people.session(write=False) as session:
        batches = set(session.scalars(select(Action.batch)))
    assert len(batches) == 1 and None not in batches
    [entry] = entries(people, action="actions_logged")
    assert (entry.subject_type, entry.subject_id) == ("batch", batches.pop())
    assert entry.detail["students"] == [f"S{n:04d}" for n in range(1, 41)]
    # Each student's audit trail finds the batch.
    assert [e.action for e in entries(people, student="S0017")] == ["actions_logged"]


@pytest.mark.parametrize(
    ("students", "says"),
    [
        ([("S0001", "0042"), ("", "0042"), ("S0003", "0042")], "a student id and a school id"),
        ([("S0001", "0042"), ("S0002",), ("S0003", "0042")], "a student id and a school id"),
        ([("S0001", "0042"), ("S0002", None)], "a student id and a school id"),
        ([], "choose at least one student"),
        ([(f"S{n}", "0042") for n in range(BULK_LIMIT + 1)], "at most 500 students"),
    ],
)
def test_one_bad_row_writes_nothing(people: Store, students, says):
    with pytest.raises(CaseworkError, match=says) as caught:
        log_for_many(people, students, kind="call", by=OPS)
    assert caught.value.field == "students"
    assert _actions(people) == 0 and logged(people, action="actions_logged") == []


def test_a_failure_half_way_through_a_batch_writes_nothing(
    people: Store, monkeypatch: pytest.MonkeyPatch
):
    from homeroom.casebook import actions

    real_add = actions._add
    calls = []

    def failing_add(session, store, student_id, *rest):
        calls.append(student_id)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real_add(session, store, student_id, *rest)

    monkeypatch.setattr(actions, "_add", failing_add)
    students = [(f"S{n:04d}", "0042") for n in range(1, 6)]
    with pytest.raises(RuntimeError):
        log_for_many(people, students, kind="letter", by=OPS)
    assert calls == ["S0001", "S0002", "S0003"]
    assert _actions(people) == 0 and logged(people, action="actions_logged") == []


def test_bulk_refuses_the_same_bad_fields_as_one_action(people: Store):
    with pytest.raises(CaseworkError) as caught:
        log_for_many(people, [("S0001", "0042")], kind="partner", by=OPS)
    assert caught.value.field == "kind"
    with pytest.raises(CaseworkError) as caught:
        log_for_many(people, [("S0001", "0042")], kind="call", done_on="2025-02-01", by=OPS)
    assert caught.value.field == "on"


def test_kind_of_reads_words_and_ids():
    assert [kind_of(k) for k in ("home visit", "Home-Visit", " CALL ", "recognition")] == [
        "home_visit", "home_visit", "call", "recognition",
    ]  # fmt: skip
