"""Community partners: the organisations (clinic, housing, mentoring, after-school, transport)
and which `partner` accounts belong to each.

A partner account belongs to exactly one organisation; what it may see is decided by the
consents of the students referred to that organisation (homeroom.casebook.consents).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from homeroom.casebook.audit import Actor
from homeroom.casebook.casework import CaseworkError, NotFound, audit, clean_text
from homeroom.casebook.partner_tables import Partner, PartnerUser
from homeroom.casebook.store import Store

KINDS = ("health", "housing", "mentoring", "after_school", "transport", "family", "other")


@dataclass(frozen=True)
class PartnerInfo:
    id: int
    name: str
    kind: str | None
    active: bool

    @classmethod
    def of(cls, row: Partner) -> PartnerInfo:
        return cls(row.id, row.name, row.kind, row.active)


def add_partner(store: Store, name: str, kind: str | None = None, *, by: Actor) -> PartnerInfo:
    title = clean_text(name, "name", required=True) or ""
    if len(title) > 200:
        raise CaseworkError("name is longer than 200 characters", "name")
    if kind is not None and kind not in KINDS:
        raise CaseworkError(f"kind must be one of {', '.join(KINDS)}", "kind")
    try:
        with store.session() as session:
            taken = session.scalar(
                select(Partner.id).where(func.lower(Partner.name) == title.lower())
            )
            if taken is not None:
                raise CaseworkError(f"a partner named {title!r} already exists", "name")
            row = Partner(name=title, kind=kind, active=True, created_at=store.now())
            session.add(row)
            session.flush()
            audit(session, store, by, "partner_added", str(row.id), subject_type="partner",
                  name=title)  # fmt: skip
            return PartnerInfo.of(row)
    except IntegrityError as exc:
        raise CaseworkError(f"a partner named {title!r} already exists", "name") from exc


def list_partners(store: Store, *, include_inactive: bool = False) -> list[PartnerInfo]:
    query = select(Partner).order_by(func.lower(Partner.name))
    if not include_inactive:
        query = query.where(Partner.active.is_(True))
    with store.session(write=False) as session:
        return [PartnerInfo.of(row) for row in session.scalars(query)]


def get_partner(store: Store, partner_id: int) -> PartnerInfo:
    with store.session(write=False) as session:
        row = session.get(Partner, partner_id)
        if row is None:
            raise NotFound(f"there is no partner {partner_id}", "partner")
        return PartnerInfo.of(row)


def set_partner_active(store: Store, partner_id: int, active: bool, *, by: Actor) -> PartnerInfo:
    """An inactive partner gets no new referrals, and its accounts see no student."""
    with store.session() as session:
        row = session.get(Partner, partner_id)
        if row is None:
            raise NotFound(f"there is no partner {partner_id}", "partner")
        if row.active != active:
            row.active = active
            audit(session, store, by, "partner_changed", str(row.id), subject_type="partner",
                  active=active)  # fmt: skip
        return PartnerInfo.of(row)


def partner_of_user(store: Store, user_id: int) -> PartnerInfo | None:
    """The organisation a partner account belongs to."""
    with store.session(write=False) as session:
        return _partner_of(session, user_id)


def _partner_of(session: Session, user_id: int) -> PartnerInfo | None:
    row = session.scalar(
        select(Partner)
        .join(PartnerUser, PartnerUser.partner_id == Partner.id)
        .where(PartnerUser.user_id == user_id)
    )
    return None if row is None else PartnerInfo.of(row)
