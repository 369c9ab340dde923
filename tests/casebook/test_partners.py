"""Community partners: added with a kind, one name each, switched off and on (audited), and
the one organisation a partner account belongs to."""

from __future__ import annotations

from pathlib import Path

import pytest

from casebook.people import OPS, entries, logged
from casebook.support import PASSPHRASE, sqlite_url
from homeroom.casebook import Store, UserError, add_user, get_user
from homeroom.casebook.casework import CaseworkError, NotFound
from homeroom.casebook.partners import (
    PartnerInfo,
    add_partner,
    get_partner,
    list_partners,
    partner_of_user,
    set_partner_active,
)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite only here: these rules live in Python, not the database (the store, migration,
    plan, consent and token tests run on PostgreSQL too), and the suite has 15 minutes."""
    return sqlite_url(tmp_path)


def test_add_and_list_by_name(store: Store):
    clinic = add_partner(store, " Eastside Clinic ", "health", by=OPS)
    assert clinic == PartnerInfo(1, "Eastside Clinic", "health", True)
    add_partner(store, "bright futures mentoring", "mentoring", by=OPS)
    add_partner(store, "Northside Housing", by=OPS)
    assert [p.name for p in list_partners(store)] == [
        "bright futures mentoring", "Eastside Clinic", "Northside Housing",
    ]  # fmt: skip
    assert get_partner(store, 3) == PartnerInfo(3, "Northside Housing", None, True)
    assert logged(store) == [
        ("cli:ops", "partner_added", "partner", "1"),
        ("cli:ops", "partner_added", "partner", "2"),
        ("cli:ops", "partner_added", "partner", "3"),
    ]
    assert entries(store)[0].detail == {"name": "Eastside Clinic"}


@pytest.mark.parametrize(
    ("name", "kind", "field", "says"),
    [
        ("EASTSIDE clinic", None, "name", "a partner named 'EASTSIDE clinic' already exists"),
        ("", None, "name", "name is required"),
        ("x" * 201, None, "name", "name is longer than 200 characters"),
        ("Westside", "hospital", "kind", "kind must be one of health, housing"),
    ],
)
def test_bad_partners_are_refused(store: Store, name, kind, field, says):
    add_partner(store, "Eastside Clinic", by=OPS)
    with pytest.raises(CaseworkError, match=says) as caught:
        add_partner(store, name, kind, by=OPS)
    assert caught.value.field == field
    assert len(list_partners(store, include_inactive=True)) == 1 and len(logged(store)) == 1


def test_switched_off_and_on_audited_once_each(store: Store):
    add_partner(store, "Eastside Clinic", by=OPS)
    off = set_partner_active(store, 1, False, by=OPS)
    assert not off.active and not set_partner_active(store, 1, False, by=OPS).active
    assert list_partners(store) == []
    assert list_partners(store, include_inactive=True) == [off]
    assert set_partner_active(store, 1, True, by=OPS).active
    assert [e.detail for e in entries(store, action="partner_changed")] == [
        {"active": False}, {"active": True},
    ]  # fmt: skip
    for call in (lambda: get_partner(store, 9), lambda: set_partner_active(store, 9, True, by=OPS)):
        with pytest.raises(NotFound, match="there is no partner 9"):
            call()


def test_a_partner_account_belongs_to_one_organisation(store: Store):
    add_partner(store, "Eastside Clinic", by=OPS)
    jo = add_user(store, "jo", "partner", password=PASSPHRASE, partner_id=1, by=OPS)
    staff = add_user(store, "rivera", "school_staff", password=PASSPHRASE, schools=["0042"])
    assert (jo.partner_id, get_user(store, "jo").partner_id, staff.partner_id) == (1, 1, None)
    assert partner_of_user(store, jo.id) == PartnerInfo(1, "Eastside Clinic", None, True)
    assert partner_of_user(store, staff.id) is None
    assert entries(store, action="user_added")[0].detail["partner"] == 1


@pytest.mark.parametrize(
    ("role", "partner_id", "says"),
    [
        ("partner", None, "a partner account needs its organisation"),
        ("school_staff", 1, "only partner accounts have one"),
        ("partner", 2, "there is no active partner 2"),
        ("partner", 3, "there is no active partner 3"),
    ],
)
def test_partner_accounts_need_an_active_organisation(store: Store, role, partner_id, says):
    add_partner(store, "Eastside Clinic", by=OPS)
    add_partner(store, "Gone Away", by=OPS)
    set_partner_active(store, 2, False, by=OPS)
    with pytest.raises(UserError, match=says):
        add_user(store, "jo", role, password=PASSPHRASE, partner_id=partner_id, by=OPS)
    assert get_user(store, "jo") is None
