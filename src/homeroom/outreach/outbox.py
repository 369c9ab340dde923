"""The outbox: emails and texts queued for families, sent with retries and a rate limit.

`queue_messages` turns letters into queued messages (never to a contact without an address
for the channel, never to an opted-out address); `send_due` hands what is due to a `Sender`
(`smtp.EmailSender`, `sms.TwilioSender`). A message that fails for a passing reason waits
1, 2, 4, 8 ... minutes before its next try and fails for good after `max_attempts`; one the
server refuses for good fails at once. The opt-out is checked again just before sending, so an
address that opted out after it was queued is never messaged. Each sent message is an action
on the student's casebook (kind `email` or `text`, outcome "<kind> letter sent", the marker
that outreach.recent reads).
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from homeroom.casebook.actions import log_action
from homeroom.casebook.audit import Actor
from homeroom.casebook.casework import CaseworkError, audit
from homeroom.casebook.outreach_tables import OutboxMessage
from homeroom.casebook.store import Store
from homeroom.outreach import recent
from homeroom.outreach.compose import Letter
from homeroom.outreach.optout import is_opted_out, normalise, stop_line

CHANNELS = ("email", "sms")
ACTION_KINDS = {"email": "email", "sms": "text"}
SMS_LIMIT = 459  # three concatenated GSM segments: longer texts are cut at a word
FIRST_RETRY = dt.timedelta(minutes=1)
LEASE = dt.timedelta(minutes=10)  # a message being sent is not picked up by another sender
DEFAULT_RATE = 60  # messages a minute


class SendFailure(Exception):
    """A message could not be sent; `permanent` when trying again cannot help."""

    def __init__(self, reason: str, *, permanent: bool = False, opted_out: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent or opted_out
        self.opted_out = opted_out  # the provider says the address asked for no more


@dataclass(frozen=True)
class Outgoing:
    """One message as a sender gets it (the outbox row's number keys its opt-out link)."""

    id: int
    channel: str
    kind: str
    language: str
    address: str
    subject: str | None
    body: str


class Sender(Protocol):
    channel: str

    def send(self, message: Outgoing) -> None:
        """Deliver or raise SendFailure."""


@dataclass
class QueueResult:
    queued: int = 0
    batch: str = ""
    skipped: Counter[str] = field(default_factory=Counter)  # why: no_address, opted_out, ...


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0  # opted out after they were queued


def queue_messages(
    store: Store, letters: Iterable[Letter], channel: str, *, by: Actor, batch: str | None = None
) -> QueueResult:
    """Queue one message per letter on CHANNEL (email or sms), counting the ones skipped."""
    if channel not in CHANNELS:
        raise CaseworkError(f"channel must be one of {', '.join(CHANNELS)}", "channel")
    result = QueueResult(batch=batch or secrets.token_hex(8))
    rows = []
    for letter in letters:
        why, row = _message(store, letter, channel, by, result.batch)
        if row is None:
            result.skipped[why] += 1
        else:
            rows.append(row)
    with store.session() as session:
        for row in rows:
            if _already_queued(session, row):
                result.skipped["already_queued"] += 1
            else:
                session.add(row)
                result.queued += 1
        if result.queued:
            audit(session, store, by, "messages_queued", result.batch, subject_type="batch",
                  channel=channel, students=sorted({r.student_id for r in rows}))  # fmt: skip
    return result


def address_for(letter: Letter, channel: str) -> str | None:
    """The recipient's normalised address on CHANNEL, or None when there is no usable one."""
    raw = letter.recipient.email if channel == "email" else letter.recipient.phone
    if not raw:
        return None
    try:
        return normalise(channel, raw)
    except CaseworkError:
        return None


def sms_body(text: str, language: str) -> str:
    """The text message: the letter's words cut at a word to fit, then the STOP line."""
    ending = stop_line(language)
    room = SMS_LIMIT - len(ending) - 1
    words = " ".join(text.split())
    if len(words) > room:
        words = words[: room - 1].rsplit(" ", 1)[0] + "…"
    return f"{words}\n{ending}"


def _message(
    store: Store, letter: Letter, channel: str, by: Actor, batch: str
) -> tuple[str, OutboxMessage | None]:
    address = address_for(letter, channel)
    if address is None:
        return "no_address", None
    if is_opted_out(store, channel, address):
        return "opted_out", None
    who = letter.recipient
    body = letter.text if channel == "email" else sms_body(letter.text, who.language)
    now = store.now()
    row = OutboxMessage(
        student_id=who.student_id, school_id=who.school_id, contact_id=who.contact_id,
        kind=letter.kind, channel=channel, language=who.language, address=address,
        subject=letter.subject if channel == "email" else None, body=body, status="queued",
        attempts=0, batch=batch, queued_by=by.username, queued_at=now, next_attempt_at=now,
    )  # fmt: skip
    return "", row


def _already_queued(session: Session, row: OutboxMessage) -> bool:
    query = select(OutboxMessage.id).where(
        OutboxMessage.student_id == row.student_id,
        OutboxMessage.contact_id == row.contact_id,
        OutboxMessage.kind == row.kind,
        OutboxMessage.channel == row.channel,
        OutboxMessage.status == "queued",
    )
    return session.scalar(query.limit(1)) is not None


def send_due(
    store: Store,
    sender: Sender,
    *,
    by: Actor,
    now: dt.datetime | None = None,
    limit: int | None = None,
    rate_per_minute: float = DEFAULT_RATE,
    max_attempts: int = 5,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[SendResult], None] | None = None,
) -> SendResult:
    """Send the sender's channel's messages that are due, oldest first, at most
    RATE_PER_MINUTE a minute (the pause between two is `sleep`'s, so tests pass a fake)."""
    result = SendResult()
    gap = 60.0 / rate_per_minute if rate_per_minute > 0 else 0.0
    for index, message_id in enumerate(_due(store, sender.channel, now, limit)):
        if index and gap:
            sleep(gap)
        outgoing = _claim(store, message_id, now)
        if outgoing is None:  # another sender took it
            continue
        _send_one(store, sender, outgoing, by, max_attempts, result)
        if progress is not None:
            progress(result)
    return result


