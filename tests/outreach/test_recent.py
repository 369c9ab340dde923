"""No family gets the same kind of letter twice in 30 days: actions and the outbox, one marker."""

from __future__ import annotations

import datetime as dt

import pytest

from homeroom.casebook import CliActor, open_store
from homeroom.casebook.actions import log_action
from homeroom.casebook.outreach_tables import OutboxMessage
from homeroom.outreach.recent import marker, outcome, recently_reached

TODAY = dt.date(2025, 3, 31)
NOW = dt.datetime(2025, 3, 31, 15, tzinfo=dt.UTC)
BY = CliActor("cli:test")


def _outbox(student: str, kind: str, status: str, sent: dt.datetime | None) -> OutboxMessage:
    return OutboxMessage(
        student_id=student, school_id="S1", contact_id="G1", kind=kind, channel="email",
        language="en", address="family@example.org", subject="s", body="b", status=status,
        queued_by="cli:test", queued_at=sent or NOW - dt.timedelta(days=90), sent_at=sent,
    )  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("casebook")
    with open_store(f"sqlite:///{folder / 'casebook.sqlite'}", clock=lambda: NOW) as opened:
        day = dt.timedelta(days=1)
        for student, kind, on, said in [
            ("A", "letter", TODAY - 29 * day, outcome("nudge", "printed")),  # 29 days ago: recent
            ("B", "letter", TODAY - 30 * day, outcome("nudge", "printed")),  # 30 days: not
            ("C", "email", TODAY - day, outcome("recognition", "sent")),  # another kind
            ("D", "call", TODAY - day, "nudge letter talked through"),  # a call is no letter
            ("E", "text", TODAY, outcome("nudge", "sent")),
        ]:
            log_action(opened, student_id=student, school_id="S1", kind=kind, done_on=on,
                       outcome=said, by=BY)  # fmt: skip
        with opened.session() as session:
            session.add_all([
                _outbox("F", "nudge", "queued", None),  # still waiting, however old
                _outbox("G", "nudge", "sent", NOW - dt.timedelta(days=3)),
                _outbox("H", "nudge", "sent", NOW - dt.timedelta(days=45)),
                _outbox("I", "nudge", "failed", NOW - dt.timedelta(days=1)),
                _outbox("J", "invitation", "sent", NOW - dt.timedelta(days=1)),
            ])  # fmt: skip
        yield opened


def test_the_marker_is_the_start_of_every_letter_outcome():
    assert marker("nudge") == "nudge letter"
    assert outcome("nudge", "printed") == "nudge letter printed"


def test_students_reached_with_the_same_kind_in_the_last_30_days(store):
    assert recently_reached(store, "nudge", TODAY) == {"A", "E", "F", "G"}
    assert recently_reached(store, "recognition", TODAY) == {"C"}
    assert recently_reached(store, "invitation", TODAY) == {"J"}
    assert recently_reached(store, "intensive", TODAY) == set()
