"""Passwords: the policy, argon2id hashing, and checks that take the same time for everyone.

The sign-in rules (failures before lock-out, how long it lasts) live here, in one place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import threading
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; a cap keeps a megabyte "password" from costing us
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)

# argon2id with the library's RFC 9106 "low memory" defaults (3 passes, 64 MiB, 4 lanes).
# Changing them here makes every stored hash be redone at its owner's next sign-in.
HASHER = PasswordHasher()
# At most this many hashes at once: each takes 64 MiB and a core, and a burst of sign-ins (or
# an attack) should queue rather than exhaust the server's memory.
CONCURRENT_HASHES = 4
_slots = threading.BoundedSemaphore(CONCURRENT_HASHES)


class PasswordRejected(ValueError):
    """A new password that breaks the policy; the message says which rule."""


def check_policy(password: str, *, username: str, email: str | None = None) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"a password may have at most {MAX_LENGTH} characters")
    if not password.strip():
        raise PasswordRejected("a password cannot be only spaces")
    lowered = password.strip().casefold()
    if lowered == username.casefold() or (email and lowered == email.casefold()):
        raise PasswordRejected("a password cannot be the username or email")


def hash_password(password: str) -> str:
    with _slots:
        return HASHER.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """Does PASSWORD match? Spends one argon2 check even when there is no hash to match.

    Unknown users, single-sign-on users and over-long guesses cost the same time as a real
    account, so the time a sign-in takes does not tell whether a username exists.
    """
    with _slots:
        if stored_hash is None or len(password) > MAX_LENGTH:
            _spend(password[:MAX_LENGTH])
            return False
        try:
            return HASHER.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def needs_rehash(stored_hash: str) -> bool:
    """Was this hash made with other parameters than HASHER's (older, weaker, different)?"""
    try:
        return HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def _spend(password: str) -> None:
    with contextlib.suppress(VerificationError):
        HASHER.verify(_dummy_hash(), password)


@cache
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))
