"""Who is calling: a bearer token (`Authorization: Bearer hr_...`) acting as its account.

The token's account gets the same Scope as its pages would (`web.access.scope_for`): role,
schools, and for a partner the consents in force, read afresh on every request so that an
expired or withdrawn consent ends access at once. A session cookie is never enough here: the
API takes no cookies, so it needs no CSRF token, and a browser's cookie cannot reach it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from homeroom.casebook.roles import CASEWORK_ROLES
from homeroom.web.access import scope_for
from homeroom.web.api.errors import ApiError
from homeroom.web.scope import Scope

SCHEME = "bearer"


@dataclass(frozen=True)
class Caller:
    """The account behind one API request (an Actor for the casebook: username and role)."""

    username: str
    role: str
    scope: Scope

    @property
    def is_partner(self) -> bool:
        return self.scope.is_partner

    def require_students(self) -> None:
        """Roles that see aggregates only get no student rows (403)."""
        if not (self.scope.sees_students or self.is_partner):
            raise ApiError(403, "your role sees aggregates only, never student records")

    def require_casework(self) -> None:
        """Plans, referrals, consents and caseloads are school staff's and administrators'."""
        if self.is_partner:
            raise ApiError(403, "a community partner may only log actions of kind partner")
        if self.role not in CASEWORK_ROLES:
            raise ApiError(403, "your role sees aggregates only, never student records")


def unauthorized(message: str, error: str | None = None) -> ApiError:
    challenge = 'Bearer realm="homeroom"'
    if error:
        challenge += f', error="{error}"'
    return ApiError(401, message, None, {"WWW-Authenticate": challenge})


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != SCHEME or not token.strip():
        return None
    return token.strip()


def api_caller(request: Request) -> Caller:
    """The request's caller, or 401 (no token, an unknown or revoked token, a disabled account)."""
    if hasattr(request.state, "api_caller"):
        found: Caller = request.state.api_caller
        return found
    token = bearer_token(request)
    if token is None:
        raise unauthorized("this API needs an Authorization: Bearer token")
    from homeroom.casebook.tokens import user_for_token

    store = request.app.state.homeroom.store
    user = user_for_token(store, token)
    if user is None:
        raise unauthorized("the token is not valid (unknown, revoked or its account disabled)",
                           "invalid_token")  # fmt: skip
    caller = Caller(user.username, user.role, scope_for(store, user))
    request.state.api_caller = caller
    return caller
