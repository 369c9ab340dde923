"""Migration 0003 upgrades an existing workspace's casebook without loss (issue 13): a casebook
as Homeroom left it at revision 0002 (accounts, schools, a signed-in session, a chained audit
log) opens at the latest revision with all of it still there and still working, the chain
still whole, and the catalogue seeded; down to 0002 and up again works too. SQLite and
PostgreSQL, through the `store_url` fixture."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select

from casebook.support import PASSPHRASE, START, Clock
from homeroom.casebook import (
    CliActor,
    Store,
    add_user,
    audit_entries,
    authenticate,
    get_user,
    list_users,
    open_store,
    passwords,
    record,
    session_for,
)
from homeroom.casebook.audit_chain import verify_chain
from homeroom.casebook.models import User, UserSchool, WebSession
from homeroom.casebook.partners import add_partner
from homeroom.casebook.plans import open_plan, open_plans
from homeroom.casebook.sessions import token_digest
from homeroom.casebook.store import (
    _alembic_config,
    current_revision,
    head_revision,
    make_engine,
    migrate,
)
from homeroom.casebook.supports import list_supports

NEW_TABLES = {
    "supports", "plan_supports", "plans", "actions", "queue_capacity", "partners",
    "partner_users", "referrals", "consents", "api_tokens",
    "outbox", "opt_outs", "imported_supports",  # 0004, on the way to the head
}  # fmt: skip
OLD_TABLES = {"alembic_version", "users", "user_schools", "web_sessions", "audit_log",
              "audit_subjects"}  # fmt: skip
COOKIE = "a-browser-cookie-token-from-before-the-upgrade"


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    made = make_engine(store_url)
    yield made
    made.dispose()


def _tables(engine: Engine) -> set[str]:
    inspect(engine).clear_cache()
    return set(inspect(engine).get_table_names())


def _write_as_0002(engine: Engine, clock: Clock) -> None:
    """What Homeroom wrote before issue 13, through the tables' own columns only (the models'
    relationships would reach for partner_users, which 0002 does not have). The database gives
    the ids (kim 1, rivera 2, gone 3, ana 4), as it did then."""
    hashed = passwords.hash_password(PASSPHRASE)
    with engine.begin() as connection:
        connection.execute(
            User.__table__.insert(),
            [
                {"username": name, "role": role, "password_hash": hashed,
                 "disabled": name == "gone", "failed_logins": 0, "created_at": START,
                 "display_name": display, "email": f"{name}@district.example"}
                for name, role, display in [
                    ("kim", "district_admin", "Kim Park"),
                    ("rivera", "school_staff", "Ana Rivera"),
                    ("gone", "school_staff", None),
                    ("ana", "district_viewer", None),
                ]
            ],
        )  # fmt: skip
        connection.execute(
            UserSchool.__table__.insert(),
            [{"user_id": 2, "school_id": "0042"}, {"user_id": 2, "school_id": "0043"},
             {"user_id": 3, "school_id": "0042"}],
        )  # fmt: skip
        connection.execute(
            WebSession.__table__.insert(),
            [{"token_sha256": token_digest(COOKIE), "user_id": 2, "csrf_token": "csrf-1",
              "created_at": START, "last_seen_at": START,
              "expires_at": START + dt.timedelta(hours=12)}],
        )  # fmt: skip
    old = Store(engine, clock=clock)  # no migration: the store as 0002 knew it
    for n in range(1, 6):
        record(old, username="rivera", role="school_staff", action="student_viewed",
               subject_type="student", subject_id=f"S000{n}", reason="attendance meeting",
               detail={"page": "student", "n": n})  # fmt: skip
        clock.advance(minutes=1)
    record(old, username="kim", role="district_admin", action="student_list_exported",
           subject_type="student_rows", detail={"students": ["S0007", "S0008"]})  # fmt: skip
    record(old, username="cli:ops", role="cli", action="user_disabled", subject_type="user",
           subject_id="gone", detail={"sessions_ended": 0})  # fmt: skip


def _snapshot(store: Store) -> tuple[list[tuple], list[tuple]]:
    """Everything the old tables hold, as plain values."""
    users = [
        (u.id, u.username, u.role, u.display_name, u.email, u.disabled, u.password_hash,
         sorted(u.school_ids), u.created_at)
        for u in list_users(store)
    ]  # fmt: skip
    audit = [
        (e.id, e.at, e.username, e.role, e.action, e.subject_type, e.subject_id, e.reason, e.detail)
        for e in audit_entries(store)
    ]  # fmt: skip
    return users, audit


def test_upgrading_from_0002_loses_nothing(engine: Engine, store_url: str, clock: Clock):
    migrate(engine, "0002")
    assert _tables(engine) == OLD_TABLES
    _write_as_0002(engine, clock)
    before = verify_chain(Store(engine, clock=clock))
    assert before.whole and before.count == 7

    with open_store(store_url, clock=clock) as store:
        assert current_revision(store) == head_revision()
        assert _tables(engine) == OLD_TABLES | NEW_TABLES
        users, audit = _snapshot(store)
        assert [u[:6] for u in users] == [
            (4, "ana", "district_viewer", None, "ana@district.example", False),
            (3, "gone", "school_staff", None, "gone@district.example", True),
            (1, "kim", "district_admin", "Kim Park", "kim@district.example", False),
            (2, "rivera", "school_staff", "Ana Rivera", "rivera@district.example", False),
        ]
        assert [u[7] for u in users] == [[], ["0042"], [], ["0042", "0043"]]
        assert all(u[8] == START for u in users)
        # Still signs in with the old password, and the old browser session still works.
        assert authenticate(store, "rivera", PASSPHRASE).partner_id is None
        signed_in = session_for(store, COOKIE)
        assert signed_in is not None and signed_in[0].username == "rivera"
        assert signed_in[1] == "csrf-1"
        # The log: the same seven entries, the chain whole, the student index intact.
        assert [(a[0], a[1], a[4], a[6]) for a in audit] == [
            (1, START, "student_viewed", "S0001"),
            (2, START + dt.timedelta(minutes=1), "student_viewed", "S0002"),
            (3, START + dt.timedelta(minutes=2), "student_viewed", "S0003"),
            (4, START + dt.timedelta(minutes=3), "student_viewed", "S0004"),
            (5, START + dt.timedelta(minutes=4), "student_viewed", "S0005"),
            (6, START + dt.timedelta(minutes=5), "student_list_exported", None),
            (7, START + dt.timedelta(minutes=5), "user_disabled", "gone"),
        ]
        assert audit[0][7:] == ("attendance meeting", {"page": "student", "n": 1})
        assert [e.id for e in audit_entries(store, student="S0008")] == [6]
        after = verify_chain(store)
        assert after.whole and after.count == 7
        # The catalogue is seeded, and the new work chains on to the old log.
        assert len(list_supports(store)) == 13
        assert [s.tier for s in list_supports(store)] == [1] * 3 + [2] * 6 + [3] * 4
        open_plan(store, student_id="S0001", school_id="0042", tier=2, owner="rivera",
                  supports=[4], by=CliActor("cli:ops"))  # fmt: skip
        assert verify_chain(store).whole and verify_chain(store).count == 8
        assert _snapshot(store)[0] == users


def test_down_to_0002_and_up_again(engine: Engine, store_url: str, clock: Clock):
    migrate(engine, "0002")
    _write_as_0002(engine, clock)
    ops = CliActor("cli:ops")
    with open_store(store_url, clock=clock) as store:
        add_partner(store, "Eastside Clinic", "health", by=ops)
        open_plan(store, student_id="S0001", school_id="0042", tier=1, owner="kim", by=ops)
        users, audit = _snapshot(store)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    assert _tables(engine) == OLD_TABLES
    old = Store(engine, clock=clock)
    assert current_revision(old) == "0002"
    with old.session(write=False) as session:
        names = list(session.scalars(select(User.__table__.c.username).order_by("username")))
    assert names == ["ana", "gone", "kim", "rivera"]
    chain = verify_chain(old)
    assert chain.whole and chain.count == len(audit) == 9

    with open_store(store_url, clock=clock) as again:
        assert current_revision(again) == head_revision()
        assert _snapshot(again) == (users, audit)
        assert len(list_supports(again)) == 13
        assert open_plans(again) == []  # the casework went with the downgrade, as it says
        assert get_user(again, "kim").role == "district_admin"
        add_user(again, "jo", "partner", password=PASSPHRASE,
                 partner_id=add_partner(again, "Eastside Clinic", by=ops).id, by=ops)  # fmt: skip
        assert get_user(again, "jo").partner_id == 1
        assert verify_chain(again).whole
