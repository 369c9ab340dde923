"""What the casework modules share: their error, the actor's name, dates and texts checked once.

A `CaseworkError` names the field that was wrong (`field`), so a form can mark it and the JSON
API can say it in its 400 answer; it never names a student.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from homeroom.casebook.audit import Actor, append
from homeroom.casebook.store import CasebookError, Store

NOTE_LIMIT = 4000  # characters in a goal, outcome, note or reason


class CaseworkError(CasebookError):
    """A plan, action, referral or consent that cannot be written as asked."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(CaseworkError):
    """No such plan, action, partner, consent or support (or not one the caller may reach)."""


def today(store: Store) -> dt.date:
    """The store's date (UTC): what "overdue" and "in force" are judged against."""
    return store.now().date()


def clean_text(value: Any, field: str, *, required: bool = False) -> str | None:
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise CaseworkError(f"{field} must be text", field)
    if not text:
        if required:
            raise CaseworkError(f"{field} is required", field)
        return None
    if len(text) > NOTE_LIMIT:
        raise CaseworkError(f"{field} is longer than {NOTE_LIMIT} characters", field)
    return text


def as_date(value: Any, field: str, *, required: bool = False) -> dt.date | None:
    """A date from a date or YYYY-MM-DD text; None for an empty optional value."""
    if value is None or value == "":
        if required:
            raise CaseworkError(f"{field} is required (a date like 2025-01-31)", field)
        return None
    if isinstance(value, dt.datetime):
        raise CaseworkError(f"{field} must be a date like 2025-01-31, not a moment", field)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CaseworkError(f"{field} must be a date like 2025-01-31", field)


def as_tier(value: Any, field: str = "tier") -> int:
    if isinstance(value, bool) or value not in (1, 2, 3, "1", "2", "3"):
        raise CaseworkError(f"{field} must be 1, 2 or 3", field)
    return int(value)


def audit(
    session: Any,
    store: Store,
    by: Actor,
    what: str,
    subject_id: str,
    *,
    subject_type: str = "student",
    **detail: Any,
) -> None:
    """One audit entry in the change's own transaction."""
    append(
        session,
        store.now(),
        username=by.username,
        role=by.role,
        action=what,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail or None,
    )
