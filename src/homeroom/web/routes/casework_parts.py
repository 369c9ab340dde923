"""What the casework pages share: the student behind an opaque key (scope-checked), the
casework panel, the confirmations a form sends the user back with, and form values read once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse

from homeroom.casebook.casework import today as store_today
from homeroom.web.access import Stay, current_stay
from homeroom.web.auth import Viewer, check_csrf, require_viewer
from homeroom.web.data.casework import Casework, casework
from homeroom.web.data.common import StudentNotFound
from homeroom.web.data.flags import latest_flags
from homeroom.web.errors import PageNotFound
from homeroom.web.pageparts import serving

# The short confirmation after a form (`?done=KEY`): fixed words, never what was typed.
CONFIRMATIONS = {
    "plan_opened": "The plan is made.",
    "plan_changed": "The plan is changed.",
    "plan_closed": "The plan is closed.",
    "action_logged": "The action is logged.",
    "follow_up_done": "The follow-up is marked done.",
    "referred": "The referral and the family's consent are recorded.",
    "consent_withdrawn": "The consent is withdrawn: the partner's access has ended.",
}


def student_id_of(request: Request, key: str) -> str:
    """The student behind an opaque key, or 404 (an unknown key looks like any other)."""
    serving(request)  # opening the data makes the keys
    keys = request.app.state.homeroom.keys
    student_id = keys.student_id(key) if keys is not None else None
    if student_id is None:
        raise PageNotFound()
    return str(student_id)


def stay_of(request: Request, viewer: Viewer, student_id: str) -> Stay:
    """The student's latest stay the user may see; 404 outside the user's reach."""
    try:
        return current_stay(serving(request), viewer.scope, student_id)
    except StudentNotFound as exc:
        raise PageNotFound() from exc


def panel(request: Request, viewer: Viewer, student_id: str, school_year: int) -> Casework:
    state = request.app.state.homeroom
    return casework(
        state.store,
        serving(request),
        viewer.scope,
        student_id,
        flags=latest_flags(state.workspace),
        school_year=school_year,
        today=store_today(state.store),
    )


def confirmation(done: str | None) -> str | None:
    return CONFIRMATIONS.get(done or "")


def without_done(links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Download links without the confirmation's `done=` (a file is not a form's answer)."""
    kept = []
    for label, href in links:
        path, _, query = href.partition("?")
        pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "done"]
        kept.append((label, f"{path}?{urlencode(pairs)}"))
    return kept


def today(request: Request) -> dt.date:
    return store_today(request.app.state.homeroom.store)


def ids(values: list[str], field: str) -> list[int]:
    """Checkbox values that must be ids; anything else is the form's fault, named."""
    from homeroom.casebook.casework import CaseworkError

    try:
        return [int(v) for v in values if v != ""]
    except ValueError as exc:
        raise CaseworkError(f"{field} must be ids from the list", field) from exc


def staff_kinds() -> dict[str, str]:
    """The kinds school staff log (a partner's own kind is for partner accounts)."""
    from homeroom.casebook.actions import KINDS, PARTNER_KIND

    return {k: v for k, v in KINDS.items() if k != PARTNER_KIND}


def panel_context(request: Request, work: Casework) -> dict[str, Any]:
    """What the casework macros (templates/_casework.html) read besides the panel itself."""
    from homeroom.casebook.plans import OUTCOMES
    from homeroom.web.data.casework import scope_words
    from homeroom.web.pageparts import records

    return {
        "work": work,
        "outcomes": OUTCOMES,
        "kinds": staff_kinds(),
        "scope_words": scope_words,
        "contacts": records(work.contacts),
        "action_values": {"on": today(request).isoformat(), "completes": []},
    }


def student_for_form(request: Request, key: str, csrf: str | None = None) -> tuple[Viewer, str]:
    """The signed-in caseworker and the student behind KEY (in their reach), CSRF checked
    for a POST."""
    viewer = require_viewer(request)
    if csrf is not None:
        check_csrf(viewer, csrf)
    viewer.scope.require_students()
    student_id = student_id_of(request, key)
    stay_of(request, viewer, student_id)
    return viewer, student_id


def done(key: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"/students/{key}?done={what}", status_code=303)
