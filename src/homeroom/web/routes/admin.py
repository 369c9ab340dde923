"""Administrators: manage users, read and export the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from homeroom.casebook.roles import PARTNER, ROLES
from homeroom.casebook.store import CasebookError
from homeroom.web.auth import check_csrf, require_viewer
from homeroom.web.errors import BadRequest
from homeroom.web.render import page

router = APIRouter(prefix="/admin")
AUDIT_PAGE = 200
# The users page's alerts, by the code in its address: a link can choose one of these, never
# write its own text into the page (an unknown code shows nothing).
MESSAGES = {
    "user_added": "User added.",
    "user_disabled": "User disabled: their sessions have ended.",
    "user_enabled": "User enabled: they can sign in again.",
}


def _admin(request: Request):  # noqa: ANN202
    viewer = require_viewer(request)
    viewer.scope.require_admin()
    return viewer


@router.get("/users")
def users(request: Request, message: str | None = None) -> Response:
    return _users_page(request, MESSAGES.get(message or ""))


def _users_page(request: Request, alert: str | None) -> Response:
    """The users page with `alert`: ours, from MESSAGES or the casebook's refusal of a form."""
    from homeroom.casebook.partners import list_partners
    from homeroom.casebook.users import list_users

    viewer = _admin(request)
    state = request.app.state.homeroom
    return page(
        request,
        "admin_users.html",
        title="Users",
        users=list_users(state.store),
        roles=ROLES,
        schools=_school_choices(request),
        partners=list_partners(state.store, include_inactive=True),
        message=alert,
        viewer=viewer,
    )


@router.post("/users")
def add_user_form(
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    username: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    schools: Annotated[list[str] | None, Form()] = None,
    partner: Annotated[str, Form()] = "",
) -> Response:
    from homeroom.casebook.users import add_user

    viewer = _admin(request)
    check_csrf(viewer, csrf_token)
    state = request.app.state.homeroom
    known = {school_id for school_id, _ in _school_choices(request)}
    chosen = [s for s in (schools or []) if s]
    if any(s not in known for s in chosen):
        raise BadRequest("a chosen school is not in the district's data")
    try:
        # Only a partner account belongs to an organisation; the choice is ignored for others.
        partner_id = int(partner) if role == PARTNER and partner else None
    except ValueError as exc:
        raise BadRequest("partner must be a partner's number") from exc
    try:
        add_user(
            state.store,
            username.strip(),
            role,
            password=password or None,
            schools=chosen,
            display_name=display_name.strip() or None,
            email=email.strip() or None,
            partner_id=partner_id,
            by=viewer,
        )
    except (ValueError, CasebookError) as exc:
        return _users_page(request, str(exc))
    return RedirectResponse("/admin/users?message=user_added", status_code=303)


@router.post("/users/{username}/{change}")
def change_user(
    request: Request, username: str, change: str, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    from homeroom.casebook.users import disable_user, enable_user

    viewer = _admin(request)
    check_csrf(viewer, csrf_token)
    if change not in ("disable", "enable"):
        raise BadRequest("unknown change; use disable or enable")
    if change == "disable" and username == viewer.username:
        raise BadRequest("you cannot disable your own account")
    state = request.app.state.homeroom
    try:
        (disable_user if change == "disable" else enable_user)(state.store, username, by=viewer)
    except (ValueError, CasebookError) as exc:
        raise BadRequest(str(exc)) from exc
    return RedirectResponse(f"/admin/users?message=user_{change}d", status_code=303)


@router.get("/audit")
def audit(
    request: Request,
    since: str | None = None,
    user: str | None = None,
    action: str | None = None,
    student: str | None = None,
    format: str | None = None,  # noqa: A002
) -> Response:
    from homeroom.casebook.audit import audit_entries

    viewer = _admin(request)
    state = request.app.state.homeroom
    try:
        since_day = dt.date.fromisoformat(since) if since else None
    except ValueError as exc:
        raise BadRequest("since must be a date like 2025-01-31") from exc
    entries = audit_entries(
        state.store,
        since=since_day,
        username=user or None,
        action=action or None,
        student=student or None,  # every entry that showed the student, lists included
        limit=None if format else AUDIT_PAGE,
        newest_first=not format,  # the page reads from the latest; files run in time order
    )
    if format in ("csv", "xlsx"):
        from homeroom.casebook.audit import record
        from homeroom.web.downloads import download

        record(
            state.store,
            username=viewer.username,
            role=viewer.role,
            action="audit_exported",
            subject_type="audit_log",
            detail={"rows": len(entries), "format": format},
        )
        return download(
            request,
            {"audit log": _audit_frame(entries)},
            f"homeroom-audit-{dt.date.today()}",
            format,
        )
    return page(
        request,
        "admin_audit.html",
        title="Audit log",
        entries=entries,
        since=since or "",
        user=user or "",
        action=action or "",
        student=student or "",
        limit=AUDIT_PAGE,
    )


def _audit_frame(entries: list) -> object:
    import pandas as pd

    columns = ["at", "username", "role", "action", "subject_type", "subject_id", "reason", "detail"]
    return pd.DataFrame(
        [{c: getattr(e, c, None) for c in columns} for e in entries], columns=columns
    )


def _school_choices(request: Request) -> list[tuple[str, str]]:
    try:
        return request.app.state.homeroom.serving_schools()
    except Exception:  # noqa: BLE001 - before the first load there are no schools to choose
        return []
