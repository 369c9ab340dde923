"""Supports from the casebook: the load's copy replaces the last one; plans and actions count."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select

from casebook.people import OPS, staff
from homeroom.casebook.actions import log_action
from homeroom.casebook.audit import audit_entries
from homeroom.casebook.outreach_tables import ImportedSupport
from homeroom.casebook.plans import open_plan
from homeroom.casebook.store import Store, open_store
from homeroom.outreach.effect import Event
from homeroom.outreach.effect_sources import casebook_events, import_supports


@pytest.fixture
def store(tmp_path: Path):
    opened = open_store(f"sqlite:///{tmp_path / 'casebook.sqlite'}")
    yield opened
    opened.close()


def _loaded(*rows: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE supports (student_id VARCHAR, school_id VARCHAR, support VARCHAR, "
        "tier BIGINT, start_date DATE, end_date DATE)"
    )
    for row in rows:
        con.execute(f"INSERT INTO supports VALUES ({row})")
    return con


def _imported(store: Store) -> list[tuple]:
    with store.session(write=False) as session:
        found = session.execute(
            select(
                ImportedSupport.student_id, ImportedSupport.support, ImportedSupport.tier,
                ImportedSupport.start_date, ImportedSupport.end_date, ImportedSupport.load_id,
            ).order_by(ImportedSupport.student_id)
        )  # fmt: skip
        return [tuple(r) for r in found]


def test_a_load_replaces_the_imported_supports_of_the_last_and_is_audited(store) -> None:
    first = _loaded(
        "'S1', '0042', 'letter', 1, DATE '2025-01-06', NULL",
        "'S2', '0042', 'home visit', 2, DATE '2025-01-07', DATE '2025-02-07'",
    )
    assert import_supports(store, first, 1, OPS) == 2
    assert _imported(store) == [
        ("S1", "letter", 1, dt.date(2025, 1, 6), None, 1),
        ("S2", "home visit", 2, dt.date(2025, 1, 7), dt.date(2025, 2, 7), 1),
    ]
    assert import_supports(store, _loaded("'S3', '0042', 'call', 1, DATE '2025-03-03', NULL"),
                           2, OPS) == 1  # fmt: skip
    assert _imported(store) == [("S3", "call", 1, dt.date(2025, 3, 3), None, 2)]
    audited = audit_entries(store, action="supports_imported")
    assert [(a.subject_type, a.subject_id, a.detail, a.username) for a in audited] == [
        ("load", "1", {"rows": 2}, "cli:ops"), ("load", "2", {"rows": 1}, "cli:ops"),
    ]  # fmt: skip


def test_plans_actions_and_imported_supports_are_events(store) -> None:
    staff(store)
    open_plan(store, student_id="S0001", school_id="0042", tier=2, owner="rivera",
              start_on="2025-01-06", by=OPS)  # fmt: skip
    log_action(store, student_id="S0002", school_id="0042", kind="home_visit",
               done_on="2025-01-08", by=OPS)  # fmt: skip
    import_supports(store, _loaded("'S0003', '0042', 'letter', 1, DATE '2025-01-09', NULL"), 4, OPS)
    assert sorted(casebook_events(store), key=lambda e: e.student_id) == [
        Event("plan tier 2", "S0001", "0042", dt.date(2025, 1, 6)),
        Event("home visit", "S0002", "0042", dt.date(2025, 1, 8)),
        Event("letter", "S0003", "0042", dt.date(2025, 1, 9)),
    ]
