"""The school's work and its partners: supports, plans, actions, queue capacity, partners,
their accounts, referrals, consents and API tokens; the catalogue of supports seeded.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

Only new tables: nothing existing is rewritten, so an existing workspace's accounts, sessions
and audit log are untouched. This file is frozen: it spells out the tables as they were, never
importing the models.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The catalogue a district starts with (Attendance Works' tiers of support); an administrator
# edits it afterwards. (tier, name, description)
SEED = (
    (1, "Welcoming routines", "Greet every student by name; a warm start to each day."),
    (1, "Recognition of good and improved attendance", "Notice and celebrate it, often."),
    (1, "A personal call home on every absence", "The same day: we missed you; all well?"),
    (2, "Family meeting", "Meet the family to understand what gets in the way."),
    (2, "Home visit", "Visit the family at home, by appointment, to listen and help."),
    (2, "Attendance plan with goals", "A written plan with the student and family."),
    (2, "Mentor", "A caring adult who checks in with the student every week."),
    (2, "Health referral", "To the school nurse or a clinic (asthma, dental, mental health)."),
    (2, "Transport help", "A bus pass, a route, a walking group or a ride."),
    (3, "Case management with health agencies", "Coordinated care with health providers."),
    (3, "Case management with housing agencies", "Housing stability and homelessness help."),
    (3, "Case management with child welfare", "Working with the child-welfare agency."),
    (3, "Case management with other agencies", "Courts, social services and others."),
)


def _moment(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    _create_supports()
    _create_partners()
    _create_plans()
    _create_actions()
    _create_referrals_and_consents()
    _create_tokens_and_capacity()


def _create_supports() -> None:
    supports = op.create_table(
        "supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        _moment("created_at"),
        sa.CheckConstraint("tier IN (1, 2, 3)", name="ck_supports_tier"),
        sa.PrimaryKeyConstraint("id", name="pk_supports"),
        sa.UniqueConstraint("name", name="uq_supports_name"),
    )
    now = dt.datetime.now(dt.UTC)
    if op.get_context().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # SQLite keeps UTC without an offset (models.UTCDateTime)
    op.bulk_insert(
        supports,
        [
            {"tier": tier, "name": name, "description": about, "position": n, "created_at": now}
            for n, (tier, name, about) in enumerate(SEED, start=1)
        ],
    )


def _create_partners() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        _moment("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_partners"),
        sa.UniqueConstraint("name", name="uq_partners_name"),
    )
    op.create_table(
        "partner_users",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_partner_users_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_partner_users_partner_id_partners"
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_partner_users"),
    )
    op.create_index("ix_partner_users_partner_id", "partner_users", ["partner_id"])


def _create_plans() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.String(200), nullable=False),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("goal", sa.Text(), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), server_default="open", nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        _moment("created_at"),
        sa.Column("created_by", sa.String(200), nullable=False),
        _moment("updated_at"),
        sa.CheckConstraint("tier IN (1, 2, 3)", name="ck_plans_tier"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_plans_status"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_plans_owner_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_plans"),
    )
    op.create_index("ix_plans_student_id", "plans", ["student_id"])
    op.create_index("ix_plans_school_id", "plans", ["school_id"])
    op.create_index("ix_plans_owner_id", "plans", ["owner_id"])
    op.create_index(
        "uq_plans_one_open_per_student",
        "plans",
        ["student_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "plan_supports",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("support_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name="fk_plan_supports_plan_id_plans", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["support_id"], ["supports.id"], name="fk_plan_supports_support_id_supports"
        ),
        sa.PrimaryKeyConstraint("plan_id", "support_id", name="pk_plan_supports"),
    )


def _create_actions() -> None:
    op.create_table(
        "actions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("student_id", sa.String(200), nullable=False),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("by_username", sa.String(200), nullable=False),
        sa.Column("by_role", sa.String(32), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("follow_up_done_on", sa.Date(), nullable=True),
        sa.Column("batch", sa.String(64), nullable=True),
        _moment("created_at"),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name="fk_actions_plan_id_plans"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_actions_partner_id_partners"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_actions"),
    )
    op.create_index("ix_actions_student_id", "actions", ["student_id"])
    op.create_index("ix_actions_plan_id", "actions", ["plan_id"])
    op.create_index("ix_actions_follow_up_on", "actions", ["follow_up_on"])


def _create_referrals_and_consents() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.String(200), nullable=False),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("referred_by", sa.String(200), nullable=False),
        _moment("created_at"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_referrals_partner_id_partners"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_referrals"),
    )
    op.create_index("ix_referrals_student_id", "referrals", ["student_id"])
    op.create_index("ix_referrals_partner_id", "referrals", ["partner_id"])
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.String(200), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("given_by", sa.String(200), nullable=False),
        sa.Column("relationship", sa.String(64), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        _moment("recorded_at"),
        _moment("withdrawn_at", nullable=True),
        sa.Column("withdrawn_by", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name="fk_consents_referral_id_referrals"
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_consents_partner_id_partners"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_consents"),
    )
    op.create_index("ix_consents_student_id", "consents", ["student_id"])
    op.create_index("ix_consents_partner_id", "consents", ["partner_id"])


def _create_tokens_and_capacity() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        _moment("created_at"),
        _moment("last_used_at", nullable=True),
        _moment("revoked_at", nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_api_tokens_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_sha256", name="uq_api_tokens_token_sha256"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "queue_capacity",
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("students", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        _moment("set_at"),
        sa.PrimaryKeyConstraint("school_id", name="pk_queue_capacity"),
    )


def downgrade() -> None:
    for table in (
        "queue_capacity",
        "api_tokens",
        "consents",
        "referrals",
        "actions",
        "plan_supports",
        "plans",
        "partner_users",
        "partners",
        "supports",
    ):
        op.drop_table(table)
