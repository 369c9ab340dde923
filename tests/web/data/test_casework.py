"""A student's casework panel (web/data/casework.py) for each kind of reader: staff see every
note; a partner sees its own actions' notes, the plan and the others' actions only with the
`plan` scope, contacts only with `contacts`, and only its own referrals. The hand-made
district's A01 has stays at S1."""

from __future__ import annotations

import datetime as dt

import pytest

from homeroom.casebook.actions import log_action
from homeroom.casebook.audit import CliActor
from homeroom.casebook.casework import today
from homeroom.casebook.consents import refer
from homeroom.casebook.partners import add_partner
from homeroom.casebook.plans import close_plan, open_plan
from homeroom.casebook.store import open_store
from homeroom.casebook.users import add_user
from homeroom.web.data.casework import actions_table, casework, plan_table
from homeroom.web.scope import Scope

BY = CliActor("cli:test")


@pytest.fixture(scope="module")
def work_store(tmp_path_factory):  # noqa: ANN001, ANN201
    """A01's casework: a closed and an open plan, a staff call, a referral to the clinic and
    the clinic's own session on the same day, and the mentors' session."""
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('casework') / 'c.sqlite'}")
    add_user(store, "staff1", "school_staff", schools=["S1"], password="x" * 12)
    day = today(store)
    clinic = add_partner(store, "Clinic", by=BY).id
    mentors = add_partner(store, "Mentors", by=BY).id
    first = open_plan(
        store,
        student_id="A01",
        school_id="S1",
        tier=1,
        owner="staff1",
        goal="old goal",
        start_on=day - dt.timedelta(days=40),
        by=BY,
    )
    close_plan(store, first.id, outcome="no_change", note="closing note", by=BY)
    open_plan(
        store,
        student_id="A01",
        school_id="S1",
        tier=2,
        owner="staff1",
        goal="new goal",
        start_on=day - dt.timedelta(days=20),
        by=BY,
    )
    log_action(
        store,
        student_id="A01",
        school_id="S1",
        kind="call",
        done_on=day - dt.timedelta(days=9),
        outcome="spoke",
        note="staff note",
        follow_up_on=day,
        by=BY,
    )
    for partner in (clinic, mentors):
        refer(
            store,
            student_id="A01",
            school_id="S1",
            partner_id=partner,
            reason="why",
            consent={
                "given_by": "M",
                "relationship": "parent",
                "given_on": day,
                "expires_on": day,
                "scope": ["attendance_summary"],
            },
            by=BY,
        )
        log_action(
            store,
            student_id="A01",
            school_id="S1",
            kind="partner",
            done_on=day,
            outcome=f"session {partner}",
            note=f"note {partner}",
            partner_id=partner,
            by=BY,
        )
    return store, clinic, mentors


def panel(store, serving, scope):  # noqa: ANN001, ANN201
    return casework(store, serving, scope, "A01", flags=None, school_year=2025, today=today(store))


def test_staff_see_every_plan_action_referral_and_note(work_store, serving) -> None:  # noqa: ANN001
    store, clinic, mentors = work_store
    work = panel(store, serving, Scope.of("staff1", "school_staff", ["S1"]))
    assert work.plan.goal == "new goal" and [p.goal for p in work.closed_plans] == ["old goal"]
    assert work.plan_notes_shown
    lines = [(e.on - today(store)).days if e.on else None for e in work.timeline]
    assert lines == [-9, 0, 0, 0, 0]  # oldest first
    what = [
        ("referral", e.referral.partner_id) if e.referral else (e.action.kind, e.action.partner_id)
        for e in work.timeline
    ]
    # On one day: the referrals first, then the actions in the order logged.
    assert what == [
        ("call", None),
        ("referral", clinic),
        ("referral", mentors),
        ("partner", clinic),
        ("partner", mentors),
    ]
    assert [e.note for e in work.timeline] == [
        "staff note",
        "why",
        "why",
        f"note {clinic}",
        f"note {mentors}",
    ]
    assert [a.outcome for a in work.open_follow_ups] == ["spoke"]
    assert work.contacts is not None and work.contacts.empty  # the hand district has none
    plans = plan_table(work)
    assert list(plans["status"]) == ["open", "closed"]
    assert list(plans["outcome_note"].fillna("")) == ["", "closing note"]


def test_a_partner_without_plan_sees_its_own_work_only(work_store, serving) -> None:  # noqa: ANN001
    store, clinic, _ = work_store
    scope = Scope.partner("clinic1", clinic, {"A01": frozenset({"attendance_summary"})})
    work = panel(store, serving, scope)
    assert work.plan is None and work.closed_plans == () and not work.plan_notes_shown
    assert work.contacts is None
    assert [(e.action.partner_id, e.note) for e in work.timeline if e.action] == [
        (clinic, f"note {clinic}")
    ]
    assert [(r.partner_id, e) for r, e in work.consents] and all(
        r.partner_id == clinic for r, _ in work.consents
    )
    # The referral's reason is the school's: not shown to the partner.
    assert [e.note for e in work.timeline if e.referral] == [None]
    assert list(actions_table(work)["outcome"]) == [f"session {clinic}"]


def test_a_partner_with_plan_sees_the_plan_and_others_actions_without_their_notes(
    work_store,
    serving,  # noqa: ANN001
) -> None:
    store, clinic, mentors = work_store
    scope = Scope.partner("clinic1", clinic, {"A01": frozenset({"plan", "contacts"})})
    work = panel(store, serving, scope)
    assert work.plan.goal == "new goal" and work.plan_notes_shown
    assert work.contacts is not None
    notes = {(e.action.kind, e.action.partner_id): e.note for e in work.timeline if e.action}
    assert notes == {
        ("call", None): None,
        ("partner", clinic): f"note {clinic}",
        ("partner", mentors): None,
    }
    table = actions_table(work)
    assert list(table["note"].fillna("")) == ["", f"note {clinic}", ""]
    assert list(table["by"]) == ["cli:test", "Clinic", "Mentors"]
