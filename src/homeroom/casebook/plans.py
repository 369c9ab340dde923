"""Support plans: a student's chosen supports at one tier, with an owner, a goal, start and
review dates, a status and, once closed, an outcome.

A student has at most one open plan (the database refuses a second); closed plans stay as the
student's history. Who may open or read a plan is decided by the caller (the web's Scope);
this module keeps the plan itself right: a known, active owner who may work at the school,
supports from the catalogue, dates in order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from homeroom.casebook.audit import Actor
from homeroom.casebook.casework import (
    CaseworkError,
    NotFound,
    as_date,
    as_tier,
    audit,
    clean_text,
)
from homeroom.casebook.models import User
from homeroom.casebook.plan_tables import Plan, Support
from homeroom.casebook.roles import CASEWORK_ROLES, SCHOOL_STAFF
from homeroom.casebook.store import Store
from homeroom.casebook.supports import SupportInfo
from homeroom.casebook.users import UserError, normal_username

OUTCOMES = {
    "goal_met": "Goal met: attendance is back on track",
    "improved": "Attendance improved, goal not yet met",
    "no_change": "No improvement",
    "left_school": "The student left the school",
    "other": "Other (see the note)",
}


@dataclass(frozen=True)
class PlanInfo:
    id: int
    student_id: str
    school_id: str
    tier: int
    owner: str  # username
    owner_name: str
    supports: tuple[SupportInfo, ...]
    goal: str | None
    start_on: dt.date
    review_on: dt.date | None
    status: str
    outcome: str | None
    outcome_note: str | None
    closed_on: dt.date | None
    created_by: str

    @classmethod
    def of(cls, row: Plan) -> PlanInfo:
        return cls(
            row.id,
            row.student_id,
            row.school_id,
            row.tier,
            row.owner.username,
            row.owner.display_name or row.owner.username,
            tuple(SupportInfo.of(s) for s in row.supports),
            row.goal,
            row.start_on,
            row.review_on,
            row.status,
            row.outcome,
            row.outcome_note,
            row.closed_on,
            row.created_by,
        )

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def review_due(self, today: dt.date) -> bool:
        return self.is_open and self.review_on is not None and self.review_on <= today


def open_plan(
    store: Store,
    *,
    student_id: str,
    school_id: str,
    tier: int,
    owner: str,
    supports: Sequence[int] = (),
    goal: str | None = None,
    start_on: dt.date | str | None = None,
    review_on: dt.date | str | None = None,
    by: Actor,
) -> PlanInfo:
    """A new open plan for the student; refused if the student already has one."""
    level = as_tier(tier)
    start = as_date(start_on, "start_on") or store.now().date()
    review = as_date(review_on, "review_on")
    if review is not None and review < start:
        raise CaseworkError("review_on must be on or after the start date", "review_on")
    text = clean_text(goal, "goal")
    try:
        with store.session() as session:
            if _open_row(session, student_id) is not None:
                raise CaseworkError(
                    "this student already has an open plan; change or close it first", "plan"
                )
            now = store.now()
            row = Plan(
                student_id=str(student_id),
                school_id=str(school_id),
                tier=level,
                owner=_owner(session, owner, str(school_id)),
                goal=text,
                start_on=start,
                review_on=review,
                status="open",
                created_at=now,
                created_by=by.username,
                updated_at=now,
                supports=_supports(session, supports),
            )
            session.add(row)
            session.flush()
            audit(session, store, by, "plan_opened", str(student_id), plan=row.id, tier=level,
                  owner=row.owner.username)  # fmt: skip
            return PlanInfo.of(row)
    except IntegrityError as exc:  # a concurrent open got there first
        raise CaseworkError("this student already has an open plan", "plan") from exc


def change_plan(
    store: Store,
    plan_id: int,
    *,
    tier: int | None = None,
    owner: str | None = None,
    supports: Sequence[int] | None = None,
    goal: str | None = None,
    review_on: dt.date | str | None = None,
    by: Actor,
) -> PlanInfo:
    """Change an open plan's tier, owner, supports, goal or review date (what is given)."""
    with store.session() as session:
        row = _require_open(session, plan_id)
        changed: list[str] = []
        if tier is not None:
            row.tier = as_tier(tier)
            changed.append("tier")
        if owner is not None:
            row.owner = _owner(session, owner, row.school_id)
            changed.append("owner")
        if supports is not None:
            row.supports = _supports(session, supports, keep=row.supports)
            changed.append("supports")
        if goal is not None:
            row.goal = clean_text(goal, "goal")
            changed.append("goal")
        if review_on is not None:
            review = as_date(review_on, "review_on")
            if review is not None and review < row.start_on:
                raise CaseworkError("review_on must be on or after the start date", "review_on")
            row.review_on = review
            changed.append("review_on")
        if changed:
            row.updated_at = store.now()
            audit(session, store, by, "plan_changed", row.student_id, plan=row.id,
                  changed=changed)  # fmt: skip
        return PlanInfo.of(row)


