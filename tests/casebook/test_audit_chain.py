"""The audit log is tamper-evident: no replaced ids, a hash chain `verify_chain` checks, and an
index of every student an entry covers."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from casebook.support import Clock, sqlite_url
from homeroom.casebook import Store, audit_entries, open_store, record
from homeroom.casebook.audit_chain import entry_hash, verify_chain
from homeroom.casebook.store import migrate

ROW = "(id, at, username, role, action, subject_type)"


def _five(store: Store, clock: Clock) -> None:
    for number in range(1, 6):
        record(
            store,
            username="rivera",
            role="school_staff",
            action="student_viewed",
            subject_type="student",
            subject_id=f"S000{number}",
            detail={"page": "student", "n": number},
        )
        clock.advance(minutes=5)


@pytest.fixture
def chained(tmp_path: Path, clock: Clock) -> Path:
    """A SQLite casebook of five chained entries; returns its file."""
    with open_store(sqlite_url(tmp_path), clock=clock) as store:
        _five(store, clock)
    return tmp_path / "casebook.sqlite"


def _tamper(path: Path, *statements: str) -> None:
    """What someone with the database file could do: drop the triggers, then write."""
    connection = sqlite3.connect(path)
    triggers = [
        name
        for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    ]
    for name in triggers:
        connection.execute(f"DROP TRIGGER {name}")
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()


def _verify(path: Path):
    with open_store(f"sqlite:///{path}") as store:
        return verify_chain(store)


@pytest.mark.parametrize(
    "statement",
    [
        f"REPLACE INTO audit_log {ROW} VALUES (1, '2025-01-06 08:00:00', 'x', 'x', 'x', 'x')",
        f"INSERT OR REPLACE INTO audit_log {ROW} "
        "VALUES (2, '2025-01-06 08:00:00', 'x', 'x', 'x', 'x')",
    ],
)
def test_sqlite_refuses_to_replace_an_entry(chained: Path, statement: str):
    with open_store(f"sqlite:///{chained}") as store:
        before = audit_entries(store)
        with pytest.raises(Exception, match="append-only"), store.session() as session:
            session.execute(text(statement))
        assert audit_entries(store) == before


@pytest.mark.postgres
def test_postgres_refuses_an_insert_with_an_existing_id(pg_schema_url: str, clock: Clock):
    with open_store(pg_schema_url, clock=clock) as store:
        _five(store, clock)
        with pytest.raises(Exception, match="append-only"), store.session() as session:
            session.execute(
                text(f"INSERT INTO audit_log {ROW} VALUES (1, now(), 'x', 'x', 'x', 'x')")
            )
        with pytest.raises(Exception, match="append-only"), store.session() as session:
            session.execute(
                text(
                    f"INSERT INTO audit_log {ROW} VALUES (1, now(), 'x', 'x', 'x', 'x') "
                    "ON CONFLICT (id) DO UPDATE SET username = 'x'"
                )
            )
        report = verify_chain(store)
        assert report.whole and report.count == 5


def test_a_whole_chain_verifies(store: Store, clock: Clock):
    _five(store, clock)
    report = verify_chain(store)
    assert report.whole and report.count == 5 and report.broken_id is None


def test_an_empty_log_is_whole(store: Store):
    report = verify_chain(store)
    assert report.whole and report.count == 0


def test_a_changed_entry_is_named(chained: Path):
    _tamper(chained, "UPDATE audit_log SET username = 'lee' WHERE id = 3")
    report = _verify(chained)
    assert (report.whole, report.broken_id, report.problem) == (False, 3, "changed")


def test_a_changed_detail_is_named(chained: Path):
    _tamper(chained, """UPDATE audit_log SET detail = '{"n": 9, "page": "student"}' WHERE id = 2""")
    report = _verify(chained)
    assert (report.broken_id, report.problem) == (2, "changed")


def test_a_removed_entry_is_named(chained: Path):
    _tamper(chained, "DELETE FROM audit_log WHERE id = 3")
    report = _verify(chained)
    assert (report.whole, report.broken_id, report.problem) == (False, 4, "removed")
    assert "3" in report.why


def test_a_removed_first_entry_is_named(chained: Path):
    _tamper(chained, "DELETE FROM audit_log WHERE id = 1")
    report = _verify(chained)
    assert (report.broken_id, report.problem) == (2, "removed")


def test_a_removal_hidden_by_renumbering_is_named(chained: Path):
    _tamper(
        chained,
        "DELETE FROM audit_log WHERE id = 3",
        "UPDATE audit_log SET id = id - 1 WHERE id = 4",
        "UPDATE audit_log SET id = id - 1 WHERE id = 5",
    )
    report = _verify(chained)
    assert (report.broken_id, report.problem) == (3, "removed")


def test_an_entry_inserted_in_the_middle_is_named(chained: Path, tmp_path: Path, clock: Clock):
    # Make room at id 3 by moving the later entries up, then insert a forged entry there whose
    # own hash and previous hash are right: only its place in the chain gives it away.
    _tamper(
        chained,
        "UPDATE audit_log SET id = id + 100 WHERE id >= 3",
        "UPDATE audit_log SET id = id - 99 WHERE id >= 100",
    )
    connection = sqlite3.connect(chained)
    previous = connection.execute("SELECT entry_hash FROM audit_log WHERE id = 2").fetchone()[0]
    connection.close()
    at = clock.now
    forged = entry_hash(
        3, at, "lee", "school_staff", "student_viewed", "student", "S9", None, None, previous
    )
    _tamper(
        chained,
        "INSERT INTO audit_log (id, at, username, role, action, subject_type, subject_id, "
        f"previous_hash, entry_hash) VALUES (3, '{at:%Y-%m-%d %H:%M:%S.%f}', 'lee', "
        f"'school_staff', 'student_viewed', 'student', 'S9', '{previous}', '{forged}')",
    )
    report = _verify(chained)
    assert (report.whole, report.broken_id, report.problem) == (False, 3, "inserted")


def test_an_entry_appended_by_hand_is_named(chained: Path):
    _tamper(
        chained,
        f"INSERT INTO audit_log {ROW} VALUES (6, '2025-01-06 09:00:00', 'x', 'x', 'x', 'x')",
    )
    report = _verify(chained)
    assert (report.broken_id, report.problem) == (6, "inserted")


def test_existing_entries_are_chained_and_indexed_by_the_migration(store_url: str):
    from sqlalchemy import create_engine

    url = store_url
    engine = create_engine(url)
    migrate(engine, "0001")
    with engine.begin() as connection:
        for number, detail in [(1, None), (2, '{"students": ["S0007", "S0008"]}'), (4, "{}")]:
            connection.execute(
                text(
                    f"INSERT INTO audit_log {ROW[:-1]}, subject_id, detail) VALUES "
                    f"({number}, '2025-01-06 08:0{number}:00', 'lee', 'school_staff', "
                    f"'student_viewed', 'student', 'S000{number}', :detail)"
                ),
                {"detail": detail},
            )
    engine.dispose()
    with open_store(url) as store:
        report = verify_chain(store)
        assert report.whole and report.count == 3
        assert [e.id for e in audit_entries(store, student="S0008")] == [2]
        assert [e.id for e in audit_entries(store, student="S0002")] == [2]
        assert [e.id for e in audit_entries(store, student="S0004")] == [4]
        record(store, username="kim", role="district_admin", action="x", subject_type="user")
        assert verify_chain(store).count == 4 and verify_chain(store).whole


def test_two_writers_at_once_never_fork_the_chain(store: Store):
    def write(who: str) -> None:
        for _ in range(15):
            record(store, username=who, role="cli", action="x", subject_type="student_rows")

    threads = [threading.Thread(target=write, args=(name,)) for name in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify_chain(store)
    assert report.whole and report.count == 45


def test_every_student_of_a_list_view_is_indexed(store: Store):
    shown = ["S0001", "S0002", "S0003"]
    list_id = record(
        store,
        username="lee",
        role="school_staff",
        action="student_list_viewed",
        subject_type="student_list",
        detail={"students": shown, "school": "0412"},
    )
    record(
        store,
        username="lee",
        role="school_staff",
        action="student_viewed",
        subject_type="student",
        subject_id="S0002",
    )
    record(
        store,
        username="kim",
        role="district_admin",
        action="user_added",
        subject_type="user",
        subject_id="S0001",
    )  # a username that looks like an id is no student
    assert [e.id for e in audit_entries(store, student="S0001")] == [list_id]
    assert [e.action for e in audit_entries(store, student="S0002")] == [
        "student_list_viewed",
        "student_viewed",
    ]
    assert [e.id for e in audit_entries(store, student="S0003")] == [list_id]
    assert audit_entries(store, student="S0004") == []


def test_the_student_index_is_append_only(store: Store):
    record(
        store,
        username="lee",
        role="school_staff",
        action="student_viewed",
        subject_type="student",
        subject_id="S0002",
    )
    for statement in ("DELETE FROM audit_subjects", "UPDATE audit_subjects SET student_id = 'x'"):
        with pytest.raises(Exception, match="append-only"), store.session() as session:
            session.execute(text(statement))
    assert len(audit_entries(store, student="S0002")) == 1
