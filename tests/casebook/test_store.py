"""The store: migrations to the latest revision, where the database is, SQLite settings, errors,
and many threads writing at once."""

from __future__ import annotations

import os
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from casebook.support import Clock, sqlite_url
from homeroom.casebook import (
    CasebookError,
    LoginFailed,
    Store,
    add_user,
    audit_entries,
    authenticate,
    get_user,
    open_store,
    record,
    store_url,
)
from homeroom.casebook.models import Base
from homeroom.casebook.store import _alembic_config, current_revision, head_revision
from homeroom.warehouse import init_workspace, open_workspace

TABLES = {"alembic_version", "users", "user_schools", "web_sessions", "audit_log"}


def test_opening_migrates_to_the_latest_revision(store: Store):
    assert head_revision() == "0004"
    assert current_revision(store) == head_revision()
    assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_the_models_match_the_migration_exactly(store: Store):
    """A model changed without a migration (or the reverse) shows up here."""
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_reopening_keeps_the_data_and_migrates_nothing(store_url: str, clock: Clock):
    with open_store(store_url, clock=clock) as first:
        add_user(first, "kim", "district_viewer", password="a long passphrase")
    with open_store(store_url, clock=clock) as again:
        assert current_revision(again) == head_revision()
        assert get_user(again, "kim").role == "district_viewer"


def test_the_migration_goes_down_and_up_again(store: Store):
    config = _alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_sqlite_runs_in_wal_mode_with_foreign_keys_in_an_owner_only_file(tmp_path: Path):
    with open_store(sqlite_url(tmp_path)) as store, store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    mode = stat.S_IMODE(os.stat(tmp_path / "casebook.sqlite").st_mode)
    assert mode == 0o600


def test_a_failed_block_writes_nothing(store: Store):
    with pytest.raises(RuntimeError), store.session() as session:
        session.execute(
            text(
                "INSERT INTO audit_log (at, username, role, action, subject_type) "
                "VALUES (:at, 'kim', 'cli', 'x', 'y')"
            ),
            {"at": "2025-01-06 08:00:00.000000"},
        )
        raise RuntimeError("something went wrong after the insert")
    assert audit_entries(store) == []


def test_store_url_takes_the_setting_then_the_environment_then_the_workspace_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("HOMEROOM_CASEBOOK_URL", raising=False)
    space = init_workspace(tmp_path / "space")
    expected_file = f"sqlite:///{(tmp_path / 'space' / 'casebook.sqlite').resolve()}"
    assert store_url(space) == expected_file
    monkeypatch.setenv("HOMEROOM_CASEBOOK_URL", "postgresql+psycopg://hr@db/homeroom")
    assert store_url(space) == "postgresql+psycopg://hr@db/homeroom"
    with space.config_path.open("a") as handle:
        handle.write('\n[casebook]\nurl = "postgresql+psycopg://hr@prod/homeroom"\n')
    assert store_url(open_workspace(space.root)) == "postgresql+psycopg://hr@prod/homeroom"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://root@localhost/homeroom", "SQLite or PostgreSQL, not mysql"),
        ("not a url at all", "not a database URL"),
        ("sqlite:////no/such/folder/casebook.sqlite", "no folder /no/such/folder"),
    ],
)
def test_unusable_urls_are_refused_with_a_message(url: str, says: str):
    with pytest.raises(CasebookError, match=says):
        open_store(url)


def test_an_unreachable_server_is_a_clear_error_without_the_password():
    url = "postgresql+psycopg://homeroom:s3cret-pw@127.0.0.1:1/homeroom?connect_timeout=2"
    with pytest.raises(CasebookError, match="cannot open the casebook store") as caught:
        open_store(url)
    assert "s3cret-pw" not in str(caught.value)
    assert "***" in str(caught.value)


def test_a_database_from_a_newer_homeroom_is_refused(store_url: str):
    with open_store(store_url) as store, store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    with pytest.raises(CasebookError, match="newer Homeroom"):
        open_store(store_url)


def test_many_threads_share_one_store(store: Store):
    """The web server's threads: 8 threads append 25 entries each; none is lost."""

    def write(worker: int) -> list[int]:
        return [
            record(
                store,
                username=f"user{worker}",
                role="district_admin",
                action="student_viewed",
                subject_type="student",
                subject_id=f"S{n:04d}",
            )
            for n in range(25)
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = [i for batch in pool.map(write, range(8)) for i in batch]
    assert len(ids) == len(set(ids)) == 200
    entries = audit_entries(store)
    assert len(entries) == 200
    assert sum(entry.username == "user3" for entry in entries) == 25


def test_concurrent_wrong_passwords_are_all_counted(store: Store):
    """Four wrong tries at the same moment count four, not fewer (no lost updates)."""
    add_user(store, "kim", "district_viewer", password="a long passphrase")
    barrier = threading.Barrier(4)

    def try_wrong(_: int) -> None:
        barrier.wait()
        with pytest.raises(LoginFailed):
            authenticate(store, "kim", "not the passphrase")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(try_wrong, range(4)))
    assert get_user(store, "kim").failed_logins == 4
