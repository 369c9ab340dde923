"""The district's catalogue of supports, by tier: seeded by migration 0003 with common practice,
edited by a district administrator (add, rename, move tier, describe, retire, bring back).

A retired support stays in the plans that chose it; it is no longer offered for new ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from homeroom.casebook.audit import Actor
from homeroom.casebook.casework import CaseworkError, NotFound, as_tier, audit, clean_text
from homeroom.casebook.plan_tables import Support
from homeroom.casebook.store import Store

TIER_NAMES = {1: "Tier 1 (universal)", 2: "Tier 2 (early)", 3: "Tier 3 (intensive)"}


@dataclass(frozen=True)
class SupportInfo:
    id: int
    name: str
    tier: int
    description: str | None
    active: bool

    @classmethod
    def of(cls, row: Support) -> SupportInfo:
        return cls(row.id, row.name, row.tier, row.description, row.active)


def list_supports(store: Store, *, include_retired: bool = False) -> list[SupportInfo]:
    """The catalogue by tier, then in the order the district keeps it."""
    query = select(Support).order_by(Support.tier, Support.position, Support.id)
    if not include_retired:
        query = query.where(Support.active.is_(True))
    with store.session(write=False) as session:
        return [SupportInfo.of(row) for row in session.scalars(query)]


def add_support(
    store: Store, name: str, tier: int, description: str | None = None, *, by: Actor
) -> SupportInfo:
    title = clean_text(name, "name", required=True)
    assert title is not None
    level = as_tier(tier)
    about = clean_text(description, "description")
    try:
        with store.session() as session:
            _check_free(session, title)
            last = session.scalar(select(func.max(Support.position))) or 0
            row = Support(
                name=title,
                tier=level,
                description=about,
                active=True,
                position=last + 1,
                created_at=store.now(),
            )
            session.add(row)
            session.flush()
            audit(session, store, by, "support_added", str(row.id), subject_type="support",
                  name=title, tier=level)  # fmt: skip
            return SupportInfo.of(row)
    except IntegrityError as exc:
        raise CaseworkError(f"a support named {title!r} already exists", "name") from exc


def update_support(
    store: Store,
    support_id: int,
    *,
    name: str | None = None,
    tier: int | None = None,
    description: str | None = None,
    active: bool | None = None,
    by: Actor,
) -> SupportInfo:
    """Change what is given; leave the rest as it is."""
    with store.session() as session:
        row = session.get(Support, support_id)
        if row is None:
            raise NotFound("there is no such support", "support")
        changed: dict[str, object] = {}
        if name is not None:
            title = clean_text(name, "name", required=True)
            if title != row.name:
                _check_free(session, title or "")
                row.name = changed["name"] = title or row.name
        if tier is not None and as_tier(tier) != row.tier:
            row.tier = changed["tier"] = as_tier(tier)
        if description is not None:
            row.description = clean_text(description, "description")
            changed["description"] = True
        if active is not None and bool(active) != row.active:
            row.active = changed["active"] = bool(active)
        if changed:
            audit(session, store, by, "support_changed", str(row.id), subject_type="support",
                  **changed)  # fmt: skip
        return SupportInfo.of(row)


def supports_by_id(store: Store, ids: list[int]) -> dict[int, SupportInfo]:
    if not ids:
        return {}
    with store.session(write=False) as session:
        rows = session.scalars(select(Support).where(Support.id.in_(ids)))
        return {row.id: SupportInfo.of(row) for row in rows}


def _check_free(session: Session, name: str) -> None:
    taken = session.scalar(select(Support.id).where(func.lower(Support.name) == name.lower()))
    if taken is not None:
        raise CaseworkError(f"a support named {name!r} already exists", "name")
