"""Web sessions: the opaque token in a signed-in browser's cookie, and its CSRF token.

Only the SHA-256 of the cookie token is stored, so a copy of the database lets no one sign in
as anybody. A session ends after IDLE_TIMEOUT without a request, ABSOLUTE_TIMEOUT after sign-in
whatever happens, when its user is disabled, or when it is ended (sign-out).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import delete, or_, select, update

from homeroom.casebook.models import User, WebSession
from homeroom.casebook.store import Store, deleted
from homeroom.casebook.users import LoginFailed

IDLE_TIMEOUT = dt.timedelta(minutes=30)
ABSOLUTE_TIMEOUT = dt.timedelta(hours=12)
# last_seen_at is written at most this often: most requests only read.
TOUCH_EVERY = dt.timedelta(minutes=1)
TOKEN_BYTES = 32
_MAX_TOKEN_LENGTH = 128  # anything longer is not one of ours; no need to hash it


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(store: Store, user: User) -> tuple[str, str]:
    """A new session for USER: (cookie token, CSRF token). Refused for a disabled user."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    csrf_token = secrets.token_urlsafe(TOKEN_BYTES)
    with store.session() as session:
        now = store.now()
        current = session.get(User, user.id, populate_existing=True)
        if current is None or current.disabled:
            raise LoginFailed()
        # Tidy up sessions that ran out, so the table does not grow with every sign-in.
        session.execute(
            delete(WebSession).where(
                or_(WebSession.expires_at <= now, WebSession.last_seen_at <= now - IDLE_TIMEOUT)
            )
        )
        session.add(
            WebSession(
                token_sha256=token_digest(token),
                user_id=current.id,
                csrf_token=csrf_token,
                created_at=now,
                last_seen_at=now,
                expires_at=now + ABSOLUTE_TIMEOUT,
            )
        )
    return token, csrf_token


def session_for(store: Store, token: str | None) -> tuple[User, str] | None:
    """The signed-in user and the session's CSRF token, or None if the token is no (longer a)
    valid session. One indexed read per request; a write at most once a minute."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    digest = token_digest(token)
    with store.session(write=False) as session:
        found = session.get(WebSession, digest)
    if found is None:
        return None
    now = store.now()
    if found.user.disabled or now >= found.expires_at or now - found.last_seen_at >= IDLE_TIMEOUT:
        with store.session() as session:
            session.execute(delete(WebSession).where(WebSession.token_sha256 == digest))
        return None
    if now - found.last_seen_at >= TOUCH_EVERY:
        with store.session() as session:
            session.execute(
                update(WebSession).where(WebSession.token_sha256 == digest).values(last_seen_at=now)
            )
    return found.user, found.csrf_token


def csrf_matches(expected: str, given: str | None) -> bool:
    """Does the form's CSRF token match the session's? (Constant-time comparison.)"""
    if not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def end_session(store: Store, token: str | None) -> bool:
    """Sign out: forget this session. True if there was one."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return False
    with store.session() as session:
        result = session.execute(
            delete(WebSession).where(WebSession.token_sha256 == token_digest(token))
        )
        return bool(deleted(result))


def end_user_sessions(store: Store, user: User | str) -> int:
    """End every session of USER (a User or a username); returns how many ended."""
    with store.session() as session:
        if isinstance(user, User):
            user_id: int | None = user.id
        else:
            user_id = session.scalar(select(User.id).where(User.username == user.strip().lower()))
        if user_id is None:
            return 0
        result = session.execute(delete(WebSession).where(WebSession.user_id == user_id))
        return deleted(result)
