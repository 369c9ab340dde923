"""Signing in and out, the session cookie, and CSRF checks on every form.

Sessions are server-side (the casebook's web_sessions): the cookie holds only a random token,
so disabling a user or signing out ends the session at once. Every POST carries the session's
CSRF token in a hidden field; the sign-in form, which has no session yet, uses a double-submit
cookie instead.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

from fastapi import Request
from starlette.responses import Response

from homeroom.web.access import partner_may_open, scope_for
from homeroom.web.scope import Scope, ScopeError

SESSION_COOKIE = "homeroom_session"
LOGIN_CSRF_COOKIE = "homeroom_login_csrf"
OIDC_COOKIE = "homeroom_oidc"


class SignInRequired(Exception):
    """No valid session: the page sends the browser to the sign-in form."""


class CSRFError(Exception):
    """A form without the right token: refused, nothing changed."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of one request."""

    username: str
    display_name: str
    role: str
    scope: Scope
    csrf_token: str
    session_token: str


def cookie_name(base: str, secure: bool) -> str:
    # The __Host- prefix pins a secure cookie to this host and path "/".
    return f"__Host-{base}" if secure else base


def set_cookie(
    response: Response, name: str, value: str, *, secure: bool, max_age: int | None = None
) -> None:
    response.set_cookie(
        cookie_name(name, secure),
        value,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, name: str, *, secure: bool) -> None:
    response.delete_cookie(
        cookie_name(name, secure), path="/", secure=secure, httponly=True, samesite="lax"
    )


def read_cookie(request: Request, name: str, secure: bool) -> str | None:
    return request.cookies.get(cookie_name(name, secure))


def current_viewer(request: Request) -> Viewer | None:
    """The request's signed-in user, or None (no cookie, expired, disabled)."""
    if hasattr(request.state, "viewer"):  # looked up once per request
        return cast(Viewer | None, request.state.viewer)
    state = request.app.state.homeroom
    token = read_cookie(request, SESSION_COOKIE, state.secure_cookies)
    viewer = None
    if token:
        from homeroom.casebook.sessions import session_for

        found = session_for(state.store, token)
        if found is not None:
            user, csrf_token = found
            viewer = Viewer(
                username=user.username,
                display_name=user.display_name or user.username,
                role=user.role,
                scope=scope_for(state.store, user),
                csrf_token=csrf_token,
                session_token=token,
            )
    request.state.viewer = viewer
    return viewer


def require_viewer(request: Request) -> Viewer:
    viewer = current_viewer(request)
    if viewer is None:
        raise SignInRequired()
    if viewer.scope.is_partner and not partner_may_open(request.url.path):
        # A partner sees its consented students on its own pages, and nothing of the district.
        raise ScopeError("a community partner sees only the students referred to it")
    return viewer


def check_csrf(viewer: Viewer, submitted: str | None) -> None:
    if not submitted or not hmac.compare_digest(viewer.csrf_token, submitted):
        raise CSRFError("the form was out of date or not from this site; reload and try again")


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def check_login_csrf(request: Request, submitted: str | None) -> None:
    state = request.app.state.homeroom
    expected = read_cookie(request, LOGIN_CSRF_COOKIE, state.secure_cookies)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise CSRFError("the sign-in form was out of date; reload and try again")


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return "/"
    # Browsers read a backslash as "/" and drop tabs and newlines, so "/<backslash>evil.example"
    # or "/<tab>/evil.example" would leave the site once in a Location header or a link.
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target
