"""The roles an account can hold, and what each may see, in words.

Roles are the casebook's: an administrator assigns them to accounts here, and the web app
reads them (homeroom.web.scope turns a user's role and schools into the rows they may see).
A `partner` belongs to one community organisation and sees only the students referred to it
with a family's consent in force, and only the fields that consent covers
(homeroom.casebook.consents).
"""

from __future__ import annotations

DISTRICT_ADMIN = "district_admin"
SCHOOL_STAFF = "school_staff"
DISTRICT_VIEWER = "district_viewer"
STATE_ANALYST = "state_analyst"
PARTNER = "partner"
ROLES = (DISTRICT_ADMIN, SCHOOL_STAFF, DISTRICT_VIEWER, STATE_ANALYST, PARTNER)
ROLE_LABELS = {
    DISTRICT_ADMIN: "District administrator (everything; manages users)",
    SCHOOL_STAFF: "School staff (students of their own schools)",
    DISTRICT_VIEWER: "District viewer (aggregates only, no student rows)",
    STATE_ANALYST: "State analyst (aggregates only, no student rows)",
    PARTNER: "Community partner (referred students with a family's consent only)",
}
# Roles that see student rows of whole schools; the others see aggregates only, except a
# partner, who sees its consented students through the partner pages and nothing else.
STUDENT_ROLES = frozenset({DISTRICT_ADMIN, SCHOOL_STAFF})
# Roles that plan and log the school's work (plans, actions, referrals, the queue).
CASEWORK_ROLES = STUDENT_ROLES

__all__ = [
    "CASEWORK_ROLES",
    "DISTRICT_ADMIN",
    "DISTRICT_VIEWER",
    "PARTNER",
    "ROLES",
    "ROLE_LABELS",
    "SCHOOL_STAFF",
    "STATE_ANALYST",
    "STUDENT_ROLES",
]
