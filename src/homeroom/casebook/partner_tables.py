"""The casebook's tables for community partners: the organisations, which accounts belong to
them, referrals of a student to a partner, the family's consents, and API tokens.

Made by migration 0003; a test compares these models with the migrations.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from homeroom.casebook.models import Base, UTCDateTime


class Partner(Base):
    """A community organisation: a clinic, housing, mentoring, after-school or transport."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PartnerUser(Base):
    """The one organisation a `partner` account belongs to."""

    __tablename__ = "partner_users"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)


class Referral(Base):
    """A student referred by the school to a partner. Name, school and grade always go with it."""

    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_student_id", "student_id"),
        Index("ix_referrals_partner_id", "partner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[str] = mapped_column(String(200))
    school_id: Mapped[str] = mapped_column(String(64))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    referred_on: Mapped[dt.date] = mapped_column(Date)
    referred_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Consent(Base):
    """A parent's, guardian's or adult student's permission to share a student's data with one
    partner, for a scope, from `given_on` through `expires_on` (its last day in force), until
    withdrawn."""

    __tablename__ = "consents"
    __table_args__ = (
        Index("ix_consents_student_id", "student_id"),
        Index("ix_consents_partner_id", "partner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    student_id: Mapped[str] = mapped_column(String(200))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    given_by: Mapped[str] = mapped_column(String(200))
    relationship: Mapped[str] = mapped_column(String(64))
    given_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(200))  # scope names, comma-separated, sorted
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))


class ApiToken(Base):
    """A bearer token for the JSON API. Only its SHA-256 is kept; it is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
