"""GET /supports (the catalogue, for plans) and GET /caseload (the caller's open plans)."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request

from homeroom.casebook.caseload import caseload
from homeroom.casebook.supports import list_supports
from homeroom.casebook.users import UserError, normal_username
from homeroom.web.api import shapes
from homeroom.web.api.auth import Caller, api_caller
from homeroom.web.api.errors import ApiError, bad_request
from homeroom.web.api.routing import router


@router.get("/supports")
def supports(request: Request, caller: Caller = Depends(api_caller)) -> dict[str, Any]:
    """The supports offered for new plans (no student data: open to every role)."""
    found = list_supports(request.app.state.homeroom.store)
    return {"supports": [shapes.support(s) for s in found]}


@router.get("/caseload")
def my_caseload(
    request: Request, owner: str | None = None, caller: Caller = Depends(api_caller)
) -> dict[str, Any]:
    """The open plans the caller owns (an administrator may ask for another owner's),
    overdue follow-ups first; school staff see only plans at their schools."""
    caller.require_casework()
    whose = caller.username
    if owner:
        try:
            whose = normal_username(owner)
        except (UserError, AttributeError) as exc:
            raise bad_request("owner is not a user name", "owner") from exc
        if whose != caller.username and not caller.scope.is_admin:
            raise ApiError(403, "only a district administrator may read another's caseload")
    scope = caller.scope
    items = [
        i
        for i in caseload(request.app.state.homeroom.store, whose)
        if scope.school_ids is None or i.plan.school_id in scope.school_ids
    ]
    return {
        "owner": whose,
        "items": [
            i.as_json()
            | {
                "school_id": i.plan.school_id,
                "tier": i.plan.tier,
                "review_on": shapes.day(i.plan.review_on),
                "review_due": i.review_due,
            }
            for i in items
        ],
    }
