"""Alembic environment for the casebook store.

Homeroom calls this through `open_store`, handing over a connection already inside a
transaction (config.attributes["connection"]): the whole upgrade commits or nothing does.
Run by hand (`alembic -x url=... upgrade head`, or `--sql` for a script a DBA can review), it
makes its own connection from `-x url=...` or HOMEROOM_CASEBOOK_URL.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from homeroom.casebook import outreach_tables, partner_tables, plan_tables  # noqa: F401 - their tables join Base
from homeroom.casebook.models import Base, UTCDateTime
from homeroom.casebook.store import make_engine

config = context.config
target_metadata = Base.metadata


def _render_item(kind: str, obj: Any, _autogen: AutogenContext) -> str | Literal[False]:
    """New revisions spell UTC times as plain timestamptz columns (migrations stay frozen)."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(
    *, connection: Connection | None = None, url: str | None = None, literal_binds: bool = False
) -> None:
    context.configure(
        connection=connection,
        url=url,
        literal_binds=literal_binds,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=True,
        # One transaction for the whole upgrade, on SQLite too (its DDL is transactional).
        transactional_ddl=True,
        compare_type=True,
        render_item=_render_item,
    )


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
        "HOMEROOM_CASEBOOK_URL"
    )
    if not url:
        raise SystemExit("give the database: alembic -x url=postgresql+psycopg://... upgrade head")
    return url


def run_offline() -> None:
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    try:
        with engine.begin() as own:
            _configure(connection=own)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
