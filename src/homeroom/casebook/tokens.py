"""Bearer tokens for the JSON API: made for one account, shown once, kept as a SHA-256 only.

A token acts as its account: the same role, schools, partner and consents, and the same audit.
Revoking the account's tokens or disabling the account ends them at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select, update

from homeroom.casebook.audit import Actor
from homeroom.casebook.casework import audit
from homeroom.casebook.models import User
from homeroom.casebook.partner_tables import ApiToken
from homeroom.casebook.store import Store, deleted
from homeroom.casebook.users import UserError, require_user

PREFIX = "hr_"
TOUCH_EVERY = dt.timedelta(minutes=5)  # how often last_used_at is written back


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(store: Store, username: str, *, note: str | None = None, by: Actor) -> str:
    """A new token for the account: the only time it is seen whole."""
    token = PREFIX + secrets.token_urlsafe(32)
    with store.session() as session:
        user = require_user(session, username)
        if user.disabled:
            raise UserError(f"{user.username} is disabled; enable the account first")
        session.add(
            ApiToken(
                user_id=user.id,
                token_sha256=_digest(token),
                created_at=store.now(),
                note=(note or "").strip() or None,
            )
        )
        audit(session, store, by, "api_token_issued", user.username, subject_type="user")
    return token


def revoke_tokens(store: Store, username: str, *, by: Actor) -> int:
    """End every token of the account at once; how many were in force."""
    with store.session() as session:
        user = require_user(session, username)
        result = session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=store.now())
        )
        count = deleted(result)
        audit(session, store, by, "api_tokens_revoked", user.username, subject_type="user",
              tokens=count)  # fmt: skip
    return count


def user_for_token(store: Store, token: str) -> User | None:
    """The active account a token in force belongs to, or None."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = _digest(token)
    with store.session(write=False) as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == digest))
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.token_sha256, digest):
            return None
        user = session.get(User, row.user_id)
        if user is None or user.disabled:
            return None
        stale = row.last_used_at is None or store.now() - row.last_used_at > TOUCH_EVERY
        token_id = row.id
    if stale:
        with store.session() as session:
            session.execute(
                update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=store.now())
            )
    return user
