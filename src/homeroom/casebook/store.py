"""The casebook store: the transactional database for what people write.

SQLite in the workspace folder by default (one file, WAL mode, foreign keys on); PostgreSQL in
production. Opening the store brings its tables up to date with the migrations shipped in this
package, so there is no separate "migrate" step for a district to forget.

A `Store` is shared by every thread of the web server: it holds a connection pool and a clock,
and each unit of work runs in its own `with store.session() as s:` transaction.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import CursorResult, Result, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from homeroom.warehouse import Workspace

ENV_URL = "HOMEROOM_CASEBOOK_URL"
DEFAULT_FILE = "casebook.sqlite"
MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant: PostgreSQL sessions opening the store at once migrate one after another.
_MIGRATION_LOCK = 0x686F6D65

Clock = Callable[[], dt.datetime]


class CasebookError(Exception):
    """The casebook store cannot be used as asked; the message says what to do."""

    exit_code = 2


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def store_url(workspace: Workspace) -> str:
    """The workspace's [casebook] url, else $HOMEROOM_CASEBOOK_URL, else its SQLite file."""
    configured = workspace.settings.get("casebook", {}).get("url")
    if configured:
        return str(configured)
    from_env = os.environ.get(ENV_URL)
    if from_env:
        return from_env
    return f"sqlite:///{(workspace.root / DEFAULT_FILE).resolve()}"


def shown_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable database URL>"


def make_engine(url: str) -> Engine:
    """An engine with Homeroom's settings for SQLite or PostgreSQL; any other database refused."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise CasebookError(
            f"not a database URL: {shown_url(url)}; use sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST/DATABASE"
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)
    raise CasebookError(
        f"the casebook runs on SQLite or PostgreSQL, not {backend} ({shown_url(url)})"
    )


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if not in_memory:
        path = Path(database)
        if not path.parent.is_dir():
            raise CasebookError(f"no folder {path.parent} for the casebook file {path.name}")
        if not path.exists():
            # Password hashes and the audit log: readable by the owner only (SQLite gives the
            # -wal and -shm files the same permissions).
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    options: dict[str, Any] = {"connect_args": {"timeout": 30, "check_same_thread": False}}
    if in_memory:
        from sqlalchemy.pool import StaticPool

        options["poolclass"] = StaticPool  # one shared connection, or each would be a new db
    else:
        options.update(pool_size=5, max_overflow=15)
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: object) -> None:
        # SQLAlchemy, not the sqlite3 module, says when a transaction begins (see _begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # Writers take the write lock up front: a transaction that reads and then writes can
        # then never fail half-way because another writer came in between. Readers do not
        # block anyone in WAL mode.
        read_only = connection.get_execution_options().get("homeroom_read_only", False)
        connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")

    return engine


class Store:
    """The casebook database: a connection pool, a clock, and transactions on demand."""

    def __init__(self, engine: Engine, *, clock: Clock | None = None) -> None:
        self.engine = engine
        # Tests move the clock instead of sleeping; everything that stamps a time asks it.
        self.clock: Clock = clock or utc_now
        self._writer = sessionmaker(bind=engine, expire_on_commit=False)
        self._reader = sessionmaker(
            bind=engine.execution_options(homeroom_read_only=True), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        """The database, password masked."""
        return self.engine.url.render_as_string(hide_password=True)

    def now(self) -> dt.datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the store's clock must return timezone-aware datetimes")
        return moment.astimezone(dt.UTC)

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        Objects read in it stay usable after the block (their attributes are loaded).
        `write=False` for pure reads: on SQLite they then never wait for a writer.
        """
        factory = self._writer if write else self._reader
        with factory() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"


def open_store(url: str, *, clock: Clock | None = None) -> Store:
    """Open the casebook at URL and bring its tables up to date (Alembic, to the latest revision).

    Raises CasebookError when the database cannot be reached or was made by a newer Homeroom.
    """
    engine = make_engine(url)
    try:
        migrate(engine)
    except CasebookError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise CasebookError(
            f"cannot open the casebook store at {shown_url(url)}: {reason}. Check that the "
            f"database is running and the URL ([casebook] url in homeroom.toml or {ENV_URL}) "
            "is right."
        ) from exc
    return Store(engine, clock=clock)


def open_workspace_store(workspace: Workspace, *, clock: Clock | None = None) -> Store:
    """The casebook of a workspace (see store_url)."""
    return open_store(store_url(workspace), clock=clock)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Run the shipped migrations up to REVISION in one transaction."""
    from alembic import command
    from alembic.util.exc import CommandError

    config = _alembic_config()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, revision)
        except CommandError as exc:
            raise CasebookError(
                f"the casebook at {engine.url.render_as_string(hide_password=True)} does not "
                f"match this Homeroom's migrations ({exc}); it may have been made by a newer "
                "Homeroom: upgrade Homeroom"
            ) from exc


def current_revision(store: Store) -> str | None:
    """The migration revision the database is at (None before the first)."""
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def deleted(result: Result[Any]) -> int:
    """Rows a DELETE removed (a DELETE's result is a CursorResult, which counts them)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
