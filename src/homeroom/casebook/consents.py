"""Referrals to community partners and the family's consents (FERPA).

A referral sends a student to one partner, with a consent: who gave it (a parent or guardian,
or the student when of age), their relationship, the date given, the expiry date (the last
day in force) and the scope: which of the student's data the partner may see. The student's
name, school and grade always go with a referral. A consent is in force from `given_on`
through `expires_on` until withdrawn; outside that, the partner sees nothing of the student.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from homeroom.casebook.audit import Actor
from homeroom.casebook.casework import CaseworkError, NotFound, as_date, audit, clean_text
from homeroom.casebook.casework import today as store_today
from homeroom.casebook.partner_tables import Consent, Partner, Referral
from homeroom.casebook.store import Store

ATTENDANCE_SUMMARY = "attendance_summary"
ATTENDANCE_DETAIL = "attendance_detail"
CONTACTS = "contacts"
PLAN = "plan"
SCOPES = {
    ATTENDANCE_SUMMARY: "Attendance summary: absence rate, tier and days",
    ATTENDANCE_DETAIL: "Attendance detail: the calendar and each absence",
    CONTACTS: "Family contacts",
    PLAN: "The support plan: supports and actions",
}
CONSENT_FIELDS = ("given_by", "relationship", "given_on", "expires_on", "scope")


@dataclass(frozen=True)
class ConsentInfo:
    id: int
    referral_id: int
    student_id: str
    partner_id: int
    given_by: str
    relationship: str
    given_on: dt.date
    expires_on: dt.date
    scope: frozenset[str]
    withdrawn_at: dt.datetime | None

    @classmethod
    def of(cls, row: Consent) -> ConsentInfo:
        return cls(
            row.id,
            row.referral_id,
            row.student_id,
            row.partner_id,
            row.given_by,
            row.relationship,
            row.given_on,
            row.expires_on,
            frozenset(filter(None, row.scope.split(","))),
            row.withdrawn_at,
        )

    def in_force(self, today: dt.date) -> bool:
        return self.withdrawn_at is None and self.given_on <= today <= self.expires_on

    def status(self, today: dt.date) -> str:
        if self.withdrawn_at is not None:
            return "withdrawn"
        if today > self.expires_on:
            return "expired"
        return "in force" if today >= self.given_on else "not yet in force"


@dataclass(frozen=True)
class ReferralInfo:
    id: int
    student_id: str
    school_id: str
    partner_id: int
    partner_name: str
    reason: str | None
    referred_on: dt.date
    referred_by: str
    consents: tuple[ConsentInfo, ...]

    def in_force(self, today: dt.date) -> bool:
        return any(c.in_force(today) for c in self.consents)


def scope_of(value: Any) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise CaseworkError("consent.scope must be a list of scope names", "consent.scope")
    names = list(value)
    unknown = [n for n in names if n not in SCOPES]
    if unknown or not names:
        raise CaseworkError(
            f"consent.scope must name one or more of {', '.join(SCOPES)}", "consent.scope"
        )
    return frozenset(names)


def refer(
    store: Store,
    *,
    student_id: str,
    school_id: str,
    partner_id: int,
    reason: str | None,
    consent: Mapping[str, Any],
    by: Actor,
) -> tuple[ReferralInfo, ConsentInfo]:
    """Refer the student to the partner with the family's consent; refused when the consent
    has already expired, is given in the future, or names an unknown scope."""
    terms = _terms(store, consent)
    why = clean_text(reason, "reason")
    with store.session() as session:
        # JSON's true is an int to Python, not a partner id.
        is_id = isinstance(partner_id, int) and not isinstance(partner_id, bool)
        partner = session.get(Partner, partner_id) if is_id else None
        if partner is None or not partner.active:
            raise CaseworkError("partner is not an active partner id", "partner")
        now = store.now()
        referral = Referral(
            student_id=str(student_id),
            school_id=str(school_id),
            partner_id=partner.id,
            reason=why,
            referred_on=now.date(),
            referred_by=by.username,
            created_at=now,
        )
        session.add(referral)
        session.flush()
        row = Consent(
            referral_id=referral.id,
            student_id=str(student_id),
            partner_id=partner.id,
            recorded_by=by.username,
            recorded_at=now,
            **terms,
        )
        session.add(row)
        session.flush()
        audit(session, store, by, "student_referred", str(student_id), referral=referral.id,
              partner=partner.id, consent=row.id, scope=terms["scope"],
              expires_on=str(terms["expires_on"]))  # fmt: skip
        info = ConsentInfo.of(row)
        return _referral(referral, partner, (info,)), info


def withdraw_consent(store: Store, consent_id: int, *, by: Actor) -> ConsentInfo:
    """End the consent now: the partner's access to the student ends with it."""
    with store.session() as session:
        row = session.get(Consent, consent_id)
        if row is None:
            raise NotFound("there is no such consent", "consent")
        if row.withdrawn_at is None:
            row.withdrawn_at = store.now()
            row.withdrawn_by = by.username
            audit(session, store, by, "consent_withdrawn", row.student_id, consent=row.id,
                  partner=row.partner_id)  # fmt: skip
        return ConsentInfo.of(row)


