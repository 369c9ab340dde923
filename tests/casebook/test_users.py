"""Accounts: adding and changing them, the password rules, sign-in with lock-out, single
sign-on matching, and the scope each role gets."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from casebook.support import PASSPHRASE, START, Clock
from homeroom.casebook import (
    CliActor,
    LoginFailed,
    Store,
    UnknownUser,
    UserError,
    add_user,
    audit_entries,
    authenticate,
    disable_user,
    enable_user,
    end_user_sessions,
    find_oidc_user,
    get_user,
    list_users,
    passwords,
    session_for,
    set_password,
    set_role,
    set_schools,
    start_session,
)
from homeroom.web.scope import Scope, user_scope

ISSUER = "https://login.district.example"
ADMIN = CliActor("cli:ops")


def test_add_user_keeps_an_argon2_hash_and_the_schools(store: Store, clock: Clock):
    user = add_user(
        store,
        " Rivera ",
        "school_staff",
        password=PASSPHRASE,
        schools=["0043", "0042", "0042"],
        display_name="Ana Rivera",
        email="ARivera@District.org",
    )
    again = get_user(store, "RIVERA")
    for found in (user, again):
        assert found.username == "rivera"
        assert found.role == "school_staff"
        assert found.school_ids == frozenset({"0042", "0043"})
        assert found.email == "arivera@district.org"
        assert found.display_name == "Ana Rivera"
        assert found.created_at == START
        assert found.password_hash.startswith("$argon2id$")
        assert PASSPHRASE not in found.password_hash
        assert not found.disabled and found.failed_logins == 0 and found.locked_until is None
    assert [u.username for u in list_users(store)] == ["rivera"]
    assert get_user(store, "nobody") is None


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"role": "superuser"}, "role must be one of district_admin"),
        ({"password": "elevenchars"}, "at least 12 characters"),
        ({"password": "Rivera.Staff"}, "cannot be the username"),
        ({"password": "            "}, "cannot be only spaces"),
        ({"role": "district_viewer", "schools": ["0042"]}, "schools apply to school_staff only"),
        ({"password": None}, "give a password, or an email"),
        ({"username": "two words"}, "not a usable username"),
        ({"username": ""}, "not a usable username"),
    ],
)
def test_add_user_refuses_with_a_reason(store: Store, kwargs: dict, says: str):
    request = {"username": "rivera.staff", "role": "school_staff", "password": PASSPHRASE}
    request.update(kwargs)
    username, role = request.pop("username"), request.pop("role")
    with pytest.raises(UserError, match=says):
        add_user(store, username, role, **request)
    assert list_users(store) == []


def test_a_twelve_character_password_is_enough(store: Store):
    add_user(store, "kim", "district_viewer", password="twelve chars")
    assert authenticate(store, "kim", "twelve chars").username == "kim"


def test_usernames_and_emails_are_unique(store: Store):
    add_user(store, "kim", "district_viewer", password=PASSPHRASE, email="kim@district.org")
    with pytest.raises(UserError, match="already exists"):
        add_user(store, "KIM", "district_admin", password=PASSPHRASE)
    with pytest.raises(UserError, match="already has the email"):
        add_user(store, "kim2", "district_admin", password=PASSPHRASE, email="Kim@district.org")


def test_changes_made_by_someone_are_audited_with_them(store: Store, clock: Clock):
    add_user(store, "kim", "school_staff", password=PASSPHRASE, schools=["0042"], by=ADMIN)
    clock.advance(minutes=1)
    set_schools(store, "kim", ["0042", "0051"], by=ADMIN)
    disable_user(store, "kim", by=ADMIN)
    add_user(store, "quiet", "district_viewer", password=PASSPHRASE)  # no by=: no entry
    entries = audit_entries(store)
    assert [(e.action, e.subject_id) for e in entries] == [
        ("user_added", "kim"),
        ("schools_set", "kim"),
        ("user_disabled", "kim"),
    ]
    assert entries[0].username == "cli:ops" and entries[0].role == "cli"
    assert entries[0].at == START
    assert entries[0].detail == {"role": "school_staff", "schools": ["0042"], "sign_in": "password"}
    assert entries[1].detail == {"before": ["0042"], "after": ["0042", "0051"]}
    assert entries[2].detail == {"sessions_ended": 0}
    assert all(PASSPHRASE not in str(e) for e in entries)


def test_sign_in_records_the_time(store: Store, clock: Clock):
    add_user(store, "kim", "district_viewer", password=PASSPHRASE)
    clock.advance(hours=2)
    user = authenticate(store, "  Kim ", PASSPHRASE)
    assert user.last_login_at == START + dt.timedelta(hours=2)
    assert get_user(store, "kim").last_login_at == START + dt.timedelta(hours=2)


def test_every_failed_sign_in_says_the_same_and_costs_one_argon2_check(
    store: Store, monkeypatch: pytest.MonkeyPatch
):
    """Unknown user, wrong password, disabled, locked and SSO-only accounts are told apart by
    nothing: same exception, same message, one argon2 verification each."""
    add_user(store, "kim", "district_viewer", password=PASSPHRASE)
    add_user(store, "gone", "district_viewer", password=PASSPHRASE)
    disable_user(store, "gone")
    add_user(store, "locked", "district_viewer", password=PASSPHRASE)
    for _ in range(passwords.MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            authenticate(store, "locked", "wrong password!")
    add_user(store, "sso", "district_viewer", email="sso@district.org")

    checks = []

    class CountingHasher(PasswordHasher):
        def verify(self, stored: str | bytes, password: str | bytes) -> bool:
            checks.append(stored)
            return super().verify(stored, password)

    monkeypatch.setattr(passwords, "HASHER", CountingHasher(1, 1024, 1))
    attempts = [
        ("nobody", PASSPHRASE),
        ("kim", "wrong password!"),
        ("gone", PASSPHRASE),
        ("locked", PASSPHRASE),
        ("sso", PASSPHRASE),
        ("", PASSPHRASE),
        ("kim", "x" * 5000),
    ]
    messages = set()
    for username, password in attempts:
        before = len(checks)
        with pytest.raises(LoginFailed) as caught:
            authenticate(store, username, password)
        messages.add(str(caught.value))
        assert len(checks) == before + 1, username
    assert messages == {LoginFailed.MESSAGE}
    assert "nobody" not in LoginFailed.MESSAGE


def test_lock_out_at_exactly_five_failures_for_fifteen_minutes(store: Store, clock: Clock):
    add_user(store, "kim", "district_viewer", password=PASSPHRASE, by=ADMIN)
    # Four failures, then the right password: in, and the count starts again.
    for _ in range(4):
        with pytest.raises(LoginFailed):
            authenticate(store, "kim", "wrong password!")
    assert get_user(store, "kim").failed_logins == 4
    assert authenticate(store, "kim", PASSPHRASE).failed_logins == 0
    # Four more: still not locked.
    for _ in range(4):
        clock.advance(seconds=10)
        with pytest.raises(LoginFailed):
            authenticate(store, "kim", "wrong password!")
    assert get_user(store, "kim").locked_until is None
    # The fifth in a row locks the account for 15 minutes from that try.
    locked_at = clock.advance(seconds=10)
    with pytest.raises(LoginFailed):
        authenticate(store, "kim", "wrong password!")
    user = get_user(store, "kim")
    assert user.locked_until == locked_at + dt.timedelta(minutes=15)
    assert user.is_locked(locked_at)
    # While locked even the right password fails, and tries neither count nor extend the lock.
    clock.now = locked_at + dt.timedelta(minutes=10)
    with pytest.raises(LoginFailed):
        authenticate(store, "kim", "wrong password!")
    clock.now = locked_at + dt.timedelta(minutes=14, seconds=59)
    with pytest.raises(LoginFailed):
        authenticate(store, "kim", PASSPHRASE)
    assert get_user(store, "kim").locked_until == locked_at + dt.timedelta(minutes=15)
    # At 15 minutes it opens.
    clock.now = locked_at + dt.timedelta(minutes=15)
    user = authenticate(store, "kim", PASSPHRASE)
    assert user.locked_until is None and user.failed_logins == 0
    locks = [e for e in audit_entries(store) if e.action == "account_locked"]
    assert len(locks) == 1
    assert locks[0].username == "kim" and locks[0].at == locked_at
    assert locks[0].detail == {
        "failures": 5,
        "until": (locked_at + dt.timedelta(minutes=15)).isoformat(timespec="seconds"),
    }


def test_after_a_lock_out_ends_there_are_five_fresh_tries(store: Store, clock: Clock):
    add_user(store, "kim", "district_viewer", password=PASSPHRASE)
    for _ in range(5):
        with pytest.raises(LoginFailed):
            authenticate(store, "kim", "wrong password!")
    clock.advance(minutes=15)
    for _ in range(4):
        with pytest.raises(LoginFailed):
            authenticate(store, "kim", "wrong password!")
    assert not get_user(store, "kim").is_locked(clock.now)
    with pytest.raises(LoginFailed):
        authenticate(store, "kim", "wrong password!")
    assert get_user(store, "kim").locked_until == clock.now + dt.timedelta(minutes=15)


def test_enable_and_a_new_password_lift_a_lock_out(store: Store, clock: Clock):
    add_user(store, "kim", "district_viewer", password=PASSPHRASE)
    for _ in range(5):
        with pytest.raises(LoginFailed):
            authenticate(store, "kim", "wrong password!")
    enable_user(store, "kim")
    assert authenticate(store, "kim", PASSPHRASE).username == "kim"
    for _ in range(5):
        with pytest.raises(LoginFailed):
            authenticate(store, "kim", "wrong password!")
    set_password(store, "kim", "another long passphrase")
    assert authenticate(store, "kim", "another long passphrase").username == "kim"


def test_a_hash_made_with_other_parameters_is_redone_at_sign_in(
    store: Store, cheap_hashing: PasswordHasher
):
    add_user(store, "kim", "district_viewer", password=PASSPHRASE)
    older = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSPHRASE)
    with store.session() as session:
        session.execute(
            text("UPDATE users SET password_hash = :hash WHERE username = 'kim'"), {"hash": older}
        )
    with pytest.raises(LoginFailed):  # a wrong password changes nothing
        authenticate(store, "kim", "wrong password!")
    assert get_user(store, "kim").password_hash == older
    authenticate(store, "kim", PASSPHRASE)
    renewed = get_user(store, "kim").password_hash
    assert renewed != older
    assert "m=2048,t=2,p=1" in older and "m=1024,t=1,p=1" in renewed
    assert not cheap_hashing.check_needs_rehash(renewed)
    assert authenticate(store, "kim", PASSPHRASE).password_hash == renewed  # not redone again


def test_disabling_ends_the_sessions_and_enabling_lets_them_back(store: Store):
    user = add_user(store, "kim", "district_viewer", password=PASSPHRASE)
    token, _csrf = start_session(store, user)
    other, _ = start_session(store, user)
    assert disable_user(store, "kim").disabled
    assert session_for(store, token) is None and session_for(store, other) is None
    with pytest.raises(LoginFailed):
        authenticate(store, "kim", PASSPHRASE)
    enable_user(store, "kim")
    assert authenticate(store, "kim", PASSPHRASE).username == "kim"


def test_a_new_password_replaces_the_old_and_signs_the_person_out(store: Store):
    user = add_user(store, "kim", "district_viewer", password=PASSPHRASE)
    token, _ = start_session(store, user)
    with pytest.raises(UserError, match="at least 12"):
        set_password(store, "kim", "short")
    set_password(store, "kim", "a brand new passphrase")
    assert session_for(store, token) is None
    with pytest.raises(LoginFailed):
        authenticate(store, "kim", PASSPHRASE)
    assert authenticate(store, "kim", "a brand new passphrase").username == "kim"


def test_schools_and_roles_change_what_the_scope_allows(store: Store):
    add_user(store, "kim", "school_staff", password=PASSPHRASE, schools=["0042"])
    assert user_scope(get_user(store, "kim")) == Scope.of("kim", "school_staff", {"0042"})
    set_schools(store, "kim", ["0051", "0052"])
    scope = user_scope(get_user(store, "kim"))
    assert scope.school_ids == frozenset({"0051", "0052"})
    assert scope.student_filter() == ("school_id IN (?, ?)", ["0051", "0052"])
    set_role(store, "kim", "district_viewer")
    user = get_user(store, "kim")
    assert user.school_ids == frozenset()
    scope = user_scope(user)
    assert scope.role == "district_viewer" and not scope.sees_students
    with pytest.raises(UserError, match="only school_staff have schools"):
        set_schools(store, "kim", ["0042"])
    set_role(store, "kim", "district_admin")
    assert user_scope(get_user(store, "kim")).student_filter() == ("TRUE", [])


def test_school_staff_without_schools_see_no_students(store: Store):
    add_user(store, "new", "school_staff", password=PASSPHRASE)
    scope = user_scope(get_user(store, "new"))
    assert scope.school_ids == frozenset()
    assert scope.student_filter() == ("FALSE", [])


def test_changing_an_unknown_user_says_so(store: Store):
    for change in (
        lambda: disable_user(store, "ghost"),
        lambda: enable_user(store, "ghost"),
        lambda: set_password(store, "ghost", PASSPHRASE),
        lambda: set_schools(store, "ghost", ["0042"]),
        lambda: set_role(store, "ghost", "district_admin"),
    ):
        with pytest.raises(UnknownUser, match="no user named 'ghost'"):
            change()
    assert end_user_sessions(store, "ghost") == 0


# -- single sign-on ----------------------------------------------------------------------------
def test_the_first_sso_sign_in_matches_by_email_and_binds_the_identity(store: Store, clock: Clock):
    add_user(store, "chen", "district_admin", email="MChen@district.org")
    clock.advance(minutes=5)
    user = find_oidc_user(store, ISSUER, "sub-123", "mchen@DISTRICT.org")
    assert user.username == "chen" and user.role == "district_admin"
    assert (user.oidc_issuer, user.oidc_subject) == (ISSUER, "sub-123")
    assert user.last_login_at == clock.now
    # Later sign-ins match by subject, whatever email the provider now sends.
    assert find_oidc_user(store, ISSUER, "sub-123", "m.chen@new-domain.org").username == "chen"
    assert find_oidc_user(store, ISSUER, "sub-123", None).username == "chen"
    # The email cannot be claimed again by another identity.
    assert find_oidc_user(store, ISSUER, "sub-999", "mchen@district.org") is None
    # Nor by the same subject at another provider.
    assert find_oidc_user(store, "https://evil.example", "sub-123", "mchen@district.org") is None
    bound = [e for e in audit_entries(store) if e.action == "sso_identity_bound"]
    assert [(e.username, e.subject_id, e.detail) for e in bound] == [
        ("chen", "chen", {"issuer": ISSUER})
    ]


def test_sso_finds_only_accounts_an_administrator_made(store: Store):
    assert find_oidc_user(store, ISSUER, "sub-1", "stranger@district.org") is None
    assert find_oidc_user(store, ISSUER, "sub-1", None) is None
    assert find_oidc_user(store, "", "sub-1", "stranger@district.org") is None
    assert list_users(store) == []


def test_sso_respects_a_pinned_issuer_and_disabled_accounts(store: Store):
    add_user(store, "pinned", "district_viewer", email="p@district.org", oidc_issuer=ISSUER)
    assert find_oidc_user(store, "https://other.example", "s1", "p@district.org") is None
    assert find_oidc_user(store, ISSUER, "s1", "p@district.org").username == "pinned"
    disable_user(store, "pinned")
    assert find_oidc_user(store, ISSUER, "s1", "p@district.org") is None
    add_user(store, "off", "district_viewer", email="off@district.org")
    disable_user(store, "off")
    assert find_oidc_user(store, ISSUER, "s2", "off@district.org") is None
    assert get_user(store, "off").oidc_subject is None  # not bound while disabled


def test_an_account_made_with_its_subject_matches_without_email(store: Store):
    add_user(store, "kim", "school_staff", oidc_issuer=ISSUER, oidc_subject="sub-7", schools=["1"])
    user = find_oidc_user(store, ISSUER, "sub-7", None)
    assert user.username == "kim" and user.school_ids == frozenset({"1"})
    with pytest.raises(UserError, match="needs its issuer"):
        add_user(store, "x", "district_viewer", oidc_subject="sub-8")
