"""The pages families reach without signing in (the opt-out link, the SMS webhook) and the work
queue's sending, on the web tests' district with a casebook of this module's own."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from homeroom.casebook.outreach_tables import OutboxMessage
from homeroom.outreach.optout import is_opted_out, sign
from homeroom.outreach.sms import signature
from outreach.delivery_support import letter
from web.conftest import PASSWORD, csrf_of, sign_in, student_key

BASE = "http://127.0.0.1"
TOKEN = "twilio-test-token"


@dataclass
class World:
    app: Any
    store: Any
    secret: bytes
    school: str
    students: list[str]  # two students of the school
    stranger: str  # a student of another school only


@pytest.fixture(scope="module")
def world(district: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from homeroom.casebook.store import open_store
    from homeroom.casebook.users import add_user
    from homeroom.warehouse import open_workspace
    from homeroom.web.app import create_app

    workspace = open_workspace(district.workspace.root)  # its own settings, in memory only
    workspace.settings["outreach"] = {"sms": {
        "provider": "twilio", "account_sid": "AC1", "auth_token_env": "HOMEROOM_TEST_TWILIO",
        "from_number": "+15550109999"}}  # fmt: skip
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('outreach') / 'casebook.sqlite'}")
    school, other = district.schools[0], district.schools[1]
    add_user(store, "staff", "school_staff", password=PASSWORD, schools=[school])
    add_user(store, "viewer", "district_viewer", password=PASSWORD)
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    mine = [r[0] for r in con.execute(
        "SELECT DISTINCT student_id FROM enrollments WHERE school_id = ? ORDER BY 1 LIMIT 2",
        [school]).fetchall()]  # fmt: skip
    stranger = con.execute(
        "SELECT student_id FROM enrollments GROUP BY student_id "
        "HAVING bool_and(school_id = ?) LIMIT 1", [other]).fetchall()[0][0]  # fmt: skip
    con.close()
    app = create_app(workspace, store=store, secure_cookies=False,
                     serving_path=district.serving_path)  # fmt: skip
    yield World(app, store, app.state.homeroom.secret, school, mine, stranger)
    store.close()


def _message(store: Any, address: str, channel: str = "email") -> int:
    with store.session() as session:
        row = OutboxMessage(
            student_id="S1", school_id="100", contact_id="C1", kind="nudge", channel=channel,
            language="en", address=address, subject="s", body="b", status="queued",
            attempts=0, queued_by="t", queued_at=store.now(), next_attempt_at=store.now(),
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def test_opt_out_link_asks_then_records_once_and_holds(world: World) -> None:
    first = _message(world.store, "family@example.org")
    second = _message(world.store, "family@example.org")  # queued too: cancelled with it
    token = sign(world.secret, first)
    with TestClient(world.app, base_url=BASE) as client:  # no sign-in
        asked = client.get(f"/opt-out/{token}")
        assert asked.status_code == 200 and 'method="post"' in asked.text
        assert not is_opted_out(world.store, "email", "family@example.org")  # opening is not it
        assert "family@example.org" not in asked.text and "S1" not in asked.text
        done = client.post(f"/opt-out/{token}")
        assert done.status_code == 200 and "no more of these messages" in done.text
        assert is_opted_out(world.store, "email", "family@example.org")
        # Once more (a second click, the mail program's one-click POST): it holds.
        again = client.post(f"/opt-out/{token}", data={"List-Unsubscribe": "One-Click"})
        assert again.status_code == 200 and "no more of these messages" in again.text
        assert 'method="post"' not in client.get(f"/opt-out/{token}").text
        assert client.get(f"/opt-out/{token[:-2]}xx").status_code == 404
        assert client.post(f"/opt-out/{sign(b'another secret', first)}").status_code == 404
    with world.store.session(write=False) as session:
        statuses = session.scalars(select(OutboxMessage.status).where(
            OutboxMessage.id.in_([first, second]))).all()  # fmt: skip
    assert statuses == ["cancelled", "cancelled"]


def test_stop_reply_is_recorded_only_with_the_right_signature(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOMEROOM_TEST_TWILIO", TOKEN)
    url = f"{BASE}/sms/inbound"
    with TestClient(world.app, base_url=BASE) as client:
        forged = {"From": "+15550102001", "Body": "STOP", "MessageSid": "SM1"}
        wrong = _inbound(client, forged, signature("guess", url, forged))
        assert wrong.status_code == 403
        assert _inbound(client, forged, "").status_code == 403  # no signature
        assert not is_opted_out(world.store, "sms", "+15550102001")
        hello = {"From": "+15550102002", "Body": "Thank you", "MessageSid": "SM2"}
        answer = _inbound(client, hello, signature(TOKEN, url, hello))
        assert answer.status_code == 200 and answer.text.endswith("<Response></Response>")
        assert not is_opted_out(world.store, "sms", "+15550102002")
        for _ in range(2):  # sent twice by the provider: holds
            stop = {"From": "+15550102001", "Body": " Stop ", "MessageSid": "SM3"}
            ok = _inbound(client, stop, signature(TOKEN, url, stop))
            assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/xml")
    assert is_opted_out(world.store, "sms", "+15550102001")


def _inbound(client: TestClient, form: dict[str, str], signed: str) -> Any:
    headers = {"X-Twilio-Signature": signed} if signed else {}
    return client.post("/sms/inbound", data=form, headers=headers)


@pytest.fixture
def letters_asked(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    from homeroom import resolver
    from homeroom.outreach import compose

    calls: list[dict[str, Any]] = []

    @contextmanager
    def fake_resolve(**_options: Any) -> Iterator[Any]:
        yield SimpleNamespace(workspace=None)

    def fake_letters(resolved: Any, store: Any, kind: str, **options: Any) -> list[Any]:
        calls.append({"kind": kind, **options})
        return [letter(n, phone=f"555010300{n}", kind=kind) for n in (1, 2)]

    monkeypatch.setattr(resolver, "resolve", fake_resolve)
    monkeypatch.setattr(compose, "letters_for", fake_letters)
    return calls


def test_queue_sends_to_the_chosen_students_of_the_school(
    world: World, district: Any, letters_asked: list[dict[str, Any]]
) -> None:
    keys = [student_key(district, s) for s in world.students]
    path = f"/schools/{world.school}/queue"
    with TestClient(world.app, base_url=BASE) as client:
        sign_in(client, "staff")
        page = client.get(path)
        assert f'formaction="{path}/send"' in page.text and 'name="letter_kind"' in page.text
        form = {"csrf_token": csrf_of(page.text), "student": keys, "kind": "call",
                "letter_kind": "recognition", "channel": "sms"}  # fmt: skip
        sent = client.post(f"{path}/send", data=form, follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"] == f"{path}?queued=2"
        assert "2 messages queued" in client.get(sent.headers["location"]).text
        assert letters_asked == [{"kind": "recognition", "school_id": world.school,
                                  "student_ids": world.students}]  # fmt: skip
        # A student of another school refuses the whole request; so does a bad kind or CSRF.
        other = {**form, "student": [*keys, student_key(district, world.stranger)]}
        assert client.post(f"{path}/send", data=other).status_code == 400
        assert client.post(f"{path}/send", data={**form, "letter_kind": "fine"}).status_code == 400
        assert client.post(f"{path}/send", data={**form, "csrf_token": "x"}).status_code == 403
    with TestClient(world.app, base_url=BASE) as client:
        sign_in(client, "viewer")
        assert client.post(f"{path}/send", data=form).status_code == 403
    with world.store.session(write=False) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "recognition"))
        assert sorted((r.channel, r.address, r.queued_by) for r in rows) == [
            ("sms", "+15550103001", "staff"), ("sms", "+15550103002", "staff")]  # fmt: skip
    assert len(letters_asked) == 1


def test_printed_letters_come_as_a_pdf_and_are_logged(world: World, district: Any) -> None:
    """Real letters (the resolver and compose): the PDF holds one page a family, each a
    `letter` action on the student's casebook."""
    from homeroom.casebook.actions import student_actions
    from homeroom.outreach.compose import letters_for
    from homeroom.resolver import resolve

    with resolve(workspace=world.app.state.homeroom.workspace) as resolved:
        fitting = letters_for(resolved, world.store, "nudge", school_id=world.school)
    chosen = [f.recipient.student_id for f in fitting[:2]]
    assert len(chosen) == 2, "the test district should have nudges to send"
    path = f"/schools/{world.school}/queue"
    with TestClient(world.app, base_url=BASE) as client:
        sign_in(client, "staff")
        keys = [student_key(district, s) for s in chosen]
        form = {"csrf_token": csrf_of(client.get("/caseload").text), "letter_kind": "nudge",
                "channel": "print", "student": keys}  # fmt: skip
        answer = client.post(f"{path}/send", data=form)
        assert answer.status_code == 200, answer.text[:300]
        assert answer.headers["content-type"] == "application/pdf"
        assert "attachment" in answer.headers["content-disposition"]
        assert answer.content.startswith(b"%PDF")
        assert _pages(answer.content) == 2  # a page a family
        # Printed once: within 30 days the same families get no second nudge.
        again = client.post(f"{path}/send", data=form)
        assert again.status_code == 400 and "last 30 days" in again.text
    for student in chosen:
        [action] = student_actions(world.store, student)
        assert (action.kind, action.outcome) == ("letter", "nudge letter printed")


def _pages(pdf: bytes) -> int:
    """The page objects of a PDF, inside its compressed object streams too."""
    text = pdf
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S):
        with suppress(zlib.error):
            text += zlib.decompress(stream)
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", text))
