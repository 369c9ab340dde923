"""The casebook's tables for the school's work: the catalogue of supports, each student's support
plans, the actions logged for a student, and each school team's weekly capacity.

Made by migration 0003; a test compares these models with the migrations.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeroom.casebook.models import Base, BigId, User, UTCDateTime


class Support(Base):
    """One support in the district's catalogue (tier 1 universal, 2 early, 3 intensive)."""

    __tablename__ = "supports"
    __table_args__ = (CheckConstraint("tier IN (1, 2, 3)", name="tier"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    tier: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    # Retired supports stay, so old plans still name them; they are no longer offered.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PlanSupport(Base):
    """One support chosen in a plan."""

    __tablename__ = "plan_supports"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    )
    support_id: Mapped[int] = mapped_column(ForeignKey("supports.id"), primary_key=True)


class Plan(Base):
    """A student's support plan at one tier. At most one open plan per student."""

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("tier IN (1, 2, 3)", name="tier"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        Index("ix_plans_student_id", "student_id"),
        Index("ix_plans_school_id", "school_id"),
        Index("ix_plans_owner_id", "owner_id"),
        Index(
            "uq_plans_one_open_per_student",
            "student_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[str] = mapped_column(String(200))
    # The school whose team holds the plan: staff see the plans of their schools only.
    school_id: Mapped[str] = mapped_column(String(64))
    tier: Mapped[int] = mapped_column(Integer)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    goal: Mapped[str | None] = mapped_column(Text)
    start_on: Mapped[dt.date] = mapped_column(Date)
    review_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship(lazy="joined")
    supports: Mapped[list[Support]] = relationship(
        secondary="plan_supports", lazy="selectin", order_by="Support.position, Support.id"
    )


class Action(Base):
    """One thing done for a student on a date, with its outcome and an optional follow-up.

    A follow-up stays open until someone marks it done (`follow_up_done_on`).
    """

    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_student_id", "student_id"),
        Index("ix_actions_plan_id", "plan_id"),
        Index("ix_actions_follow_up_on", "follow_up_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    student_id: Mapped[str] = mapped_column(String(200))
    school_id: Mapped[str] = mapped_column(String(64))
    # The student's open plan when the action was logged, if any.
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    kind: Mapped[str] = mapped_column(String(32))
    done_on: Mapped[dt.date] = mapped_column(Date)
    by_username: Mapped[str] = mapped_column(String(200))
    by_role: Mapped[str] = mapped_column(String(32))
    # Set on an action a community partner logged.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    outcome: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date)
    follow_up_done_on: Mapped[dt.date | None] = mapped_column(Date)
    # Many students at once ("called home" for 40): the batch they were logged in.
    batch: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class QueueCapacity(Base):
    """How many students a school's attendance team can take on this week."""

    __tablename__ = "queue_capacity"

    school_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    students: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
