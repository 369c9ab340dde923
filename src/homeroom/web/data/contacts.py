"""A student's family contacts, for the student page: who to call, write to or visit.

Scoped as the student page is (`student_page.student_detail`): school staff reach the contacts
of a student with a stay at one of their schools, and a student outside the user's reach gets
the same `StudentNotFound` as one who does not exist. A partner sees a student's contacts only
when the family's consent covers `contacts`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from homeroom.contract.schema import CONTACT_COLUMNS
from homeroom.web.data.common import StudentNotFound, query
from homeroom.web.scope import Scope, ScopeError
from homeroom.web.snapshot import ServingData

# The canonical columns but the student's id, in the contract's order.
COLUMNS = tuple(c for c in CONTACT_COLUMNS if c != "student_id")
CONSENT_SCOPE = "contacts"  # the consent scope a partner needs (DESIGN.md section 7)


def student_contacts(serving: ServingData, scope: Scope, student_id: str) -> pd.DataFrame:
    """The student's contacts: the primary contact first, then by name (and contact id).

    An empty frame (with the columns) for a student the dataset lists no contacts for.
    """
    student_id = str(student_id)
    with serving.cursor() as cur:
        _require_student(cur, scope, student_id)
        if not scope.allows_field(student_id, CONSENT_SCOPE):
            raise ScopeError("the family's consent does not cover their contact details")
        return query(
            cur,
            f"SELECT {', '.join(COLUMNS)} FROM contacts WHERE student_id = ? "
            "ORDER BY is_primary DESC, name, contact_id",
            [student_id],
        )


def _require_student(cur: Any, scope: Scope, student_id: str) -> None:
    """StudentNotFound unless one of the student's stays (any year) is in the user's scope."""
    clause, params = scope.student_filter("school_id")
    found = cur.execute(
        f"SELECT count(*) FROM enrollments WHERE student_id = ? AND ({clause})",
        [student_id, *params],
    ).fetchall()[0][0]
    if not found:
        raise StudentNotFound


__all__ = ["student_contacts"]
