"""A student's casework, as the student page and the partner's page show it: the early-warning
flags with their reasons, last year's rate, the plans, one timeline of actions and referrals,
and the family contacts.

Who sees which notes (docs/casebook.md, "Students, plans and partners"): staff and
administrators who may open the student see every note; a partner sees the notes of its own
organisation's actions, and a plan's goal and closing note only when the family's consent
covers `plan`. Callers have already checked that the user may open the student at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from homeroom.casebook.actions import ActionInfo, student_actions
from homeroom.casebook.consents import PLAN, SCOPES, ConsentInfo, ReferralInfo, student_referrals
from homeroom.casebook.plans import OUTCOMES, PlanInfo, student_plans
from homeroom.casebook.store import Store
from homeroom.signals.flags import EVIDENCE_COLUMNS
from homeroom.web.data.common import query
from homeroom.web.data.contacts import student_contacts
from homeroom.web.data.flags import FlagSet
from homeroom.web.scope import Scope
from homeroom.web.snapshot import ServingData


@dataclass(frozen=True)
class Flag:
    """One early-warning rule that fired, with its reason and the evidence behind it."""

    rule: str
    suggested_tier: int | None
    reason: str
    evidence: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class LastYear:
    school_year: int
    as_of: dt.date
    days_enrolled: int
    days_absent: float
    absence_rate: float | None
    tier: str | None


@dataclass(frozen=True)
class Event:
    """One line of the timeline: an action or a referral, on its date."""

    on: dt.date
    action: ActionInfo | None = None
    referral: ReferralInfo | None = None
    note_shown: bool = False

    @property
    def note(self) -> str | None:
        if not self.note_shown:
            return None
        if self.action is not None:
            return self.action.note
        return self.referral.reason if self.referral is not None else None


@dataclass(frozen=True)
class Casework:
    """Everything of the casework panel the user may see (None/empty where not allowed)."""

    student_id: str
    today: dt.date
    flags: tuple[Flag, ...]
    flags_as_of: dt.date | None
    last_year: LastYear | None
    plan: PlanInfo | None
    closed_plans: tuple[PlanInfo, ...]
    plan_notes_shown: bool
    timeline: tuple[Event, ...]
    open_follow_ups: tuple[ActionInfo, ...]
    contacts: pd.DataFrame | None
    consents: tuple[tuple[ReferralInfo, ConsentInfo], ...] = field(default=())

    def consent_status(self, consent: ConsentInfo) -> str:
        return consent.status(self.today)


def casework(
    store: Store,
    serving: ServingData,
    scope: Scope,
    student_id: str,
    *,
    flags: FlagSet | None,
    school_year: int,
    today: dt.date,
) -> Casework:
    """The panel for a user who may open the student (staff, administrator, or a partner
    whose consent is in force); a partner gets only what its consent's scope covers."""
    student_id = str(student_id)
    sees_plan = scope.allows_field(student_id, PLAN)
    plans = student_plans(store, student_id) if sees_plan else []
    actions = student_actions(store, student_id)
    if not sees_plan:  # a partner without `plan` still sees its own organisation's work
        actions = [a for a in actions if _own(scope, a)]
    referrals = student_referrals(store, student_id)
    if scope.is_partner:
        referrals = [r for r in referrals if r.partner_id == scope.partner_id]
    summary = scope.allows_field(student_id, "attendance_summary")
    return Casework(
        student_id=student_id,
        today=today,
        flags=student_flag_rows(flags, student_id) if summary else (),
        flags_as_of=flags.as_of if flags is not None and summary else None,
        last_year=last_year(serving, student_id, school_year) if summary else None,
        plan=next((p for p in plans if p.is_open), None),
        closed_plans=tuple(p for p in plans if not p.is_open),
        plan_notes_shown=sees_plan,
        timeline=_timeline(scope, actions, referrals),
        open_follow_ups=tuple(
            sorted(
                (a for a in actions if a.follow_up_open()), key=lambda a: a.follow_up_on or today
            )
        ),
        contacts=student_contacts(serving, scope, student_id)
        if scope.allows_field(student_id, "contacts")
        else None,
        consents=tuple((r, c) for r in referrals for c in r.consents),
    )


