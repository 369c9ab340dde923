"""Referring a student to a community partner with the family's consent, and withdrawing a
consent (included in routes/casework.py's router; the same rules as every casework form).

A consent that has already expired is refused with the message beside its expiry date. A
withdrawn consent ends the partner's access at once (web.access reads consents per request).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from homeroom.casebook.casework import CaseworkError, NotFound
from homeroom.casebook.consents import SCOPES, get_consent, refer, withdraw_consent
from homeroom.casebook.partners import list_partners
from homeroom.web.auth import check_csrf, require_viewer
from homeroom.web.errors import PageNotFound
from homeroom.web.render import page
from homeroom.web.routes import casework_parts as parts

router = APIRouter()
RELATIONSHIPS = {
    "parent": "Parent",
    "guardian": "Guardian",
    "student of age": "The student (of age)",
    "other": "Other",
}


@router.get("/students/{key}/referral")
def referral_form(request: Request, key: str) -> Response:
    parts.student_for_form(request, key)
    values = {"given_on": parts.today(request).isoformat(), "scope": []}
    return _page(request, key, values, {})


@router.post("/students/{key}/referral")
def save_referral(
    request: Request,
    key: str,
    csrf_token: Annotated[str, Form()] = "",
    partner: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    given_by: Annotated[str, Form()] = "",
    relationship: Annotated[str, Form()] = "",
    given_on: Annotated[str, Form()] = "",
    expires_on: Annotated[str, Form()] = "",
    scope: Annotated[list[str] | None, Form()] = None,
) -> Response:
    viewer, student_id = parts.student_for_form(request, key, csrf_token)
    stay = parts.stay_of(request, viewer, student_id)
    values = {"partner": partner, "reason": reason, "given_by": given_by,
              "relationship": relationship, "given_on": given_on, "expires_on": expires_on,
              "scope": scope or []}  # fmt: skip
    consent = {"given_by": given_by, "relationship": relationship, "given_on": given_on,
               "expires_on": expires_on, "scope": scope or []}  # fmt: skip
    try:
        if relationship not in RELATIONSHIPS:
            raise CaseworkError("choose who gave the consent", "consent.relationship")
        refer(request.app.state.homeroom.store, student_id=student_id,
              school_id=stay.school_id, partner_id=_partner_id(partner), reason=reason,
              consent=consent, by=viewer)  # fmt: skip
    except CaseworkError as exc:
        return _page(request, key, values, {exc.field or "form": str(exc)})
    return parts.done(key, "referred")


@router.post("/consents/{consent_id}/withdraw")
def withdraw(
    request: Request, consent_id: int, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    viewer = require_viewer(request)
    check_csrf(viewer, csrf_token)
    viewer.scope.require_students()
    store = request.app.state.homeroom.store
    try:
        consent = get_consent(store, consent_id)
    except NotFound as exc:
        raise PageNotFound() from exc
    parts.stay_of(request, viewer, consent.student_id)  # 404 outside the user's reach
    withdraw_consent(store, consent_id, by=viewer)
    key = request.app.state.homeroom.keys.key(consent.student_id)
    return RedirectResponse(f"/students/{key}?done=consent_withdrawn", status_code=303)


def _partner_id(value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise CaseworkError("choose a partner", "partner") from exc


def _page(request: Request, key: str, values: dict[str, Any], errors: dict[str, str]) -> Response:
    return page(
        request,
        "referral.html",
        400 if errors else 200,
        title="Refer to a partner",
        key=key,
        values=values,
        errors=errors,
        partners=list_partners(request.app.state.homeroom.store),
        relationships=RELATIONSHIPS,
        scopes=SCOPES,
    )
