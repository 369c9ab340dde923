"""Referrals and consents: in force from the day given through its last day and not the day
after; withdrawn ends access at once; an expired consent is refused at referral; the scope is
checked; an inactive partner sees nothing; every write audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casebook.people import OPS, TODAY, day, entries, logged
from casebook.support import Clock
from homeroom.casebook import Store
from homeroom.casebook.casework import CaseworkError, NotFound
from homeroom.casebook.consents import (
    get_consent,
    partner_access,
    refer,
    student_referrals,
    withdraw_consent,
)
from homeroom.casebook.partner_tables import Consent, Referral
from homeroom.casebook.partners import add_partner, set_partner_active

SUMMARY, DETAIL, CONTACTS, PLAN = "attendance_summary", "attendance_detail", "contacts", "plan"


@pytest.fixture
def partners(store: Store) -> Store:
    add_partner(store, "Eastside Clinic", "health", by=OPS)
    add_partner(store, "Northside Housing", "housing", by=OPS)
    return store


def _consent(**changes: object) -> dict:
    consent = {"given_by": "Maria Lopez", "relationship": "mother", "given_on": "2025-01-06",
               "expires_on": "2025-01-10", "scope": [PLAN, SUMMARY]}  # fmt: skip
    consent.update(changes)
    return consent


def _refer(store: Store, student: str = "S0001", partner: object = 1, **consent: object):
    return refer(store, student_id=student, school_id="0042", partner_id=partner,
                 reason="Asthma: missed 9 days", consent=_consent(**consent), by=OPS)  # fmt: skip


def _rows(store: Store) -> tuple[int, int]:
    with store.session(write=False) as session:
        referrals = session.scalar(select(func.count()).select_from(Referral)) or 0
        consents = session.scalar(select(func.count()).select_from(Consent)) or 0
    return referrals, consents


def test_a_referral_carries_its_consent_and_is_audited(partners: Store):
    referral, consent = _refer(partners)
    assert (referral.id, referral.student_id, referral.school_id, referral.partner_id) == (
        1, "S0001", "0042", 1,
    )  # fmt: skip
    assert (referral.partner_name, referral.reason, referral.referred_on) == (
        "Eastside Clinic", "Asthma: missed 9 days", TODAY,
    )  # fmt: skip
    assert referral.consents == (consent,) and referral.in_force(TODAY)
    assert (consent.given_by, consent.relationship, consent.given_on, consent.expires_on) == (
        "Maria Lopez", "mother", day(0), day(4),
    )  # fmt: skip
    assert consent.scope == frozenset({PLAN, SUMMARY}) and consent.withdrawn_at is None
    assert get_consent(partners, 1) == consent
    with partners.session(write=False) as session:
        assert session.scalar(select(Consent.scope)) == "attendance_summary,plan"
    [entry] = entries(partners, action="student_referred")
    assert (entry.username, entry.subject_type, entry.subject_id) == ("cli:ops", "student", "S0001")
    assert entry.detail == {
        "referral": 1, "partner": 1, "consent": 1, "scope": "attendance_summary,plan",
        "expires_on": "2025-01-10",
    }  # fmt: skip
    assert "Maria Lopez" not in str(entry.detail)


def test_in_force_on_its_first_and_last_day_and_not_the_day_after(partners: Store, clock: Clock):
    _refer(partners, given_on="2025-01-03", expires_on="2025-01-10")
    access = {"S0001": frozenset({PLAN, SUMMARY})}
    assert partner_access(partners, 1, today=day(-4)) == {}  # 2 January: not yet
    assert partner_access(partners, 1, today=day(-3)) == access  # 3 January: the first day
    assert partner_access(partners, 1) == access
    clock.advance(days=4)  # 10 January: the last day
    assert partner_access(partners, 1) == access
    clock.advance(days=1)  # 11 January: over
    assert partner_access(partners, 1) == {}
    [consent] = student_referrals(partners, "S0001")[0].consents
    assert [consent.status(d) for d in (day(-4), day(-3), day(4), day(5))] == [
        "not yet in force", "in force", "in force", "expired",
    ]  # fmt: skip
    assert [consent.in_force(d) for d in (day(-4), day(-3), day(4), day(5))] == [
        False, True, True, False,
    ]  # fmt: skip


def test_withdrawn_ends_access_at_once(partners: Store, clock: Clock):
    _refer(partners)
    clock.advance(minutes=30)
    withdrawn = withdraw_consent(partners, 1, by=OPS)
    assert withdrawn.withdrawn_at == clock.now and withdrawn.status(TODAY) == "withdrawn"
    assert partner_access(partners, 1) == {}
    clock.advance(minutes=5)
    again = withdraw_consent(partners, 1, by=OPS)
    assert again.withdrawn_at == withdrawn.withdrawn_at  # the first withdrawal stands
    assert logged(partners, action="consent_withdrawn") == [
        ("cli:ops", "consent_withdrawn", "student", "S0001"),
    ]
    assert entries(partners, action="consent_withdrawn")[0].detail == {"consent": 1, "partner": 1}
    with pytest.raises(NotFound):
        withdraw_consent(partners, 9, by=OPS)
    with pytest.raises(NotFound):
        get_consent(partners, 9)


def test_access_is_the_union_of_consents_in_force_for_that_partner(partners: Store):
    _refer(partners, scope=[SUMMARY])
    _refer(partners, scope=[CONTACTS, SUMMARY])
    _refer(partners, "S0002", scope=[DETAIL])
    _refer(partners, "S0003", partner=2, scope=[PLAN])
    withdraw_consent(partners, 3, by=OPS)
    assert partner_access(partners, 1) == {"S0001": frozenset({SUMMARY, CONTACTS})}
    assert partner_access(partners, 2) == {"S0003": frozenset({PLAN})}
    assert partner_access(partners, 99) == {}


def test_an_inactive_partner_sees_nothing_and_gets_no_referral(partners: Store):
    _refer(partners)
    set_partner_active(partners, 1, False, by=OPS)
    assert partner_access(partners, 1) == {}
    with pytest.raises(CaseworkError, match="not an active partner") as caught:
        _refer(partners, "S0002")
    assert caught.value.field == "partner"
    set_partner_active(partners, 1, True, by=OPS)
    assert partner_access(partners, 1) == {"S0001": frozenset({PLAN, SUMMARY})}


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"expires_on": "2025-01-05", "given_on": "2024-09-01"}, "consent.expires_on",
         "this consent has already expired"),
        ({"expires_on": "2025-01-05"}, "consent.expires_on", "before consent.given_on"),
        ({"given_on": "2025-01-07"}, "consent.given_on", "consent.given_on is in the future"),
        ({"given_on": "yesterday"}, "consent.given_on", "a date like 2025-01-31"),
        ({"expires_on": None}, "consent.expires_on", "consent.expires_on is required"),
        ({"given_by": "  "}, "consent.given_by", "consent.given_by is required"),
        ({"relationship": None}, "consent.relationship", "consent.relationship is required"),
        ({"relationship": "x" * 65}, "consent.relationship", "consent.relationship is too long"),
        ({"scope": []}, "consent.scope", "one or more of attendance_summary"),
        ({"scope": ["everything"]}, "consent.scope", "one or more of attendance_summary"),
        ({"scope": [SUMMARY, "grades"]}, "consent.scope", "one or more of"),
        ({"scope": "plan"}, "consent.scope", "a list of scope names"),
        ({"scope": None}, "consent.scope", "a list of scope names"),
        ({"signed": True}, "consent.signed", "unknown field 'signed'"),
    ],
)  # fmt: skip
def test_bad_consents_are_refused_and_nothing_is_written(partners: Store, changes, field, says):
    with pytest.raises(CaseworkError, match=says) as caught:
        _refer(partners, **changes)
    assert caught.value.field == field
    assert _rows(partners) == (0, 0)
    assert logged(partners, action="student_referred") == []


@pytest.mark.parametrize("partner", [99, "1", None, True])
def test_the_partner_must_be_an_active_partner_id(partners: Store, partner):
    with pytest.raises(CaseworkError, match="not an active partner id") as caught:
        _refer(partners, partner=partner)
    assert caught.value.field == "partner"
    assert _rows(partners) == (0, 0)


def test_a_consent_that_is_not_an_object_is_refused(partners: Store):
    with pytest.raises(CaseworkError, match="consent must be an object") as caught:
        refer(partners, student_id="S0001", school_id="0042", partner_id=1, reason=None,
              consent=["mother"], by=OPS)  # type: ignore[arg-type]  # fmt: skip
    assert caught.value.field == "consent"


def test_a_consent_expiring_today_is_still_accepted(partners: Store):
    _, consent = _refer(partners, given_on="2024-09-01", expires_on="2025-01-06")
    assert consent.in_force(TODAY)


def test_a_students_referrals_newest_first(partners: Store, clock: Clock):
    _refer(partners, partner=1)
    clock.advance(days=2)
    _refer(partners, partner=2, given_on="2025-01-08", expires_on="2025-06-30")
    _refer(partners, "S0002")
    found = student_referrals(partners, "S0001")
    assert [(r.id, r.partner_name, r.referred_on) for r in found] == [
        (2, "Northside Housing", day(2)), (1, "Eastside Clinic", day(0)),
    ]  # fmt: skip
    assert [[c.id for c in r.consents] for r in found] == [[2], [1]]
    assert [r.in_force(day(2)) for r in found] == [True, True]
    assert [r.in_force(day(5)) for r in found] == [True, False]
    assert student_referrals(partners, "S0009") == []
