"""One student's record as the API answers it: the parts the caller may see, and only those.

Anyone who may see the student gets who and where they are (student_id, name, school_id,
school_name, grade_level: a referral always carries them). Staff get every part; a partner,
the parts its consent covers: `attendance_summary` (the rate, tier and days, and the
early-warning flags), `attendance_detail` (each absence, and the `chance` of ending the year
chronically absent from the latest saved ranked queue, whose factors describe it), `plan`
(the plan and the school's actions), `contacts`. A part not allowed is left out (its key
absent); a part allowed but empty is an empty list (or a null plan). A partner always gets
`partner_actions`, what its own organisation logged (it wrote them), and staff get the
student's `referrals` with consents.
"""

from __future__ import annotations

from typing import Any

from homeroom.casebook.actions import student_actions
from homeroom.casebook.casework import today
from homeroom.casebook.consents import (
    ATTENDANCE_DETAIL,
    ATTENDANCE_SUMMARY,
    CONTACTS,
    PLAN,
    student_referrals,
)
from homeroom.casebook.plans import current_plan
from homeroom.casebook.store import Store
from homeroom.warehouse import Workspace
from homeroom.web.access import current_stay
from homeroom.web.api import shapes
from homeroom.web.api.student_rows import full_name
from homeroom.web.scope import Scope
from homeroom.web.snapshot import ServingData


def student_record(
    serving: ServingData, store: Store, workspace: Workspace, scope: Scope, student_id: str
) -> tuple[dict[str, Any], list[str]]:
    """The record, and the names of the parts in it (for the audit). StudentNotFound when the
    student is not one the caller may see."""
    stay = current_stay(serving, scope, student_id)  # StudentNotFound first, before any read
    record: dict[str, Any] = {
        "student_id": stay.student_id,
        "name": _name(serving, stay.student_id),
        "school_id": stay.school_id,
        "school_name": stay.school_name,
        "grade_level": stay.grade_level,
        "school_year": stay.school_year,
    }
    parts = []
    summary = scope.allows_field(student_id, ATTENDANCE_SUMMARY)
    detail = scope.allows_field(student_id, ATTENDANCE_DETAIL)
    if summary or detail:
        record |= _attendance(serving, scope, student_id, summary, detail)
        parts += [p for p, on in ((ATTENDANCE_SUMMARY, summary), (ATTENDANCE_DETAIL, detail)) if on]
    if summary:
        record["flags"] = _flags(workspace, student_id)
    if detail:
        record["chance"] = _chance(workspace, student_id)
    if scope.allows_field(student_id, PLAN):
        found = current_plan(store, student_id)
        record["plan"] = None if found is None else shapes.plan(found)
        record["actions"] = [shapes.action(a) for a in student_actions(store, student_id)]
        parts.append(PLAN)
    if scope.is_partner:
        mine = [a for a in student_actions(store, student_id) if a.partner_id == scope.partner_id]
        record["partner_actions"] = [shapes.action(a) for a in mine]
    else:
        day = today(store)
        referrals = student_referrals(store, student_id)
        record["referrals"] = [shapes.referral(r, day) for r in referrals]
    if scope.allows_field(student_id, CONTACTS):
        record["contacts"] = _contacts(serving, scope, student_id)
        parts.append(CONTACTS)
    return record, parts


def _name(serving: ServingData, student_id: str) -> str | None:
    with serving.cursor() as cur:
        rows = cur.execute(
            "SELECT first_name, last_name FROM roster WHERE student_id = ? "
            "ORDER BY school_year DESC LIMIT 1",
            [student_id],
        ).fetchall()
    return full_name(*rows[0]) if rows else None


def _attendance(
    serving: ServingData, scope: Scope, student_id: str, summary: bool, detail: bool
) -> dict[str, Any]:
    """The year's standing (summary) and each recorded day that was not plain presence
    (detail), from the student page's own reading (web.data.student_detail)."""
    from homeroom.web.data.student_page import student_detail

    page = student_detail(serving, scope, student_id)
    found: dict[str, Any] = {}
    if summary:
        standing = page.standing
        found |= {
            "as_of": shapes.day(standing.as_of if standing else serving.latest_date),
            "days_enrolled": standing.days_enrolled if standing else 0,
            "days_absent": standing.days_absent if standing else 0.0,
            "absence_rate": standing.absence_rate if standing else None,
            "tier": standing.tier if standing else None,
        }
    if detail:
        days = page.calendar[page.calendar["membership"] & page.calendar["category"].notna()]
        found["attendance"] = [
            {
                "date": shapes.day(row["date"]),
                "category": row["category"],
                "days": float(row["counted_days"]),
                "school_id": row["school_id"],
            }
            for row in days.to_dict("records")
        ]
    return found


def _flags(workspace: Workspace, student_id: str) -> list[dict[str, Any]]:
    """The student's flags in the latest early-warning run (none before the first run)."""
    from homeroom.web.data.flags import latest_flags

    flags = latest_flags(workspace)
    if flags is None:
        return []
    rows = flags.student_flags(student_id)
    return [
        {
            "rule": str(row["rule"]),
            "suggested_tier": shapes.plain(row["suggested_tier"]),
            "reason": shapes.plain(row["reason"]),
            "school_id": str(row["school_id"]),
            "as_of": shapes.day(flags.as_of),
        }
        for row in rows.to_dict("records")
    ]


def _chance(workspace: Workspace, student_id: str) -> dict[str, Any] | None:
    """The student's row of the latest `homeroom signals queue` (null: none saved, or the
    student was not enrolled on its date); `chance_chronic` null when no model ranked it."""
    from homeroom.web.data.chances import factor_list, student_chance

    found = student_chance(workspace, student_id)
    if found is None:
        return None
    return {
        "chance_chronic": found.chance,
        "main_factors": list(factor_list(found.main_factors)),
        "as_of": shapes.day(found.as_of),
        "rank": found.rank,
    }


def _contacts(serving: ServingData, scope: Scope, student_id: str) -> list[dict[str, Any]]:
    from homeroom.web.data.contacts import student_contacts

    frame = student_contacts(serving, scope, student_id)
    return [{k: shapes.plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


__all__ = ["student_record"]
