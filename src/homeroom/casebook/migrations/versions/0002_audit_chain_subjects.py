"""The audit log becomes tamper-evident and indexes every student an entry covers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06

Adds each entry's previous hash and own hash (existing entries are chained here, in id order),
the audit_subjects index (filled from existing entries' subject and detail["students"]), and
triggers that refuse an INSERT of an id that exists (SQLite's REPLACE deletes without firing
the DELETE trigger) and any change to audit_subjects.
This file is frozen: the hash is spelled out here as it was, never importing the package, and
a test checks that what it writes verifies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "audit_log is append-only: entries cannot be changed, deleted or replaced"
GENESIS = "0" * 64
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_log = sa.table(
    "audit_log",
    sa.column("id", _ID),
    sa.column("at", sa.DateTime(timezone=True)),
    *(
        sa.column(name, sa.Text())
        for name in (
            "username",
            "role",
            "action",
            "subject_type",
            "subject_id",
            "reason",
            "detail",
            "previous_hash",
            "entry_hash",
        )
    ),  # fmt: skip
)
_subjects = sa.table("audit_subjects", sa.column("entry_id", _ID), sa.column("student_id"))


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("previous_hash", sa.String(64), nullable=True))
    op.add_column("audit_log", sa.Column("entry_hash", sa.String(64), nullable=True))
    op.create_table(
        "audit_subjects",
        sa.Column("entry_id", _ID, autoincrement=False, nullable=False),
        sa.Column("student_id", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", "student_id", name="pk_audit_subjects"),
    )
    op.create_index("ix_audit_subjects_student_id", "audit_subjects", ["student_id"])
    _chain_existing_entries()
    _forbid_replacing()


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _hash(row: Any, previous: str) -> str:
    moment = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC)
    content = [
        row.id,
        moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        row.username, row.role, row.action, row.subject_type, row.subject_id, row.reason,
        _canonical(json.loads(row.detail)) if row.detail else None,
        previous,
    ]  # fmt: skip
    return hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()


def _students(row: Any) -> set[str]:
    covered = {row.subject_id} if row.subject_type == "student" and row.subject_id else set()
    listed = json.loads(row.detail).get("students") if row.detail else None
    if isinstance(listed, list):
        covered.update(str(student) for student in listed if student is not None)
    return covered


def _chain_existing_entries() -> None:
    """Chain and index the entries made before this revision, with the UPDATE trigger off."""
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
    previous = GENESIS
    for row in connection.execute(sa.select(_log).order_by(_log.c.id)).all():
        own = _hash(row, previous)
        connection.execute(
            _log.update().where(_log.c.id == row.id).values(previous_hash=previous, entry_hash=own)
        )
        for student in sorted(_students(row)):
            connection.execute(_subjects.insert().values(entry_id=row.id, student_id=student))
        previous = own
    if postgres:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
    else:  # as 0001 made it
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed or "
            "deleted'); END"
        )


def _forbid_replacing() -> None:
    """Refuse an INSERT whose id exists (a REPLACE deletes after BEFORE INSERT triggers run),
    and any change to audit_subjects."""
    if op.get_context().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
            "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_subjects_no_{event.lower()} BEFORE {event} "
                f"ON audit_subjects BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION audit_log_refuse_existing_id() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) THEN "
        f"RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'insufficient_privilege'; END IF; "
        "RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_existing_id()"
    )
    op.execute(
        "CREATE TRIGGER audit_subjects_no_change BEFORE UPDATE OR DELETE ON audit_subjects "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER audit_subjects_no_truncate BEFORE TRUNCATE ON audit_subjects "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()"
    )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_refuse_existing_id()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
    op.drop_table("audit_subjects")  # its triggers go with it
    # SQLite 3.35+ drops a column in place, keeping the table's triggers.
    op.execute("ALTER TABLE audit_log DROP COLUMN entry_hash")
    op.execute("ALTER TABLE audit_log DROP COLUMN previous_hash")
