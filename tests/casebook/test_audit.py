"""The audit log: entries in, filtered out, exported as CSV; the database refuses changes."""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from casebook.support import START, Clock, sqlite_url
from homeroom.casebook import Store, audit_entries, export_csv, open_store, record
from homeroom.casebook.cli_views import record_cli_view
from homeroom.warehouse import WorkspaceError, init_workspace


def _view(store: Store, username: str, student: str, action: str = "student_viewed", **kw):
    return record(
        store,
        username=username,
        role="school_staff",
        action=action,
        subject_type="student",
        subject_id=student,
        **kw,
    )


@pytest.fixture
def log(store: Store, clock: Clock) -> Store:
    """Five entries over three days: Jan 6 08:00, 09:00; Jan 7 08:00; Jan 8 08:00, 08:30."""
    _view(store, "rivera", "S0001", reason="attendance meeting", detail={"page": "student"})
    clock.advance(hours=1)
    _view(store, "lee", "S0002")
    clock.now = START + dt.timedelta(days=1)
    _view(store, "rivera", "S0002", action="student_list_exported", detail={"rows": 31})
    clock.now = START + dt.timedelta(days=2)
    _view(store, "rivera", "S0001")
    clock.advance(minutes=30)
    _view(store, "lee", "S0001", reason='=HYPERLINK("http://x")')
    return store


def test_an_entry_keeps_who_when_what_and_why(store: Store, clock: Clock):
    entry_id = _view(store, "rivera", "S0001", reason="meeting", detail={"page": "student"})
    [entry] = audit_entries(store)
    assert entry.id == entry_id
    assert entry.at == START and entry.at.tzinfo == dt.UTC
    assert (entry.username, entry.role) == ("rivera", "school_staff")
    assert entry.action == "student_viewed"
    assert (entry.subject_type, entry.subject_id) == ("student", "S0001")
    assert entry.reason == "meeting" and entry.detail == {"page": "student"}


def test_filters_pick_the_entries(log: Store):
    def ids(**filters):
        return [(e.username, e.subject_id, e.at.day) for e in audit_entries(log, **filters)]

    assert len(ids()) == 5
    assert ids(username="lee") == [("lee", "S0002", 6), ("lee", "S0001", 8)]
    assert ids(subject_id="S0002") == [("lee", "S0002", 6), ("rivera", "S0002", 7)]
    assert ids(action="student_list_exported") == [("rivera", "S0002", 7)]
    # Dates are whole UTC days, both ends included.
    assert ids(since=dt.date(2025, 1, 7), until=dt.date(2025, 1, 7)) == [("rivera", "S0002", 7)]
    assert len(ids(since=dt.date(2025, 1, 7))) == 3
    assert len(ids(until=dt.date(2025, 1, 6))) == 2
    # Times are moments: since included, until excluded.
    nine = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)
    assert ids(since=nine, until=START + dt.timedelta(days=1)) == [("lee", "S0002", 6)]
    assert ids(username="rivera", subject_id="S0001") == [
        ("rivera", "S0001", 6),
        ("rivera", "S0001", 8),
    ]


def test_a_limit_keeps_the_latest_in_time_order(log: Store):
    latest = audit_entries(log, limit=2)
    assert [(e.username, e.at.day, e.at.minute) for e in latest] == [
        ("rivera", 8, 0),
        ("lee", 8, 30),
    ]
    with pytest.raises(ValueError, match="at least 1"):
        audit_entries(log, limit=0)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET username = 'someone else'",
        "UPDATE audit_log SET reason = NULL WHERE id = 1",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE id = 2",
    ],
)
def test_the_database_refuses_to_change_or_delete_entries(log: Store, statement: str):
    before = audit_entries(log)
    with pytest.raises(Exception, match="append-only"), log.session() as session:
        session.execute(text(statement))
    assert audit_entries(log) == before


@pytest.mark.postgres
def test_postgres_also_refuses_truncate(pg_schema_url: str):
    with open_store(pg_schema_url) as store:
        _view(store, "rivera", "S0001")
        with pytest.raises(Exception, match="append-only"), store.session() as session:
            session.execute(text("TRUNCATE audit_log"))
        assert len(audit_entries(store)) == 1


def test_export_writes_every_entry_as_csv(log: Store, tmp_path: Path):
    target = tmp_path / "out" / "audit.csv"
    assert export_csv(log, target) == 5
    with target.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "id", "at", "username", "role", "action", "subject_type", "subject_id", "reason", "detail",
    ]  # fmt: skip
    assert rows[0]["at"] == "2025-01-06T08:00:00+00:00"
    assert rows[0]["reason"] == "attendance meeting"
    assert json.loads(rows[0]["detail"]) == {"page": "student"}
    assert rows[2]["action"] == "student_list_exported"
    assert rows[1]["detail"] == "" and rows[1]["reason"] == ""
    # A spreadsheet would run this as a formula; the export defuses it.
    assert rows[4]["reason"] == '\'=HYPERLINK("http://x")'


def test_export_takes_the_same_filters(log: Store):
    buffer = io.StringIO()
    assert export_csv(log, buffer, username="rivera", since=dt.date(2025, 1, 7)) == 2
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert [(r["subject_id"], r["at"][:10]) for r in rows] == [
        ("S0002", "2025-01-07"),
        ("S0001", "2025-01-08"),
    ]


def test_workspace_views_go_to_the_jsonl_file_and_the_casebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("HOMEROOM_CASEBOOK_URL", raising=False)
    space = init_workspace(tmp_path / "space")
    record_cli_view(space, "student_metrics", rows=42, per="school", out="screen")
    [line] = space.audit_path.read_text().splitlines()
    assert json.loads(line)["rows"] == 42
    with open_store(sqlite_url(space.root)) as store:
        [entry] = audit_entries(store)
    assert entry.username == f"cli:{getpass.getuser()}"
    assert (entry.role, entry.action) == ("cli", "student_metrics")
    assert entry.subject_type == "student_rows"
    assert entry.subject_id is None
    assert entry.detail == {"rows": 42, "per": "school", "out": "screen"}


def test_a_view_that_cannot_be_recorded_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(
        "HOMEROOM_CASEBOOK_URL", "postgresql+psycopg://hr:pw@127.0.0.1:1/homeroom?connect_timeout=2"
    )
    space = init_workspace(tmp_path / "space")
    with pytest.raises(WorkspaceError, match="cannot record this view in the audit log"):
        record_cli_view(space, "student_metrics", rows=1)
