"""Letters to families: who gets which kind, and the letter each one gets.

The contract between the letters (`homeroom letters`) and the sending (`homeroom outreach send`,
the web's sending from the queue):

- `eligible(resolved, kind, ...)`: the recipients a kind fits as of the date, one per student
  (the student's primary contact that may be contacted, else the first such by name).
- `compose(kind, recipient, facts, as_of=...)`: one `Letter` (subject, plain text, HTML).
- `letters_for(resolved, store, kind, ...)`: both in one call; what the senders call.

The first parameter is a `homeroom.resolver.Resolved` (data, definition, as-of date; from a
workspace, whose `outreach/templates/` folder overrides the shipped templates). `store` is the
workspace's casebook (plans, actions and the outbox, read for "no letter of the same kind in
the last 30 days").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from homeroom.casebook.store import Store
from homeroom.resolver import Resolved

KINDS = ("recognition", "nudge", "invitation", "intensive")


@dataclass(frozen=True)
class Recipient:
    """One student and one contact who may be contacted."""

    student_id: str
    school_id: str
    contact_id: str
    contact_name: str
    language: str  # ISO 639-1 actually used
    fallback: bool  # True when the wanted language had no catalog and English was used
    email: str | None
    phone: str | None
    address_lines: tuple[str, ...]
    wanted_language: str = "en"  # the language asked for (contact's, else home language)


@dataclass(frozen=True)
class Letter:
    recipient: Recipient
    kind: str
    subject: str
    text: str  # plain text: email body, or trimmed by the sender for a text message
    html: str  # one page's HTML body (print and email)


@dataclass(frozen=True)
class LetterFacts:
    """What a letter says about one student, in numbers and names (formatted per language)."""

    student_first_name: str
    school_name: str
    school_phone: str | None
    grade_level: str
    days_absent: float
    days_enrolled: int
    classmates_median: float | None  # the median days absent in the same grade and school
    tier: str | None = None  # the student's attendance tier
    case_manager: str | None = None  # the plan's owner (intensive)
    supports: tuple[str, ...] = field(default=())  # the plan's supports on offer


def eligible(
    resolved: Resolved,
    kind: str,
    *,
    as_of: dt.date | None = None,
    school_id: str | None = None,
    store: Store,
) -> list[Recipient]:
    """The recipients KIND fits as of the date (default: the resolved date)."""
    raise NotImplementedError


def compose(kind: str, recipient: Recipient, facts: LetterFacts, *, as_of: dt.date) -> Letter:
    """One letter of KIND to the recipient, in the recipient's language."""
    raise NotImplementedError


def letters_for(
    resolved: Resolved,
    store: Store,
    kind: str,
    *,
    as_of: dt.date | None = None,
    school_id: str | None = None,
    student_ids: list[str] | None = None,
) -> list[Letter]:
    """Eligible recipients (of STUDENT_IDS, if given) and their letters, in one call."""
    raise NotImplementedError
