"""A staff member's caseload: the open plans they own, overdue follow-ups first.

Each plan comes with the earliest open follow-up logged on it (an action of the plan whose
follow-up is not yet done); overdue means that date is before today. Then plans with a
follow-up due later, then plans without one; within each, the earliest date first, and a plan
whose review date has come is marked for review.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from homeroom.casebook.casework import today as store_today
from homeroom.casebook.plan_tables import Action
from homeroom.casebook.plans import PlanInfo, open_plans
from homeroom.casebook.store import Store


@dataclass(frozen=True)
class CaseloadItem:
    plan: PlanInfo
    follow_up_on: dt.date | None  # the earliest open follow-up logged on the plan
    overdue: bool
    review_due: bool

    @property
    def student_id(self) -> str:
        return self.plan.student_id

    def as_json(self) -> dict[str, object]:
        return {
            "student_id": self.plan.student_id,
            "plan_id": self.plan.id,
            "follow_up_on": None if self.follow_up_on is None else self.follow_up_on.isoformat(),
            "overdue": self.overdue,
        }


def caseload(store: Store, username: str, *, today: dt.date | None = None) -> list[CaseloadItem]:
    day = today or store_today(store)
    plans = open_plans(store, owner=username)
    follow_ups = earliest_follow_ups(store, [p.id for p in plans])
    items = [
        CaseloadItem(
            plan,
            follow_ups.get(plan.id),
            follow_ups.get(plan.id) is not None and follow_ups[plan.id] < day,
            plan.review_due(day),
        )
        for plan in plans
    ]
    far = dt.date.max
    return sorted(
        items,
        key=lambda i: (not i.overdue, i.follow_up_on or far, i.plan.review_on or far, i.plan.id),
    )


def earliest_follow_ups(store: Store, plan_ids: list[int]) -> dict[int, dt.date]:
    """Plan id -> the earliest follow-up date still open on it."""
    if not plan_ids:
        return {}
    query = (
        select(Action.plan_id, func.min(Action.follow_up_on))
        .where(
            Action.plan_id.in_(plan_ids),
            Action.follow_up_on.is_not(None),
            Action.follow_up_done_on.is_(None),
        )
        .group_by(Action.plan_id)
    )
    with store.session(write=False) as session:
        return {
            int(plan): day
            for plan, day in session.execute(query)
            if plan is not None and day is not None
        }
