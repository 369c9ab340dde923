"""Actions: one thing done for a student on a date (a call, a home visit, a referral, a
partner's session...), with its outcome, a note and an optional follow-up date.

An action joins the student's open plan, if there is one. Its follow-up stays open until it is
marked done; "due" is on or before today, "overdue" before today. Many students can get the
same tier-1 action at once (`log_for_many`): all of them or none.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeroom.casebook.audit import Actor
from homeroom.casebook.casework import CaseworkError, NotFound, as_date, audit, clean_text
from homeroom.casebook.partner_tables import Partner
from homeroom.casebook.plan_tables import Action, Plan
from homeroom.casebook.store import Store

KINDS = {
    "call": "Phone call",
    "text": "Text message",
    "email": "Email",
    "letter": "Letter",
    "home_visit": "Home visit",
    "meeting": "Meeting",
    "referral": "Referral",
    "recognition": "Recognition",
    "partner": "Partner's work",
    "other": "Other",
}
PARTNER_KIND = "partner"
BULK_LIMIT = 500  # students in one bulk action


@dataclass(frozen=True)
class ActionInfo:
    id: int
    student_id: str
    school_id: str
    plan_id: int | None
    kind: str
    done_on: dt.date
    by: str  # username
    by_role: str
    partner_id: int | None
    partner_name: str | None
    outcome: str | None
    note: str | None
    follow_up_on: dt.date | None
    follow_up_done_on: dt.date | None
    created_at: dt.datetime

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def follow_up_open(self) -> bool:
        return self.follow_up_on is not None and self.follow_up_done_on is None

    def overdue(self, today: dt.date) -> bool:
        return self.follow_up_open() and self.follow_up_on is not None and self.follow_up_on < today


def kind_of(value: object) -> str:
    """The kind's id from an id or its words ("home visit" is `home_visit`)."""
    text = str(value or "").strip().lower().replace(" ", "_").replace("-", "_")
    if text not in KINDS:
        raise CaseworkError(f"kind must be one of {', '.join(KINDS)}", "kind")
    return text


def log_action(
    store: Store,
    *,
    student_id: str,
    school_id: str,
    kind: str,
    done_on: dt.date | str | None = None,
    outcome: str | None = None,
    note: str | None = None,
    follow_up_on: dt.date | str | None = None,
    completes: Sequence[int] = (),
    partner_id: int | None = None,
    by: Actor,
) -> ActionInfo:
    """Log one action; `completes`: earlier actions of the student whose follow-up this was."""
    fields = _fields(store, kind, done_on, outcome, note, follow_up_on, partner_id)
    with store.session() as session:
        row = _add(session, store, str(student_id), str(school_id), fields, by, None)
        for action_id in completes:
            _complete(session, action_id, str(student_id), row.done_on)
        audit(session, store, by, "action_logged", row.student_id, action=row.id,
              kind=row.kind, completes=list(completes) or None)  # fmt: skip
        return _info(session, row)


def log_for_many(
    store: Store,
    students: Sequence[tuple[str, str]],
    *,
    kind: str,
    done_on: dt.date | str | None = None,
    outcome: str | None = None,
    note: str | None = None,
    by: Actor,
) -> list[int]:
    """One action for each (student id, school id), in one transaction; the new action ids."""
    if not students:
        raise CaseworkError("choose at least one student", "students")
    if len(students) > BULK_LIMIT:
        raise CaseworkError(f"at most {BULK_LIMIT} students at once", "students")
    fields = _fields(store, kind, done_on, outcome, note, None, None)
    if not all(_is_pair(pair) for pair in students):  # refused before anything is written
        raise CaseworkError("each student needs a student id and a school id", "students")
    batch = secrets.token_hex(8)
    with store.session() as session:
        ids = [
            _add(session, store, str(student_id), str(school_id), fields, by, batch).id
            for student_id, school_id in dict.fromkeys(students)
        ]
        audit(session, store, by, "actions_logged", batch, subject_type="batch",
              kind=fields["kind"], students=[s for s, _ in dict.fromkeys(students)])  # fmt: skip
        return ids


