"""Sign-in (local accounts and single sign-on) and sign-out."""

from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from homeroom.casebook.models import User
from homeroom.casebook.roles import PARTNER, SCHOOL_STAFF
from homeroom.web.auth import (
    LOGIN_CSRF_COOKIE,
    OIDC_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    check_login_csrf,
    clear_cookie,
    current_viewer,
    new_login_csrf,
    read_cookie,
    require_viewer,
    safe_next,
    set_cookie,
)
from homeroom.web.render import page

router = APIRouter()
log = logging.getLogger("homeroom.web")
SESSION_SECONDS = 12 * 3600
SIGN_IN_FAILED = (
    "Those details did not work. Check them and try again; after 5 failed tries in a row the "
    "account is locked for 15 minutes."
)


def _login_page(request: Request, *, message: str | None, next_path: str, status: int = 200):
    state = request.app.state.homeroom
    token = new_login_csrf()
    response = page(
        request,
        "login.html",
        status,
        title="Sign in",
        message=message,
        next_path=next_path,
        login_csrf=token,
        sso_label=getattr(getattr(state.oidc, "settings", None), "display_name", None)
        if state.oidc
        else None,
    )
    set_cookie(response, LOGIN_CSRF_COOKIE, token, secure=state.secure_cookies, max_age=3600)
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:  # noqa: A002
    if current_viewer(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, message=None, next_path=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",  # noqa: A002
) -> Response:
    from homeroom.casebook.audit import record
    from homeroom.casebook.users import LoginFailed, authenticate

    check_login_csrf(request, csrf_token)
    state = request.app.state.homeroom
    try:
        user = authenticate(state.store, username.strip(), password)
    except LoginFailed:
        record(
            state.store,
            username=username.strip()[:80] or "(blank)",
            role="",
            action="sign_in_failed",
            subject_type="account",
        )
        return _login_page(request, message=SIGN_IN_FAILED, next_path=safe_next(next), status=401)
    return _signed_in(request, user, _landing(user, safe_next(next)), method="password")


def _landing(user: User, target: str) -> str:
    """Where a sign-in lands: the page asked for, except that school staff sent to the
    district page land on their school's work queue (one school) or the choice of their
    schools' queues, and a community partner on its students."""
    if target != "/":
        return target
    if user.role == PARTNER:
        return "/partner"
    if user.role != SCHOOL_STAFF:
        return target
    schools = sorted(user.school_ids)
    return f"/schools/{quote(schools[0], safe='')}/queue" if len(schools) == 1 else "/queue"


def _signed_in(request: Request, user: User, target: str, *, method: str) -> Response:
    from homeroom.casebook.audit import record
    from homeroom.casebook.sessions import start_session

    state = request.app.state.homeroom
    token, _csrf = start_session(state.store, user)
    record(
        state.store,
        username=user.username,
        role=user.role,
        action="sign_in",
        subject_type="account",
        detail={"method": method},
    )
    response = RedirectResponse(target, status_code=303)
    set_cookie(
        response, SESSION_COOKIE, token, secure=state.secure_cookies, max_age=SESSION_SECONDS
    )
    clear_cookie(response, LOGIN_CSRF_COOKIE, secure=state.secure_cookies)
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    from homeroom.casebook.audit import record
    from homeroom.casebook.sessions import end_session

    viewer = require_viewer(request)
    check_csrf(viewer, csrf_token)
    state = request.app.state.homeroom
    end_session(state.store, viewer.session_token)
    record(
        state.store,
        username=viewer.username,
        role=viewer.role,
        action="sign_out",
        subject_type="account",
    )
    response = RedirectResponse("/login", status_code=303)
    clear_cookie(response, SESSION_COOKIE, secure=state.secure_cookies)
    return response


@router.get("/login/oidc")
def oidc_begin(request: Request, next: str | None = None) -> Response:  # noqa: A002
    from homeroom.web.oidc import OIDCError

    state = request.app.state.homeroom
    if state.oidc is None:
        return _login_page(
            request, message="Single sign-on is not set up here.", next_path="/", status=404
        )
    try:
        url, pending = state.oidc.begin(return_to=safe_next(next))
    except OIDCError as exc:
        return _login_page(request, message=str(exc), next_path="/", status=502)
    response = RedirectResponse(url, status_code=303)
    sealed = _seal(state.secret, pending.dumps())
    set_cookie(response, OIDC_COOKIE, sealed, secure=state.secure_cookies, max_age=600)
    return response


@router.get("/auth/callback")
def oidc_finish(request: Request) -> Response:
    from homeroom.casebook.audit import record
    from homeroom.casebook.users import find_oidc_user
    from homeroom.web.oidc import OIDCError, PendingLogin

    state = request.app.state.homeroom
    sealed = read_cookie(request, OIDC_COOKIE, state.secure_cookies)
    opened = _unseal(state.secret, sealed) if sealed and state.oidc else None
    if opened is None:
        return _login_page(
            request,
            message="The sign-in took too long or was started elsewhere; try again.",
            next_path="/",
            status=400,
        )
    try:
        pending = PendingLogin.loads(opened)
        identity = state.oidc.finish(pending, dict(request.query_params))
    except OIDCError as exc:
        return _login_page(request, message=str(exc), next_path="/", status=401)
    target = pending.return_to
    user = find_oidc_user(state.store, identity.issuer, identity.subject, identity.verified_email)
    if user is None or getattr(user, "disabled", False):
        record(
            state.store,
            username=(identity.email or identity.subject)[:80],
            role="",
            action="sign_in_failed",
            subject_type="account",
            detail={"method": "oidc", "why": "no Homeroom account for this identity"},
        )
        return _login_page(
            request,
            message="You signed in with your district account, but it has no Homeroom access "
            "yet. Ask a district administrator to add you.",
            next_path="/",
            status=403,
        )
    response = _signed_in(request, user, _landing(user, safe_next(target)), method="oidc")
    clear_cookie(response, OIDC_COOKIE, secure=state.secure_cookies)
    return response


def _seal(secret: bytes, value: str) -> str:
    """A value the browser keeps for the app but cannot change: signed with the app secret."""
    import base64
    import hashlib
    import hmac

    data = value.encode()
    mac = hmac.new(secret, b"oidc:" + data, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac + data).decode()


def _unseal(secret: bytes, sealed: str) -> str | None:
    import base64
    import binascii
    import hashlib
    import hmac

    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
    except (binascii.Error, ValueError):
        return None
    mac, data = raw[:32], raw[32:]
    expected = hmac.new(secret, b"oidc:" + data, hashlib.sha256).digest()
    return data.decode() if hmac.compare_digest(mac, expected) else None
