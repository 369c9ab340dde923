"""Casework on one student: make, change or close the plan, log an action, mark a follow-up
done (the referral forms are in routes/referral.py, included here).

Every form: signed in with a role that works with student records, the CSRF token, and the
student within the user's reach (404 otherwise, as for a missing student). A refused form is
shown again with the message beside the field and what was typed kept (400), nothing
written; a form that worked sends the user back to the student page (303) with a short
confirmation. The casebook's services audit every change.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from homeroom.casebook.actions import complete_follow_up, log_action, student_actions
from homeroom.casebook.casework import CaseworkError, as_tier
from homeroom.casebook.plans import OUTCOMES, change_plan, close_plan, current_plan, open_plan
from homeroom.casebook.supports import TIER_NAMES, list_supports
from homeroom.casebook.users import list_users
from homeroom.web.auth import Viewer
from homeroom.web.data.flags import latest_flags
from homeroom.web.errors import BadRequest, PageNotFound
from homeroom.web.render import page
from homeroom.web.routes import casework_parts as parts
from homeroom.web.routes import referral

router = APIRouter()
router.include_router(referral.router)
REVIEW_AFTER = dt.timedelta(weeks=6)  # a new plan's default review date: six weeks on
PLAN_FIELDS = ("tier", "owner", "supports", "goal", "start_on", "review_on")


@router.get("/students/{key}/plan")
def plan_form(request: Request, key: str) -> Response:
    viewer, student_id = parts.student_for_form(request, key)
    plan = current_plan(request.app.state.homeroom.store, student_id)
    if plan is not None:
        values = _plan_values(plan)
    else:
        start = parts.today(request)
        values = {
            "tier": str(_suggested_tier(request, student_id)),
            "owner": viewer.username,
            "supports": [],
            "goal": "",
            "start_on": start.isoformat(),
            "review_on": (start + REVIEW_AFTER).isoformat(),
        }
    return _plan_page(request, viewer, key, student_id, values)


@router.post("/students/{key}/plan")
def save_plan(
    request: Request,
    key: str,
    csrf_token: Annotated[str, Form()] = "",
    tier: Annotated[str, Form()] = "",
    owner: Annotated[str, Form()] = "",
    supports: Annotated[list[str] | None, Form()] = None,
    goal: Annotated[str, Form()] = "",
    start_on: Annotated[str, Form()] = "",
    review_on: Annotated[str, Form()] = "",
) -> Response:
    viewer, student_id = parts.student_for_form(request, key, csrf_token)
    store = request.app.state.homeroom.store
    values = {"tier": tier, "owner": owner, "supports": supports or [], "goal": goal,
              "start_on": start_on, "review_on": review_on}  # fmt: skip
    plan = current_plan(store, student_id)
    try:
        chosen = parts.ids(supports or [], "supports")
        if plan is not None:
            change_plan(store, plan.id, tier=as_tier(tier), owner=owner, supports=chosen,
                        goal=goal, review_on=review_on, by=viewer)  # fmt: skip
            return parts.done(key, "plan_changed")
        stay = parts.stay_of(request, viewer, student_id)
        open_plan(store, student_id=student_id, school_id=stay.school_id, tier=as_tier(tier),
                  owner=owner, supports=chosen, goal=goal, start_on=start_on or None,
                  review_on=review_on or None, by=viewer)  # fmt: skip
    except CaseworkError as exc:
        return _plan_page(request, viewer, key, student_id, values, {_field(exc): str(exc)})
    return parts.done(key, "plan_opened")


@router.post("/students/{key}/plan/close")
def close(
    request: Request,
    key: str,
    csrf_token: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    viewer, student_id = parts.student_for_form(request, key, csrf_token)
    store = request.app.state.homeroom.store
    plan = current_plan(store, student_id)
    try:
        if plan is None:
            raise CaseworkError("this student has no open plan to close", "plan")
        close_plan(store, plan.id, outcome=outcome, note=note, by=viewer)
    except CaseworkError as exc:
        field = "close." + (exc.field or "plan")
        closing = {"outcome": outcome, "note": note}
        return _plan_page(request, viewer, key, student_id, None, {field: str(exc)}, closing)
    return parts.done(key, "plan_closed")


@router.post("/students/{key}/actions")
def log(
    request: Request,
    key: str,
    csrf_token: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    follow_up_on: Annotated[str, Form()] = "",
    completes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    viewer, student_id = parts.student_for_form(request, key, csrf_token)
    store = request.app.state.homeroom.store
    stay = parts.stay_of(request, viewer, student_id)
    values = {"kind": kind, "on": on, "outcome": outcome, "note": note,
              "follow_up_on": follow_up_on, "completes": completes or []}  # fmt: skip
    try:
        log_action(store, student_id=student_id, school_id=stay.school_id, kind=kind,
                   done_on=on or None, outcome=outcome, note=note,
                   follow_up_on=follow_up_on or None,
                   completes=parts.ids(completes or [], "completes"), by=viewer)  # fmt: skip
    except CaseworkError as exc:
        follow_ups = [a for a in student_actions(store, student_id) if a.follow_up_open()]
        return page(
            request,
            "action.html",
            400,
            title="Log an action",
            key=key,
            values=values,
            errors={_field(exc): str(exc)},
            follow_ups=follow_ups,
            kinds=parts.staff_kinds(),
        )
    return parts.done(key, "action_logged")


@router.post("/students/{key}/actions/{action_id}/done")
def follow_up_done(
    request: Request, key: str, action_id: int, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    viewer, student_id = parts.student_for_form(request, key, csrf_token)
    store = request.app.state.homeroom.store
    if action_id not in {a.id for a in student_actions(store, student_id)}:
        raise PageNotFound()  # another student's action is not at this address
    try:
        complete_follow_up(store, action_id, by=viewer)
    except CaseworkError as exc:
        raise BadRequest(str(exc)) from exc
    return parts.done(key, "follow_up_done")


def _plan_page(
    request: Request,
    viewer: Viewer,
    key: str,
    student_id: str,
    values: dict[str, Any] | None,
    errors: dict[str, str] | None = None,
    closing: dict[str, str] | None = None,
) -> Response:
    store = request.app.state.homeroom.store
    stay = parts.stay_of(request, viewer, student_id)
    plan = current_plan(store, student_id)
    if values is None:  # the close form was refused: the plan form shows the plan as it is
        values = _plan_values(plan) if plan is not None else {"supports": []}
    held = {s.id for s in plan.supports} if plan is not None else set()
    catalogue = [s for s in list_supports(store, include_retired=True) if s.active or s.id in held]
    owners = [
        u
        for u in list_users(store, include_disabled=False)
        if u.role == "district_admin"
        or (u.role == "school_staff" and stay.school_id in u.school_ids)
    ]
    return page(
        request,
        "plan.html",
        400 if errors else 200,
        title="Change the plan" if plan is not None else "Make a plan",
        key=key,
        stay=stay,
        plan=plan,
        values=values,
        errors=errors or {},
        closing=closing or {},
        owners=owners,
        tiers=TIER_NAMES,
        supports=[(tier, [s for s in catalogue if s.tier == tier]) for tier in TIER_NAMES],
        outcomes=OUTCOMES,
    )


def _plan_values(plan: Any) -> dict[str, Any]:
    return {
        "tier": str(plan.tier),
        "owner": plan.owner,
        "supports": [str(s.id) for s in plan.supports],
        "goal": plan.goal or "",
        "start_on": plan.start_on.isoformat(),
        "review_on": plan.review_on.isoformat() if plan.review_on else "",
    }


def _suggested_tier(request: Request, student_id: str) -> int:
    """The early-warning run's suggestion for the student, else tier 1."""
    flags = latest_flags(request.app.state.homeroom.workspace)
    if flags is None:
        return 1
    rank = flags.student_rank(student_id)
    if rank.empty or rank["suggested_tier"].isna().all():
        return 1
    return int(rank["suggested_tier"].max())


def _field(exc: CaseworkError) -> str:
    return exc.field or "form"
