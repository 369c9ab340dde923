"""Texts through the Twilio adapter, against a local stub of the Messages API that records
each request and answers in Twilio's shape: a sent text, a passing error retried until it fails
for good, an unsubscribed number kept as an opt-out; the webhook signature and STOP words."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from casebook.support import Clock, sqlite_url
from homeroom.casebook import Store, open_store
from homeroom.casebook.actions import student_actions
from homeroom.outreach.optout import is_opted_out
from homeroom.outreach.outbox import outbox_status, queue_messages, send_due
from homeroom.outreach.sms import (
    SmsSettingsError,
    TwilioSender,
    is_stop,
    read_settings,
    signature,
    signature_ok,
)
from outreach.delivery_support import STAFF, letter

SID = "AC00000000000000000000000000000001"


class Stub(BaseHTTPRequestHandler):
    """Twilio's Messages API, as far as the adapter uses it."""

    requests: list[dict[str, object]] = []
    answers: list[tuple[int, dict[str, object]]] = []  # popped per request; default 201

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers["Content-Length"])
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        auth = base64.b64decode(self.headers["Authorization"].split()[1]).decode()
        Stub.requests.append({"path": self.path, "form": form, "auth": auth})
        status, answer = Stub.answers.pop(0) if Stub.answers else (201, {
            "sid": "SM" + "0" * 32, "status": "queued", "to": form.get("To"),
            "body": form.get("Body")})  # fmt: skip
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: object) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def stub_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def sender(stub_url: str) -> Iterator[TwilioSender]:
    Stub.requests.clear()
    Stub.answers.clear()
    settings = read_settings(
        {"provider": "twilio", "account_sid": SID, "auth_token_env": "TW",
         "from_number": "(555) 010-9999", "base_url": stub_url + "/"},
        "homeroom.toml [outreach.sms]", {"TW": "secret-token"},
    )  # fmt: skip
    with httpx.Client(timeout=5) as client:
        yield TwilioSender(settings, client=client)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(sqlite_url(tmp_path), clock=Clock())
    yield opened
    opened.close()


def test_a_text_is_posted_the_twilio_way_and_logged(sender: TwilioSender, store: Store) -> None:
    queue_messages(store, [letter(1, phone="555-010-2000", language="es", text="Hola")], "sms",
                   by=STAFF)  # fmt: skip
    assert send_due(store, sender, by=STAFF).sent == 1
    [request] = Stub.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["auth"] == f"{SID}:secret-token"
    assert request["form"] == {"To": "+15550102000", "From": "+15550109999",
        "Body": "Hola\nResponda STOP para no recibir más mensajes."}  # fmt: skip
    assert [a.kind for a in student_actions(store, "S1")] == ["text"]


def test_server_errors_are_retried_then_fail_for_good(sender: TwilioSender, store: Store) -> None:
    assert isinstance(store.clock, Clock)
    queue_messages(store, [letter(1, phone="5550102000")], "sms", by=STAFF)
    error = (500, {"code": 20500, "message": "Internal Server Error", "status": 500})
    Stub.answers.extend([error] * 3)
    results = []
    for _ in range(3):
        results.append(send_due(store, sender, by=STAFF, max_attempts=3))
        store.clock.advance(minutes=10)
    assert [(r.retrying, r.failed) for r in results] == [(1, 0), (1, 0), (0, 1)]
    assert len(Stub.requests) == 3
    assert outbox_status(store) == {("sms", "nudge", "failed"): 1}
    assert student_actions(store, "S1") == []


def test_an_unsubscribed_number_is_opted_out(sender: TwilioSender, store: Store) -> None:
    queue_messages(store, [letter(1, phone="5550102000")], "sms", by=STAFF)
    Stub.answers.append((400, {"code": 21610, "message": "Attempt to send to unsubscribed "
                               "recipient", "status": 400}))  # fmt: skip
    # The provider's refusal is the family's earlier STOP: kept, and the message cancelled.
    assert send_due(store, sender, by=STAFF).cancelled == 1
    assert outbox_status(store) == {("sms", "nudge", "cancelled"): 1}
    assert is_opted_out(store, "sms", "+15550102000")
    assert queue_messages(store, [letter(1, phone="5550102000")], "sms",
                          by=STAFF).skipped["opted_out"] == 1  # fmt: skip


def test_twilio_signature_matches_the_published_example() -> None:
    # twilio-python's own test vector (tests/unit/test_request_validator.py).
    params = {"CallSid": "CA1234567890ABCDE", "Digits": "1234", "From": "+14158675309",
              "To": "+18005551212", "Caller": "+14158675309"}  # fmt: skip
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    expected = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert signature("12345", url, params) == expected
    assert signature_ok("12345", url, params, expected)
    assert not signature_ok("12345", url, {**params, "Digits": "1235"}, expected)
    assert not signature_ok("12345", url, params, "")


def test_stop_words_and_settings() -> None:
    assert [is_stop(w) for w in ("STOP", " stop. ", "Unsubscribe", "stop please", "Hola")] == [
        True, True, True, False, False]  # fmt: skip
    good = {"provider": "twilio", "account_sid": SID, "auth_token_env": "TW",
            "from_number": "+15550109999"}  # fmt: skip
    with pytest.raises(SmsSettingsError, match="remove `auth_token`"):
        read_settings({**good, "auth_token": "x"}, "t", {"TW": "x"})
    with pytest.raises(SmsSettingsError, match="provider must be one of twilio"):
        read_settings({**good, "provider": "acme"}, "t", {"TW": "x"})
    with pytest.raises(SmsSettingsError, match="TW is not set"):
        read_settings(good, "t", {})
    assert "x-token" not in repr(read_settings(good, "t", {"TW": "x-token"}))
