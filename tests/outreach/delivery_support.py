"""Helpers for the delivery tests: hand-made letters, a sender that records, a casebook store."""

from __future__ import annotations

from dataclasses import dataclass, field

from homeroom.casebook import CliActor
from homeroom.outreach.compose import Letter, Recipient
from homeroom.outreach.outbox import Outgoing, SendFailure

STAFF = CliActor("cli:attendance-clerk")


def letter(
    number: int,
    *,
    email: str | None = None,
    phone: str | None = None,
    language: str = "en",
    kind: str = "nudge",
    text: str = "Dear family, every day counts.",
) -> Letter:
    """A letter to student S<number>'s contact C<number> at school 100."""
    recipient = Recipient(
        student_id=f"S{number}", school_id="100", contact_id=f"C{number}",
        contact_name=f"Contact {number}", language=language, fallback=False, email=email,
        phone=phone, address_lines=("1 Main St",),
    )  # fmt: skip
    return Letter(recipient, kind, f"Subject {number}", text, f"<p>{text}</p>")


@dataclass
class RecordingSender:
    """Records what it is asked to send; fails with FAILURE (if set) instead."""

    channel: str = "email"
    failure: SendFailure | None = None
    sent: list[Outgoing] = field(default_factory=list)

    def send(self, message: Outgoing) -> None:
        self.sent.append(message)
        if self.failure is not None:
            raise self.failure
