"""The JSON API under /api/v1 (issue 13 point 5): bearer tokens, the pages' roles, scopes,
consents and audit, JSON errors. See docs/api.md.

- `auth`: the token's account and its Scope; `body`: checked JSON bodies; `errors`: the
  JSON error answers; `shapes`: each record's JSON;
- `students` (GET /students, GET /students/{student_id}) over `student_rows` and
  `student_record`; `casework` (POST plans, actions, referrals, consent withdrawal);
  `catalogue` (GET /supports, GET /caseload); `fallback`: JSON 404s for unknown addresses.
"""

from __future__ import annotations

from homeroom.web.api import casework, catalogue, fallback, students  # noqa: F401 - routes
from homeroom.web.api.routing import router

fallback.register(router)  # last: it answers every address no other route took

__all__ = ["router"]
