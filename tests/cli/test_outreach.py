"""`homeroom outreach send|status|opt-out` on an empty workspace whose letters are hand-made
(compose.letters_for and the resolver stand in; the letters themselves are tested with the
letters), sending to a real SMTP server the test runs."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from casebook.support import sqlite_url
from cli_helpers import run
from homeroom.casebook import open_store
from homeroom.casebook.actions import student_actions
from outreach.delivery_support import letter


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What letters_for was asked; it answers three letters of the kind asked."""
    from homeroom import resolver
    from homeroom.outreach import compose

    calls: list[dict[str, Any]] = []

    @contextmanager
    def fake_resolve(**options: Any) -> Iterator[str]:
        calls.append({"resolve": options})
        yield "resolved"

    def fake_letters(resolved: str, store: Any, kind: str, **options: Any) -> list[Any]:
        calls.append({"resolved": resolved, "kind": kind, **options})
        return [
            letter(1, email="ana@example.org", kind=kind, language="es", text="Hola familia"),
            letter(2, kind=kind),  # no email
            letter(3, email="gone@example.org", kind=kind),
        ]

    monkeypatch.setattr(resolver, "resolve", fake_resolve)
    monkeypatch.setattr(compose, "letters_for", fake_letters)
    return calls


def _configure(space: Path, port: int) -> None:
    with (space / "homeroom.toml").open("a") as toml:
        toml.write(
            '\n[outreach]\npublic_url = "https://homeroom.district.example"\n\n'
            f'[outreach.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
            'from_address = "attendance@district.example"\n'
        )


def test_every_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("send", "status", "opt-out"):
        outcome = run(capsys, "outreach", command, "--help")
        assert outcome.exit_code == 0 and "Example" in outcome.stdout, command


def test_dry_run_shows_who_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], space: Path, asked: list[dict[str, Any]]
) -> None:
    assert run(capsys, "outreach", "opt-out", "-w", space, "--channel", "email",
               "GONE@example.org").exit_code == 0  # fmt: skip
    outcome = run(capsys, "outreach", "send", "-w", space, "--kind", "nudge", "--channel",
                  "email", "--school", "100", "--as-of", "2025-03-01", "--dry-run")  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    rows = [line.split() for line in outcome.stdout.splitlines() if " S" in line]
    assert [(r[1], r[-2]) for r in rows] == [("S1", "sent"), ("S2", "address"), ("S3", "out")]
    assert "@" not in outcome.stdout  # no addresses shown
    assert asked[0]["resolve"]["as_of"].isoformat() == "2025-03-01"
    assert (asked[1]["kind"], asked[1]["school_id"]) == ("nudge", "100")
    assert "The outbox is empty." in run(capsys, "outreach", "status", "-w", space).stdout


def test_send_by_email_then_status_and_opt_out_holds(
    capsys: pytest.CaptureFixture[str], space: Path, asked: list[dict[str, Any]],
    smtp_server: tuple[Inbox, int],
) -> None:  # fmt: skip
    inbox, port = smtp_server
    _configure(space, port)
    run(capsys, "outreach", "opt-out", "-w", space, "--channel", "email", "gone@example.org")
    before = len(inbox.messages)
    outcome = run(capsys, "outreach", "send", "-w", space, "--kind", "invitation",
                  "--channel", "email")  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    assert "sent 1, to retry 0, failed 0" in outcome.stdout
    assert "left out 1 no address, 1 opted out" in outcome.stderr
    [got] = inbox.messages[before:]
    assert got["To"] == "ana@example.org" and got["Subject"] == "Subject 1"
    assert "https://homeroom.district.example/opt-out/" in got.get_content()
    with open_store(sqlite_url(space)) as store:
        assert [(a.kind, a.outcome) for a in student_actions(store, "S1")] == [
            ("email", "invitation letter sent")]  # fmt: skip
    status = run(capsys, "outreach", "status", "-w", space).stdout
    assert [line.split() for line in status.splitlines() if "invitation" in line] == [
        ["│", "email", "│", "invitation", "│", "0", "│", "1", "│", "0", "│", "0", "│"]]  # fmt: skip
    # The family writes back to stop: recorded by staff, never messaged again.
    assert "Recorded" in run(capsys, "outreach", "opt-out", "-w", space, "--channel", "email",
                             "Ana@Example.org").stdout  # fmt: skip
    again = run(capsys, "outreach", "send", "-w", space, "--kind", "invitation", "--channel",
                "email")  # fmt: skip
    assert "sent 0" in again.stdout and "2 opted out" in again.stderr
    assert len(inbox.messages) == before + 1


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ("", "has no [outreach.smtp] table"),
        ('[outreach.smtp]\nhost = "h"\nport = 25\nsecurity = "none"\n'
         'from_address = "a@b.example"\npassword = "x"\n', "remove `password`"),
        ('[outreach.smtp]\nhost = "h"\nport = 25\nsecurity = "none"\n'
         'from_address = "a@b.example"\n', "public_url"),
    ],
)  # fmt: skip
def test_unusable_settings_exit_2_naming_the_key(
    capsys: pytest.CaptureFixture[str], space: Path, asked: list[Any], extra: str, says: str
) -> None:
    with (space / "homeroom.toml").open("a") as toml:
        toml.write("\n" + extra)
    outcome = run(capsys, "outreach", "send", "-w", space, "--kind", "nudge", "--channel", "email")
    assert outcome.exit_code == 2 and says in outcome.stderr
    bad = run(capsys, "outreach", "opt-out", "-w", space, "--channel", "fax", "x")
    assert bad.exit_code == 2 and "channel must be one of email, sms" in bad.stderr