def close_plan(
    store: Store,
    plan_id: int,
    *,
    outcome: str,
    note: str | None = None,
    closed_on: dt.date | str | None = None,
    by: Actor,
) -> PlanInfo:
    if outcome not in OUTCOMES:
        raise CaseworkError(f"outcome must be one of {', '.join(OUTCOMES)}", "outcome")
    with store.session() as session:
        row = _require_open(session, plan_id)
        day = as_date(closed_on, "closed_on") or store.now().date()
        if day < row.start_on:
            raise CaseworkError("a plan cannot close before it started", "closed_on")
        row.status, row.outcome, row.closed_on = "closed", outcome, day
        row.outcome_note = clean_text(note, "note")
        row.updated_at = store.now()
        audit(session, store, by, "plan_closed", row.student_id, plan=row.id, outcome=outcome)
        return PlanInfo.of(row)


def get_plan(store: Store, plan_id: int) -> PlanInfo:
    with store.session(write=False) as session:
        row = session.get(Plan, plan_id)
        if row is None:
            raise NotFound("there is no such plan", "plan")
        return PlanInfo.of(row)


def student_plans(store: Store, student_id: str) -> list[PlanInfo]:
    """The student's plans: the open one first, then the closed ones, newest first."""
    query = select(Plan).where(Plan.student_id == str(student_id))
    with store.session(write=False) as session:
        rows = [PlanInfo.of(row) for row in session.scalars(query)]
    return sorted(rows, key=lambda p: (not p.is_open, -p.start_on.toordinal(), -p.id))


def current_plan(store: Store, student_id: str) -> PlanInfo | None:
    with store.session(write=False) as session:
        row = _open_row(session, str(student_id))
        return None if row is None else PlanInfo.of(row)


def open_plans(
    store: Store,
    *,
    school_ids: Iterable[str] | None = None,
    student_ids: Iterable[str] | None = None,
    owner: str | None = None,
) -> list[PlanInfo]:
    """Open plans at the schools (None: every school), of the students or owner if given."""
    query = select(Plan).where(Plan.status == "open")
    if school_ids is not None:
        query = query.where(Plan.school_id.in_(sorted(set(school_ids))))
    if student_ids is not None:
        query = query.where(Plan.student_id.in_(sorted(set(student_ids))))
    if owner is not None:
        query = query.join(Plan.owner).where(User.username == normal_username(owner))
    with store.session(write=False) as session:
        return [PlanInfo.of(row) for row in session.scalars(query.order_by(Plan.id))]


def _open_row(session: Session, student_id: str) -> Plan | None:
    query = select(Plan).where(Plan.student_id == str(student_id), Plan.status == "open")
    return session.scalar(query)


def _require_open(session: Session, plan_id: int) -> Plan:
    row = session.get(Plan, plan_id)
    if row is None:
        raise NotFound("there is no such plan", "plan")
    if row.status != "open":
        raise CaseworkError("this plan is closed; open a new one instead", "plan")
    return row


def _owner(session: Session, username: str, school_id: str) -> User:
    """The owner: an active administrator, or school staff of the plan's school."""
    try:
        name = normal_username(username)
    except (UserError, AttributeError) as exc:  # not a name at all: no such user
        raise CaseworkError("owner is not a Homeroom user", "owner") from exc
    user = session.scalar(select(User).where(User.username == name))
    if user is None or user.disabled:
        raise CaseworkError(f"owner {name!r} is not an active Homeroom user", "owner")
    if user.role not in CASEWORK_ROLES:
        raise CaseworkError(f"owner {name!r} does not work with student records", "owner")
    if user.role == SCHOOL_STAFF and school_id not in user.school_ids:
        raise CaseworkError(f"owner {name!r} does not work at this student's school", "owner")
    return user


def _supports(
    session: Session, ids: Sequence[int], *, keep: Sequence[Support] = ()
) -> list[Support]:
    """Supports from the catalogue; retired ones only where the plan already had them."""
    if isinstance(ids, str | bytes) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise CaseworkError("supports must be a list of support ids from /supports", "supports")
    wanted = list(dict.fromkeys(ids))
    rows = {s.id: s for s in session.scalars(select(Support).where(Support.id.in_(wanted)))}
    kept = {s.id for s in keep}
    for support_id in wanted:
        row = rows.get(support_id)
        if row is None or (not row.active and support_id not in kept):
            raise CaseworkError(f"support {support_id} is not in the catalogue", "supports")
    # In catalogue order, as every later read of the plan gives them.
    return sorted((rows[i] for i in wanted), key=lambda s: (s.position, s.id))
