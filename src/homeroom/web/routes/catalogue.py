"""The district administrator's catalogue pages: the supports offered by tier, and the community
partner organisations (with how many accounts each has; accounts are added on /admin/users).

Every change goes through the casebook (homeroom.casebook.supports, .partners), which audits
it. A page's message after a change is chosen by code from MESSAGES, never text from the
address; a refused form shows the casebook's own reason.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from homeroom.casebook.casework import CaseworkError
from homeroom.casebook.partners import KINDS as PARTNER_KINDS
from homeroom.casebook.supports import TIER_NAMES
from homeroom.web.auth import Viewer, check_csrf, require_viewer
from homeroom.web.errors import BadRequest
from homeroom.web.render import page

router = APIRouter()
MESSAGES = {
    "support_added": "Support added to the catalogue.",
    "support_saved": "Support saved.",
    "support_retired": "Support retired: plans that chose it keep it; new plans cannot.",
    "support_restored": "Support offered again.",
    "partner_added": "Partner added. Add its staff's accounts on the users page.",
    "partner_deactivated": "Partner deactivated: its accounts see no student now.",
    "partner_activated": "Partner active again.",
}
SUPPORT_CHANGES = ("add", "save", "retire", "restore")
PARTNER_CHANGES = ("add", "deactivate", "activate")


def _admin(request: Request) -> Viewer:
    viewer = require_viewer(request)
    viewer.scope.require_admin()
    return viewer


@router.get("/supports")
def supports(request: Request, message: str | None = None) -> Response:
    return _supports_page(request, MESSAGES.get(message or ""))


def _supports_page(request: Request, alert: str | None, status_code: int = 200) -> Response:
    from homeroom.casebook.supports import list_supports

    _admin(request)
    catalogue = list_supports(request.app.state.homeroom.store, include_retired=True)
    return page(
        request,
        "supports.html",
        status_code,
        title="Supports",
        tiers=[
            (tier, name, [s for s in catalogue if s.tier == tier])
            for tier, name in TIER_NAMES.items()
        ],  # fmt: skip
        tier_names=TIER_NAMES,
        message=alert,
    )


@router.post("/supports")
def change_support(
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    change: Annotated[str, Form()] = "",
    support: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    tier: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> Response:
    from homeroom.casebook.supports import add_support, update_support

    viewer = _admin(request)
    check_csrf(viewer, csrf_token)
    if change not in SUPPORT_CHANGES:
        raise BadRequest(f"change must be one of {', '.join(SUPPORT_CHANGES)}")
    store = request.app.state.homeroom.store
    level = _tier(tier)
    try:
        if change == "add":
            add_support(store, name, level, description or None, by=viewer.scope)
        else:
            number = _id(support, "support")
            if change == "save":
                update_support(store, number, name=name, tier=level, description=description,
                               by=viewer.scope)  # fmt: skip
            else:
                update_support(store, number, active=change == "restore", by=viewer.scope)
    except CaseworkError as exc:
        return _supports_page(request, f"Not saved: {exc}", 400)
    done = {"add": "added", "save": "saved", "retire": "retired", "restore": "restored"}[change]
    return RedirectResponse(f"/supports?message=support_{done}", status_code=303)


@router.get("/partners")
def partners(request: Request, message: str | None = None) -> Response:
    return _partners_page(request, MESSAGES.get(message or ""))


def _partners_page(request: Request, alert: str | None, status_code: int = 200) -> Response:
    from homeroom.casebook.partners import list_partners
    from homeroom.casebook.users import list_users

    _admin(request)
    store = request.app.state.homeroom.store
    accounts = Counter(u.partner_id for u in list_users(store) if u.partner_id is not None)
    return page(
        request,
        "partners.html",
        status_code,
        title="Partners",
        partners=[(p, accounts.get(p.id, 0)) for p in list_partners(store, include_inactive=True)],
        kinds=PARTNER_KINDS,
        message=alert,
    )


@router.post("/partners")
def change_partner(
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    change: Annotated[str, Form()] = "",
    partner: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
) -> Response:
    from homeroom.casebook.partners import add_partner, set_partner_active

    viewer = _admin(request)
    check_csrf(viewer, csrf_token)
    if change not in PARTNER_CHANGES:
        raise BadRequest(f"change must be one of {', '.join(PARTNER_CHANGES)}")
    store = request.app.state.homeroom.store
    try:
        if change == "add":
            add_partner(store, name, kind or None, by=viewer.scope)
        else:
            set_partner_active(store, _id(partner, "partner"), change == "activate",
                               by=viewer.scope)  # fmt: skip
    except CaseworkError as exc:
        return _partners_page(request, f"Not saved: {exc}", 400)
    done = {"add": "added", "deactivate": "deactivated", "activate": "activated"}[change]
    return RedirectResponse(f"/partners?message=partner_{done}", status_code=303)


def _id(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise BadRequest(f"{what} must be a number") from exc


def _tier(value: str) -> int:
    if value not in ("1", "2", "3"):
        return 0  # the casebook refuses it, naming the field
    return int(value)
