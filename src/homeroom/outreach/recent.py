"""Letters already sent: no family gets the same kind of letter twice within 30 days.

One marker, used both ways: every letter, email or text of a kind is recorded as a casebook
action whose outcome begins with `marker(kind)` ("nudge letter printed", "nudge letter sent",
see `outcome`), and a student counts as recently reached when such an action was done in the
last 30 days, or the outbox holds a message of that kind sent in that time or still queued.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select

from homeroom.casebook.outreach_tables import OutboxMessage
from homeroom.casebook.plan_tables import Action
from homeroom.casebook.store import Store

RECENT_DAYS = 30
ACTION_KINDS = ("letter", "email", "text")  # the casebook action of each channel
CHANNEL_ACTION = {"print": "letter", "email": "email", "sms": "text"}


def marker(kind: str) -> str:
    """The words an action's outcome begins with for a letter of KIND: "nudge letter"."""
    return f"{kind} letter"


def outcome(kind: str, verb: str) -> str:
    """The outcome of the action recording it: "nudge letter printed", "nudge letter sent"."""
    return f"{marker(kind)} {verb}"


def recently_reached(store: Store, kind: str, today: dt.date) -> set[str]:
    """Students with a letter of KIND done, queued or sent in the 30 days up to TODAY."""
    since = today - dt.timedelta(days=RECENT_DAYS)
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    actions = select(Action.student_id).where(
        Action.kind.in_(ACTION_KINDS),
        Action.done_on > since,
        Action.outcome.like(f"{marker(kind)}%"),
    )
    outbox = select(OutboxMessage.student_id).where(
        OutboxMessage.kind == kind,
        or_(  # a message still waiting to go counts however old it is
            OutboxMessage.status == "queued",
            and_(OutboxMessage.status == "sent", OutboxMessage.sent_at > start),
        ),
    )
    with store.session(write=False) as session:
        found = set(session.scalars(actions)) | set(session.scalars(outbox))
    return {str(s) for s in found}