def _due(store: Store, channel: str, now: dt.datetime | None, limit: int | None) -> list[int]:
    moment = now or store.now()
    query = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.status == "queued",
            OutboxMessage.next_attempt_at <= moment,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    )
    if limit is not None:
        query = query.limit(limit)
    with store.session(write=False) as session:
        return list(session.scalars(query))


def _claim(store: Store, message_id: int, now: dt.datetime | None) -> Outgoing | None:
    """Take the message for this sender by moving its next try past the lease (one sender wins)."""
    moment = now or store.now()
    with store.session() as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.status != "queued" or row.next_attempt_at is None:
            return None
        taken = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id,
                   OutboxMessage.next_attempt_at == row.next_attempt_at)
            .values(next_attempt_at=moment + LEASE)
        )  # fmt: skip
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return Outgoing(row.id, row.channel, row.kind, row.language, row.address,
                        row.subject, row.body)  # fmt: skip


def _send_one(
    store: Store, sender: Sender, message: Outgoing, by: Actor, max_attempts: int,
    result: SendResult,
) -> None:  # fmt: skip
    if is_opted_out(store, message.channel, message.address):
        _finish(store, message.id, status="cancelled", error="opted out")
        result.cancelled += 1
        return
    try:
        sender.send(message)
    except SendFailure as failure:
        if failure.opted_out:
            from homeroom.outreach.optout import opt_out

            opt_out(store, message.channel, message.address, "stop_reply")
        _failed(store, message.id, str(failure), failure.permanent, max_attempts, result)
        return
    _sent(store, message, by)
    result.sent += 1


def _failed(
    store: Store, message_id: int, reason: str, permanent: bool, max_attempts: int,
    result: SendResult,
) -> None:  # fmt: skip
    with store.session() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        row.attempts = (row.attempts or 0) + 1
        row.last_error = reason[:2000]
        if row.status != "queued":  # cancelled meanwhile (an opt-out)
            result.cancelled += 1
        elif permanent or row.attempts >= max_attempts:
            row.status, row.next_attempt_at = "failed", None
            result.failed += 1
        else:
            row.next_attempt_at = store.now() + FIRST_RETRY * 2 ** (row.attempts - 1)
            result.retrying += 1


def _sent(store: Store, message: Outgoing, by: Actor) -> None:
    with store.session(write=False) as session:
        row = session.get(OutboxMessage, message.id)
        assert row is not None
        student_id, school_id = row.student_id, row.school_id
    action = log_action(
        store, student_id=student_id, school_id=school_id, kind=ACTION_KINDS[message.channel],
        done_on=store.now().date(), outcome=recent.outcome(message.kind, "sent"), by=by,
    )  # fmt: skip
    with store.session() as session:
        row = session.get(OutboxMessage, message.id)
        assert row is not None
        row.attempts = (row.attempts or 0) + 1
        row.status, row.sent_at, row.next_attempt_at = "sent", store.now(), None
        row.action_id, row.last_error = action.id, None


def _finish(store: Store, message_id: int, *, status: str, error: str) -> None:
    with store.session() as session:
        row = session.get(OutboxMessage, message_id)
        if row is not None:
            row.status, row.last_error, row.next_attempt_at = status, error, None


def outbox_status(store: Store) -> dict[tuple[str, str, str], int]:
    """How many messages there are by (channel, kind, status)."""
    query = select(
        OutboxMessage.channel, OutboxMessage.kind, OutboxMessage.status, func.count()
    ).group_by(OutboxMessage.channel, OutboxMessage.kind, OutboxMessage.status)
    with store.session(write=False) as session:
        return {(c, k, s): n for c, k, s, n in session.execute(query)}