def get_consent(store: Store, consent_id: int) -> ConsentInfo:
    with store.session(write=False) as session:
        row = session.get(Consent, consent_id)
        if row is None:
            raise NotFound("there is no such consent", "consent")
        return ConsentInfo.of(row)


def student_referrals(store: Store, student_id: str) -> list[ReferralInfo]:
    """The student's referrals, newest first, each with its consents."""
    with store.session(write=False) as session:
        referrals = session.scalars(
            select(Referral).where(Referral.student_id == str(student_id))
        ).all()
        consents = session.scalars(
            select(Consent).where(Consent.student_id == str(student_id)).order_by(Consent.id)
        ).all()
        partners = {p.id: p for p in session.scalars(select(Partner))}
    by_referral: dict[int, list[ConsentInfo]] = {}
    for consent in consents:
        by_referral.setdefault(consent.referral_id, []).append(ConsentInfo.of(consent))
    found = [
        _referral(r, partners[r.partner_id], tuple(by_referral.get(r.id, ()))) for r in referrals
    ]
    return sorted(found, key=lambda r: (r.referred_on, r.id), reverse=True)


def partner_access(
    store: Store, partner_id: int, *, today: dt.date | None = None
) -> dict[str, frozenset[str]]:
    """Student id -> the scopes a partner may see today: the union of its consents in force.
    Empty for an inactive partner."""
    day = today or store_today(store)
    query = select(Consent).where(
        Consent.partner_id == partner_id,
        Consent.withdrawn_at.is_(None),
        Consent.given_on <= day,
        Consent.expires_on >= day,
    )
    access: dict[str, set[str]] = {}
    with store.session(write=False) as session:
        partner = session.get(Partner, partner_id)
        if partner is None or not partner.active:
            return {}
        for row in session.scalars(query):
            access.setdefault(row.student_id, set()).update(ConsentInfo.of(row).scope)
    return {student: frozenset(scopes) for student, scopes in access.items()}


def _terms(store: Store, consent: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(consent, Mapping):
        raise CaseworkError("consent must be an object", "consent")
    unknown = sorted(set(consent) - set(CONSENT_FIELDS))
    if unknown:
        raise CaseworkError(f"consent has an unknown field {unknown[0]!r}", f"consent.{unknown[0]}")
    given_by = clean_text(consent.get("given_by"), "consent.given_by", required=True)
    relationship = clean_text(consent.get("relationship"), "consent.relationship", required=True)
    given_on = as_date(consent.get("given_on"), "consent.given_on", required=True)
    expires_on = as_date(consent.get("expires_on"), "consent.expires_on", required=True)
    assert given_on is not None and expires_on is not None
    day = store_today(store)
    if given_on > day:
        raise CaseworkError("consent.given_on is in the future", "consent.given_on")
    if expires_on < given_on:
        raise CaseworkError("consent.expires_on is before consent.given_on", "consent.expires_on")
    if expires_on < day:
        raise CaseworkError("this consent has already expired", "consent.expires_on")
    for field, text in (("given_by", given_by), ("relationship", relationship)):
        if text is not None and len(text) > (200 if field == "given_by" else 64):
            raise CaseworkError(f"consent.{field} is too long", f"consent.{field}")
    return {
        "given_by": given_by,
        "relationship": relationship,
        "given_on": given_on,
        "expires_on": expires_on,
        "scope": ",".join(sorted(scope_of(consent.get("scope")))),
    }


def _referral(row: Referral, partner: Partner, consents: tuple[ConsentInfo, ...]) -> ReferralInfo:
    return ReferralInfo(
        row.id,
        row.student_id,
        row.school_id,
        row.partner_id,
        partner.name,
        row.reason,
        row.referred_on,
        row.referred_by,
        consents,
    )
