"""The outbox: what is queued and skipped, sending, retries with backoff, the rate limit, and
opt-outs that hold at queue time and at send time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from casebook.conftest import pg_schema_url  # noqa: F401 - the fixture, used by name
from casebook.support import Clock, sqlite_url
from homeroom.casebook import Store, open_store
from homeroom.casebook.actions import student_actions
from homeroom.casebook.outreach_tables import OptOut, OutboxMessage
from homeroom.outreach import optout
from homeroom.outreach.outbox import (
    SMS_LIMIT,
    SendFailure,
    outbox_status,
    queue_messages,
    send_due,
    sms_body,
)
from outreach.delivery_support import STAFF, RecordingSender, letter


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    opened = open_store(sqlite_url(tmp_path), clock=clock)
    yield opened
    opened.close()


def _rows(store: Store) -> list[OutboxMessage]:
    with store.session(write=False) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_queue_skips_no_address_bad_address_and_opted_out_and_counts_why(store: Store) -> None:
    optout.opt_out(store, "email", "Gone@Example.org", "staff")
    letters = [
        letter(1, email="Ana@Example.org"),
        letter(2),  # no email
        letter(3, email="not an address"),
        letter(4, email="gone@example.org "),  # opted out, written otherwise
        letter(5, phone="555-010-2000"),  # a phone only: nothing to email
    ]
    result = queue_messages(store, letters, "email", by=STAFF, batch="b1")
    assert result.queued == 1
    assert dict(result.skipped) == {"no_address": 3, "opted_out": 1}
    [row] = _rows(store)
    assert (row.student_id, row.address, row.status, row.batch) == (
        "S1", "ana@example.org", "queued", "b1")  # fmt: skip
    assert row.subject == "Subject 1" and row.queued_by == "cli:attendance-clerk"
    again = queue_messages(store, letters[:1], "email", by=STAFF)
    assert again.queued == 0 and dict(again.skipped) == {"already_queued": 1}


def test_sent_message_is_an_action_on_the_student(store: Store, clock: Clock) -> None:
    queue_messages(store, [letter(1, email="a@example.org", kind="invitation")], "email",
                   by=STAFF)  # fmt: skip
    sender = RecordingSender()
    result = send_due(store, sender, by=STAFF)
    assert (result.sent, result.failed, result.retrying) == (1, 0, 0)
    [row] = _rows(store)
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None
    [action] = student_actions(store, "S1")
    assert (action.kind, action.outcome, action.school_id) == (
        "email", "invitation letter sent", "100")  # fmt: skip
    assert row.action_id == action.id and action.done_on == clock.now.date()
    assert outbox_status(store) == {("email", "invitation", "sent"): 1}
    assert send_due(store, sender, by=STAFF).sent == 0  # sent once only
    assert len(sender.sent) == 1


def test_text_action_kind_and_stop_line_in_the_language(store: Store) -> None:
    queue_messages(store, [letter(1, phone="(555) 010-2000", language="es", text="Hola")],
                   "sms", by=STAFF)  # fmt: skip
    [row] = _rows(store)
    assert row.address == "+15550102000" and row.subject is None
    assert row.body == "Hola\nResponda STOP para no recibir más mensajes."
    send_due(store, RecordingSender(channel="sms"), by=STAFF)
    [action] = student_actions(store, "S1")
    assert (action.kind, action.outcome) == ("text", "nudge letter sent")


def test_long_text_is_cut_at_a_word_and_keeps_the_stop_line() -> None:
    body = sms_body("word " * 200, "en")
    assert len(body) <= SMS_LIMIT
    assert body.endswith("…\nReply STOP to opt out.")
    assert "wor…" not in body  # cut between words


def test_passing_failures_wait_longer_each_time_then_fail(store: Store, clock: Clock) -> None:
    queue_messages(store, [letter(1, email="a@example.org")], "email", by=STAFF)
    sender = RecordingSender(failure=SendFailure("the server answered 451"))
    waits = []
    for _ in range(3):
        result = send_due(store, sender, by=STAFF, max_attempts=3)
        [row] = _rows(store)
        if row.next_attempt_at is not None:
            waits.append(row.next_attempt_at - clock.now)
            assert send_due(store, sender, by=STAFF).retrying == 0  # not due yet
            clock.advance(seconds=waits[-1].total_seconds())
    assert waits == [dt.timedelta(minutes=1), dt.timedelta(minutes=2)]
    assert result.failed == 1 and len(sender.sent) == 3
    assert (row.status, row.attempts, row.last_error) == (
        "failed", 3, "the server answered 451")  # fmt: skip
    assert student_actions(store, "S1") == []


def test_a_permanent_refusal_fails_at_once(store: Store) -> None:
    queue_messages(store, [letter(1, email="a@example.org")], "email", by=STAFF)
    sender = RecordingSender(failure=SendFailure("refused (550)", permanent=True))
    assert send_due(store, sender, by=STAFF).failed == 1
    assert [(r.status, r.attempts) for r in _rows(store)] == [("failed", 1)]


def test_opt_out_after_queueing_cancels_and_is_checked_again_at_send(store: Store) -> None:
    letters = [letter(1, email="a@example.org"), letter(2, email="b@example.org")]
    queue_messages(store, letters, "email", by=STAFF)
    assert optout.opt_out(store, "email", "A@example.org", "staff") is True
    assert optout.opt_out(store, "email", "a@example.org", "link") is False  # holds, once
    # An opt-out written by another process between the queue and the send:
    with store.session() as session:
        session.add(OptOut(channel="email", address="b@example.org", source="link",
                           at=store.now()))  # fmt: skip
    sender = RecordingSender()
    result = send_due(store, sender, by=STAFF)
    assert sender.sent == [] and result.cancelled == 1
    assert [r.status for r in _rows(store)] == ["cancelled", "cancelled"]
    # Queued again later: never.
    assert queue_messages(store, letters, "email", by=STAFF).skipped["opted_out"] == 2


def test_rate_limit_pauses_between_messages(store: Store) -> None:
    letters = [letter(n, email=f"p{n}@example.org") for n in range(3)]
    queue_messages(store, letters, "email", by=STAFF)
    pauses: list[float] = []
    result = send_due(store, RecordingSender(), by=STAFF, rate_per_minute=30,
                      sleep=pauses.append)  # fmt: skip
    assert result.sent == 3 and pauses == [2.0, 2.0]
    queue_messages(store, [letter(9, email="q@example.org")], "email", by=STAFF)
    assert send_due(store, RecordingSender(), by=STAFF, limit=0).sent == 0


def test_opt_out_token_is_signed_and_names_only_the_message(store: Store) -> None:
    secret = b"k" * 32
    token = optout.sign(secret, 42)
    assert token.startswith("42.") and "@" not in token
    assert optout.message_of(secret, token) == 42
    assert optout.message_of(secret, "43" + token[2:]) is None
    assert optout.message_of(b"other" * 7, token) is None
    assert optout.opt_out_by_token(store, secret, optout.sign(secret, 999)) is None


def test_phone_numbers_are_normalised_to_e164() -> None:
    assert optout.normalise("sms", "555.010.2000") == "+15550102000"
    assert optout.normalise("sms", "1 555 010 2000") == "+15550102000"
    assert optout.normalise("sms", "+34 612 345 678") == "+34612345678"
    with pytest.raises(Exception, match="phone"):
        optout.normalise("sms", "12")


@pytest.mark.postgres
def test_the_whole_cycle_on_postgresql(pg_schema_url: str, clock: Clock) -> None:  # noqa: F811
    """Claiming by next_attempt_at, backoff and the action, on the production database."""
    store = open_store(pg_schema_url, clock=clock)
    try:
        queue_messages(store, [letter(1, email="a@example.org")], "email", by=STAFF)
        failing = RecordingSender(failure=SendFailure("the server answered 451"))
        assert send_due(store, failing, by=STAFF).retrying == 1
        clock.advance(minutes=1)
        assert send_due(store, RecordingSender(), by=STAFF).sent == 1
        [row] = _rows(store)
        assert (row.status, row.attempts) == ("sent", 2) and row.action_id is not None
    finally:
        store.close()
