"""The roles an account can hold, and what each may see, in words.

Roles are the casebook's: an administrator assigns them to accounts here, and the web app
reads them (homeroom.web.scope turns a user's role and schools into the rows they may see).
"""

from __future__ import annotations

DISTRICT_ADMIN = "district_admin"
SCHOOL_STAFF = "school_staff"
DISTRICT_VIEWER = "district_viewer"
STATE_ANALYST = "state_analyst"
ROLES = (DISTRICT_ADMIN, SCHOOL_STAFF, DISTRICT_VIEWER, STATE_ANALYST)
ROLE_LABELS = {
    DISTRICT_ADMIN: "District administrator (everything; manages users)",
    SCHOOL_STAFF: "School staff (students of their own schools)",
    DISTRICT_VIEWER: "District viewer (aggregates only, no student rows)",
    STATE_ANALYST: "State analyst (aggregates only, no student rows)",
}
# Roles that see student rows; the others see aggregates only.
STUDENT_ROLES = frozenset({DISTRICT_ADMIN, SCHOOL_STAFF})

__all__ = [
    "DISTRICT_ADMIN",
    "DISTRICT_VIEWER",
    "ROLES",
    "ROLE_LABELS",
    "SCHOOL_STAFF",
    "STATE_ANALYST",
    "STUDENT_ROLES",
]