def complete_follow_up(
    store: Store, action_id: int, *, on: dt.date | str | None = None, by: Actor
) -> ActionInfo:
    with store.session() as session:
        row = session.get(Action, action_id)
        if row is None:
            raise NotFound("there is no such action", "action")
        _complete(session, action_id, row.student_id, as_date(on, "on") or store.now().date())
        audit(session, store, by, "follow_up_done", row.student_id, action=row.id)
        return _info(session, row)


def student_actions(store: Store, student_id: str) -> list[ActionInfo]:
    """The student's actions, newest first."""
    query = (
        select(Action)
        .where(Action.student_id == str(student_id))
        .order_by(Action.done_on.desc(), Action.id.desc())
    )
    with store.session(write=False) as session:
        return [_info(session, row) for row in session.scalars(query)]


def open_follow_ups(
    store: Store, *, school_ids: Iterable[str] | None = None, until: dt.date | None = None
) -> list[ActionInfo]:
    """Actions whose follow-up is still open (due on or before UNTIL, if given), earliest first."""
    query = select(Action).where(
        Action.follow_up_on.is_not(None), Action.follow_up_done_on.is_(None)
    )
    if school_ids is not None:
        query = query.where(Action.school_id.in_(sorted(set(school_ids))))
    if until is not None:
        query = query.where(Action.follow_up_on <= until)
    with store.session(write=False) as session:
        rows = session.scalars(query.order_by(Action.follow_up_on, Action.id))
        return [_info(session, row) for row in rows]


def _fields(
    store: Store,
    kind: str,
    done_on: dt.date | str | None,
    outcome: str | None,
    note: str | None,
    follow_up_on: dt.date | str | None,
    partner_id: int | None,
) -> dict[str, object]:
    what = kind_of(kind)
    day = as_date(done_on, "on") or store.now().date()
    if day > store.now().date() + dt.timedelta(days=1):  # a day's grace for time zones
        raise CaseworkError("on is in the future: log what was done, when it was done", "on")
    follow = as_date(follow_up_on, "follow_up_on")
    if follow is not None and follow < day:
        raise CaseworkError("follow_up_on must be on or after the action's date", "follow_up_on")
    if (what == PARTNER_KIND) != (partner_id is not None):
        raise CaseworkError("only a community partner logs actions of kind partner", "kind")
    return {
        "kind": what,
        "done_on": day,
        "outcome": clean_text(outcome, "outcome"),
        "note": clean_text(note, "note"),
        "follow_up_on": follow,
        "partner_id": partner_id,
    }


def _is_pair(value: object) -> bool:
    """A (student id, school id) pair, neither empty."""
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(v, str | int) and str(v).strip() for v in value)
    )


def _add(
    session: Session,
    store: Store,
    student_id: str,
    school_id: str,
    fields: dict[str, object],
    by: Actor,
    batch: str | None,
) -> Action:
    plan_id = session.scalar(
        select(Plan.id).where(Plan.student_id == student_id, Plan.status == "open")
    )
    row = Action(
        student_id=student_id,
        school_id=school_id,
        plan_id=plan_id,
        by_username=by.username,
        by_role=by.role,
        batch=batch,
        created_at=store.now(),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def _complete(session: Session, action_id: int, student_id: str, on: dt.date) -> None:
    row = session.get(Action, action_id)
    if row is None or row.student_id != student_id or row.follow_up_on is None:
        raise CaseworkError(f"action {action_id} has no follow-up for this student", "completes")
    if row.follow_up_done_on is None:
        row.follow_up_done_on = on


def _info(session: Session, row: Action) -> ActionInfo:
    partner = session.get(Partner, row.partner_id) if row.partner_id is not None else None
    return ActionInfo(
        row.id,
        row.student_id,
        row.school_id,
        row.plan_id,
        row.kind,
        row.done_on,
        row.by_username,
        row.by_role,
        row.partner_id,
        partner.name if partner is not None else None,
        row.outcome,
        row.note,
        row.follow_up_on,
        row.follow_up_done_on,
        row.created_at,
    )
