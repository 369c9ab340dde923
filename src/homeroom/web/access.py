"""Who may reach which student, in one place for the pages and the JSON API.

- `scope_for(store, user)`: a user's Scope; a partner's carries the students whose family's
  consent to its organisation is in force today, and each one's scopes, read afresh on every
  request, so an expired or withdrawn consent ends access at once.
- `partner_may_open(path)`: a partner account reaches only its own pages (and its account),
  never the district's pages, lists, searches or downloads.
- `current_stay(serving, scope, student_id)`: the student's latest stay the user may see (the
  school that holds a new plan, an action or a referral), or StudentNotFound.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeroom.casebook.roles import PARTNER
from homeroom.web.data.common import StudentNotFound, query
from homeroom.web.scope import Scope, user_scope
from homeroom.web.snapshot import ServingData

if TYPE_CHECKING:
    from homeroom.casebook.models import User
    from homeroom.casebook.store import Store

# Paths a partner account may open: its pages, signing out, its account, the API, the assets.
PARTNER_PATHS = ("/partner", "/logout", "/login", "/account", "/api/v1", "/static", "/healthz")


def scope_for(store: Store, user: User, *, today: dt.date | None = None) -> Scope:
    if user.role != PARTNER or user.partner_id is None:
        return user_scope(user)
    from homeroom.casebook.consents import partner_access

    return user_scope(user, partner_access(store, user.partner_id, today=today))


def partner_may_open(path: str) -> bool:
    return path == "/" or any(
        path == prefix.rstrip("/")
        or path.startswith(prefix if prefix.endswith("/") else prefix + "/")
        or path == prefix
        for prefix in PARTNER_PATHS
    )


@dataclass(frozen=True)
class Stay:
    """Where a student is now, as far as the user may see."""

    student_id: str
    school_id: str
    school_name: str
    grade_level: str | None
    school_year: int


def current_stay(serving: ServingData, scope: Scope, student_id: str) -> Stay:
    """The student's latest stay in the user's scope (latest year, then latest entry)."""
    clause, params = scope.student_filter("school_id")
    with serving.cursor() as cur:
        rows = query(
            cur,
            "SELECT school_id, grade_level, school_year FROM enrollments "
            f"WHERE student_id = ? AND ({clause}) "
            "ORDER BY school_year DESC, entry_date DESC, school_id LIMIT 1",
            [str(student_id), *params],
        )
    if rows.empty:
        raise StudentNotFound
    row = rows.iloc[0]
    school_id = str(row["school_id"])
    grade = row["grade_level"]
    return Stay(
        str(student_id),
        school_id,
        serving.school_names.get(school_id, school_id),
        None if grade is None else str(grade),
        int(row["school_year"]),
    )
