"""The casebook's tables as SQLAlchemy models: accounts, their schools, web sessions, audit log.

The tables themselves are made by the Alembic migrations in `migrations/versions/`; these models
must match them (a test compares the two). The casework's tables live beside this module
(plan_tables: supports, plans, actions; partner_tables: partners, referrals, consents, tokens).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from homeroom.casebook.partner_tables import PartnerUser

# Named constraints, so later migrations can alter them (SQLite batch mode needs the names).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A moment in UTC: aware datetimes in Python on every database.

    PostgreSQL keeps `timestamptz`; SQLite has no time zones, so the text it stores is UTC
    without an offset (which also keeps its text order the time order).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("casebook times must be timezone-aware (UTC)")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# A 64-bit identity on PostgreSQL; SQLite's rowid alias must be exactly INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """A person who signs in to Homeroom. Roles come from homeroom.casebook.roles.ROLES."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    # None: the person signs in only through the district's single sign-on.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # Loaded with the user, so a user handed out of a closed session still knows its schools.
    schools: Mapped[list[UserSchool]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="UserSchool.school_id",
    )
    # A partner account's organisation (homeroom.casebook.partner_tables); None for the others.
    partner_link: Mapped[PartnerUser | None] = relationship(
        "PartnerUser", lazy="selectin", uselist=False, cascade="all, delete-orphan"
    )

    @property
    def partner_id(self) -> int | None:
        return None if self.partner_link is None else self.partner_link.partner_id

    @property
    def school_ids(self) -> frozenset[str]:
        return frozenset(link.school_id for link in self.schools)

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def is_locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def __repr__(self) -> str:  # no hash, no email: reprs end up in logs
        return f"User({self.username!r}, role={self.role!r}, disabled={self.disabled})"


class UserSchool(Base):
    """One school whose students a school_staff user may see."""

    __tablename__ = "user_schools"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[str] = mapped_column(String(64), primary_key=True)

    user: Mapped[User] = relationship(back_populates="schools")


class WebSession(Base):
    """A signed-in browser. Only the SHA-256 of its cookie token is kept."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user_id", "user_id"),)

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship(lazy="joined")


class AuditRecord(Base):
    """One line of the append-only audit log (triggers refuse UPDATE, DELETE and an INSERT of an
    id that exists), chained to the one before it by hashes (see casebook.audit_chain)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_username", "username"),
        Index("ix_audit_log_action", "action"),
        Index("ix_audit_log_subject_id", "subject_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    username: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)  # JSON text
    # Hex SHA-256s; empty only in a row someone wrote past Homeroom (verify names it).
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))


class AuditSubject(Base):
    """One student an audit entry covers (its subject, or one of a list view's students), so
    "who saw this student" finds list views, searches and exports too. Append-only as well."""

    __tablename__ = "audit_subjects"
    __table_args__ = (Index("ix_audit_subjects_student_id", "student_id"),)

    # No foreign key: PostgreSQL would then refuse TRUNCATE audit_log for the key before the
    # append-only trigger could say why. Rows are written with their entry, in its transaction.
    entry_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    student_id: Mapped[str] = mapped_column(String(200), primary_key=True)