def student_flag_rows(flags: FlagSet | None, student_id: str) -> tuple[Flag, ...]:
    if flags is None:
        return ()
    found = []
    for row in flags.student_flags(student_id).to_dict("records"):
        evidence = tuple(
            (name, row[name])
            for name in EVIDENCE_COLUMNS
            if name in row and not _missing(row[name])
        )
        tier = row.get("suggested_tier")
        found.append(
            Flag(
                str(row["rule"]),
                None if _missing(tier) else int(tier),
                str(row["reason"]),
                evidence,
            )  # fmt: skip
        )
    return tuple(found)


def last_year(serving: ServingData, student_id: str, school_year: int) -> LastYear | None:
    """The student's district-wide rate at the end of the year before SCHOOL_YEAR, from the
    serving data (there without any early-warning run)."""
    with serving.cursor() as cur:
        rows = query(
            cur,
            "SELECT school_year, as_of, days_enrolled, days_absent, absence_rate, tier "
            "FROM student_history WHERE student_id = ? AND school_year = ? "
            "ORDER BY as_of DESC LIMIT 1",
            [str(student_id), int(school_year) - 1],
        )
    if rows.empty:
        return None
    row = rows.iloc[0]
    return LastYear(
        int(row["school_year"]),
        pd.Timestamp(row["as_of"]).date(),
        int(row["days_enrolled"]),
        float(row["days_absent"]),
        None if _missing(row["absence_rate"]) else float(row["absence_rate"]),
        None if _missing(row["tier"]) else str(row["tier"]),
    )


def notes_shown(scope: Scope, action: ActionInfo) -> bool:
    """Staff and administrators see every note; a partner only its own organisation's."""
    return not scope.is_partner or _own(scope, action)


def _own(scope: Scope, action: ActionInfo) -> bool:
    return scope.is_partner and action.partner_id == scope.partner_id


def _timeline(
    scope: Scope, actions: list[ActionInfo], referrals: list[ReferralInfo]
) -> tuple[Event, ...]:
    events = [Event(a.done_on, action=a, note_shown=notes_shown(scope, a)) for a in actions]
    events += [Event(r.referred_on, referral=r, note_shown=not scope.is_partner) for r in referrals]
    # Oldest first; on one day, in the order written.
    return tuple(
        sorted(
            events,
            key=lambda e: (
                e.on,
                0 if e.referral is not None else 1,
                e.action.id if e.action is not None else e.referral.id if e.referral else 0,
            ),
        )
    )


def plan_table(work: Casework) -> pd.DataFrame:
    """The plans as a download: one row a plan and support (a plan without supports: one row)."""
    rows = []
    for plan in [p for p in (work.plan,) if p is not None] + list(work.closed_plans):
        base = {
            "plan_id": plan.id,
            "status": plan.status,
            "tier": plan.tier,
            "owner": plan.owner,
            "goal": plan.goal if work.plan_notes_shown else None,
            "start_on": plan.start_on,
            "review_on": plan.review_on,
            "closed_on": plan.closed_on,
            "outcome": OUTCOMES.get(plan.outcome or "", plan.outcome),
            "outcome_note": plan.outcome_note if work.plan_notes_shown else None,
        }
        for support in plan.supports or (None,):
            rows.append(base | {"support": None if support is None else support.name})
    columns = ["plan_id", "status", "tier", "owner", "support", "goal", "start_on",
               "review_on", "closed_on", "outcome", "outcome_note"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def actions_table(work: Casework) -> pd.DataFrame:
    rows = [
        {
            "action_id": e.action.id,
            "done_on": e.action.done_on,
            "kind": e.action.kind_label,
            "by": e.action.partner_name or e.action.by,
            "outcome": e.action.outcome,
            "note": e.note,
            "follow_up_on": e.action.follow_up_on,
            "follow_up_done_on": e.action.follow_up_done_on,
        }
        for e in work.timeline
        if e.action is not None
    ]
    columns = ["action_id", "done_on", "kind", "by", "outcome", "note", "follow_up_on",
               "follow_up_done_on"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def scope_words(consent: ConsentInfo) -> list[str]:
    return [SCOPES[s] for s in SCOPES if s in consent.scope]


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


__all__ = [
    "Casework",
    "Event",
    "Flag",
    "LastYear",
    "actions_table",
    "casework",
    "last_year",
    "notes_shown",
    "plan_table",
    "scope_words",
    "student_flag_rows",
]
