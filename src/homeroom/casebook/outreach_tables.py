"""The casebook's tables for reaching families: the outbox of letters, emails and texts, the
contacts who asked not to be messaged again, and supports recorded in a SIS before Homeroom.

Made by migration 0004; a test compares these models with the migrations.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from homeroom.casebook.models import Base, BigId, UTCDateTime


class OutboxMessage(Base):
    """One letter, email or text to one contact, from queued to sent (or failed)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_student_id", "student_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    student_id: Mapped[str] = mapped_column(String(200))
    school_id: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # recognition, nudge, invitation, intensive
    channel: Mapped[str] = mapped_column(String(16))  # print, email, sms
    language: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(320))  # an email address or a phone number
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # queued, sent, failed, cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    batch: Mapped[str | None] = mapped_column(String(64))
    queued_by: Mapped[str] = mapped_column(String(200))
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The casebook action that records the message on the student's timeline, once sent.
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))


class OptOut(Base):
    """An address (email or phone) that asked for no more messages on its channel."""

    __tablename__ = "opt_outs"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(320))  # normalised: lower-case email, E.164-ish
    source: Mapped[str] = mapped_column(String(32))  # link, stop_reply, staff
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ImportedSupport(Base):
    """A support a SIS recorded (the optional `supports` table of a load), kept so a district
    can measure its past supports beside the ones logged in Homeroom."""

    __tablename__ = "imported_supports"
    __table_args__ = (
        Index("ix_imported_supports_student_id", "student_id"),
        UniqueConstraint("student_id", "school_id", "support", "start_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[str] = mapped_column(String(200))
    school_id: Mapped[str] = mapped_column(String(64))
    support: Mapped[str] = mapped_column(String(200))
    tier: Mapped[int | None] = mapped_column(Integer)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    load_id: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
