"""What the API writes: plans, actions, referrals with consent, and consent withdrawal.

Each request is checked whole before anything is written (the body's fields, the caller's
role, the student in the caller's scope), and each write is one casebook transaction that the
casebook audits, so a refused request leaves nothing behind.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from homeroom.casebook.actions import PARTNER_KIND, kind_of, log_action, student_actions
from homeroom.casebook.casework import today
from homeroom.casebook.consents import get_consent, refer, withdraw_consent
from homeroom.casebook.plans import open_plan
from homeroom.web.access import Stay, current_stay
from homeroom.web.api import shapes
from homeroom.web.api.auth import Caller, api_caller
from homeroom.web.api.body import check_fields, id_list, json_object, whole_number
from homeroom.web.api.errors import ApiError, bad_request
from homeroom.web.api.routing import router
from homeroom.web.data.common import StudentNotFound
from homeroom.web.state import AppState

PLAN_FIELDS = ("tier", "owner", "supports", "goal", "review_on", "start_on")
ACTION_FIELDS = ("kind", "on", "outcome", "note", "follow_up_on", "completes")
REFERRAL_FIELDS = ("partner", "reason", "consent")


def _stay(request: Request, caller: Caller, student_id: str) -> Stay:
    """The student's latest stay in the caller's scope (404 for one out of scope)."""
    state: AppState = request.app.state.homeroom
    return current_stay(state.serving, caller.scope, student_id)


@router.post("/students/{student_id}/plans", status_code=201)
def new_plan(
    request: Request,
    student_id: str,
    caller: Caller = Depends(api_caller),
    body: dict[str, Any] = Depends(json_object),
) -> JSONResponse:
    caller.require_casework()
    check_fields(body, PLAN_FIELDS, required=("tier",))
    stay = _stay(request, caller, student_id)
    plan = open_plan(
        request.app.state.homeroom.store,
        student_id=stay.student_id,
        school_id=stay.school_id,
        tier=body["tier"],
        owner=body.get("owner", caller.username),
        supports=id_list(body.get("supports"), "supports"),
        goal=body.get("goal"),
        start_on=body.get("start_on"),
        review_on=body.get("review_on"),
        by=caller.scope,
    )
    return JSONResponse({"plan_id": plan.id}, status_code=201)


@router.post("/students/{student_id}/actions", status_code=201)
def new_action(
    request: Request,
    student_id: str,
    caller: Caller = Depends(api_caller),
    body: dict[str, Any] = Depends(json_object),
) -> JSONResponse:
    caller.require_students()
    check_fields(body, ACTION_FIELDS, required=("kind",))
    kind = kind_of(body["kind"])
    completes = id_list(body.get("completes"), "completes")
    if caller.is_partner and kind != PARTNER_KIND:
        raise ApiError(403, "a community partner logs only actions of kind partner")
    stay = _stay(request, caller, student_id)
    store = request.app.state.homeroom.store
    if caller.is_partner and completes:
        # A partner closes only its own organisation's follow-ups.
        own = {a.id for a in student_actions(store, stay.student_id)
               if a.partner_id == caller.scope.partner_id}  # fmt: skip
        if not set(completes) <= own:
            raise bad_request("completes may name only your organisation's actions", "completes")
    action = log_action(
        store,
        student_id=stay.student_id,
        school_id=stay.school_id,
        kind=kind,
        done_on=body.get("on"),
        outcome=body.get("outcome"),
        note=body.get("note"),
        follow_up_on=body.get("follow_up_on"),
        completes=completes,
        partner_id=caller.scope.partner_id if caller.is_partner else None,
        by=caller.scope,
    )
    return JSONResponse({"action_id": action.id}, status_code=201)


@router.post("/students/{student_id}/referrals", status_code=201)
def new_referral(
    request: Request,
    student_id: str,
    caller: Caller = Depends(api_caller),
    body: dict[str, Any] = Depends(json_object),
) -> JSONResponse:
    caller.require_casework()
    check_fields(body, REFERRAL_FIELDS, required=("partner", "consent"))
    partner = whole_number(body["partner"], "partner")
    stay = _stay(request, caller, student_id)
    referral, consent = refer(
        request.app.state.homeroom.store,
        student_id=stay.student_id,
        school_id=stay.school_id,
        partner_id=partner,
        reason=body.get("reason"),
        consent=body["consent"],
        by=caller.scope,
    )
    return JSONResponse({"referral_id": referral.id, "consent_id": consent.id}, status_code=201)


@router.post("/consents/{consent_id}/withdraw")
def withdraw(
    request: Request,
    consent_id: int,
    caller: Caller = Depends(api_caller),
    body: dict[str, Any] = Depends(json_object),
) -> dict[str, Any]:
    caller.require_casework()
    check_fields(body, ())
    store = request.app.state.homeroom.store
    found = get_consent(store, consent_id)  # NotFound: 404
    try:
        _stay(request, caller, found.student_id)
    except StudentNotFound as exc:  # a consent of a student the caller may not see
        raise ApiError(404, "there is no such consent", "consent") from exc
    done = withdraw_consent(store, consent_id, by=caller.scope)
    return shapes.consent(done, today(store))
