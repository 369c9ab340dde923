"""Reaching families and measuring supports: the outbox, opt-outs, and supports a SIS recorded.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

Only new tables. This file is frozen: it spells out the tables as they were, never importing
the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _moment(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("student_id", sa.String(200), nullable=False),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("batch", sa.String(64), nullable=True),
        sa.Column("queued_by", sa.String(200), nullable=False),
        _moment("queued_at"),
        _moment("next_attempt_at", nullable=True),
        _moment("sent_at", nullable=True),
        sa.Column("action_id", _ID, nullable=True),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"], name="fk_outbox_action_id_actions"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_student_id", "outbox", ["student_id"])
    op.create_table(
        "opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        _moment("at"),
        sa.PrimaryKeyConstraint("id", name="pk_opt_outs"),
        sa.UniqueConstraint("channel", "address", name="uq_opt_outs_channel_address"),
    )
    op.create_table(
        "imported_supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.String(200), nullable=False),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("support", sa.String(200), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("load_id", sa.Integer(), nullable=True),
        _moment("imported_at"),
        sa.PrimaryKeyConstraint("id", name="pk_imported_supports"),
        sa.UniqueConstraint(
            "student_id",
            "school_id",
            "support",
            "start_date",
            name="uq_imported_supports_student_id_school_id_support_start_date",
        ),
    )
    op.create_index("ix_imported_supports_student_id", "imported_supports", ["student_id"])


def downgrade() -> None:
    for table in ("imported_supports", "opt_outs", "outbox"):
        op.drop_table(table)
