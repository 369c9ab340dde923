"""API tokens: shown once, only their SHA-256 kept; a revoked token or a disabled account is
refused at once; issuing and revoking are audited, never with the token."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select, text

from casebook.people import OPS, entries, logged, staff
from casebook.support import START, Clock
from homeroom.casebook import Store, UnknownUser, UserError, disable_user, enable_user
from homeroom.casebook.partner_tables import ApiToken
from homeroom.casebook.tokens import issue_token, revoke_tokens, user_for_token


@pytest.fixture
def people(store: Store) -> Store:
    staff(store)
    return store


def _tokens(store: Store) -> list[ApiToken]:
    with store.session(write=False) as session:
        return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def test_a_token_is_shown_once_and_only_its_hash_is_kept(people: Store):
    token = issue_token(people, "Rivera", note="SIS sync", by=OPS)
    assert token.startswith("hr_") and len(token) == 3 + 43  # 32 random bytes, base64url
    assert issue_token(people, "rivera", by=OPS) != token
    first, second = _tokens(people)
    assert first.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert (first.note, second.note, first.created_at, first.revoked_at) == (
        "SIS sync", None, START, None,
    )  # fmt: skip
    # Nowhere in the database: not in any table's text, nor in the audit log.
    with people.engine.connect() as connection:
        tables = ["api_tokens", "audit_log", "users"]
        dumped = " ".join(
            str(row)
            for table in tables
            for row in connection.execute(text(f"SELECT * FROM {table}"))
        )
    assert token not in dumped and token[3:] not in dumped
    assert logged(people) == [("cli:ops", "api_token_issued", "user", "rivera")] * 2
    assert entries(people)[0].detail == {}


def test_the_token_acts_as_its_account(people: Store, clock: Clock):
    token = issue_token(people, "lee", by=OPS)
    user = user_for_token(people, token)
    assert (user.username, user.role, user.school_ids) == (
        "lee",
        "school_staff",
        frozenset({"0043"}),
    )
    assert _tokens(people)[0].last_used_at == START
    clock.advance(minutes=4)
    user_for_token(people, token)
    assert _tokens(people)[0].last_used_at == START  # written back at most every 5 minutes
    clock.advance(minutes=2)
    user_for_token(people, token)
    assert _tokens(people)[0].last_used_at == clock.now


@pytest.mark.parametrize(
    "token",
    ["", "hr_", "hr_not-a-token-we-made", "Bearer hr_x", "x" * 43, "hr_" + "a" * 300],
)
def test_anything_else_is_refused(people: Store, token: str):
    issue_token(people, "rivera", by=OPS)
    assert user_for_token(people, token) is None


def test_revoked_tokens_end_at_once_and_new_ones_work(people: Store, clock: Clock):
    first = issue_token(people, "rivera", by=OPS)
    second = issue_token(people, "rivera", by=OPS)
    theirs = issue_token(people, "kim", by=OPS)
    clock.advance(minutes=1)
    assert revoke_tokens(people, "rivera", by=OPS) == 2
    assert user_for_token(people, first) is None and user_for_token(people, second) is None
    assert user_for_token(people, theirs).username == "kim"
    assert revoke_tokens(people, "rivera", by=OPS) == 0
    assert [t.revoked_at for t in _tokens(people)] == [clock.now, clock.now, None]
    fresh = issue_token(people, "rivera", by=OPS)
    assert user_for_token(people, fresh).username == "rivera"
    revoked = entries(people, action="api_tokens_revoked")
    assert [(e.subject_id, e.detail) for e in revoked] == [
        ("rivera", {"tokens": 2}), ("rivera", {"tokens": 0}),
    ]  # fmt: skip


def test_a_disabled_account_gets_no_token_and_its_tokens_stop(people: Store):
    token = issue_token(people, "rivera", by=OPS)
    disable_user(people, "rivera", by=OPS)
    assert user_for_token(people, token) is None
    with pytest.raises(UserError, match="rivera is disabled; enable the account first"):
        issue_token(people, "rivera", by=OPS)
    with pytest.raises(UserError, match="gone is disabled"):
        issue_token(people, "gone", by=OPS)
    assert len(_tokens(people)) == 1
    enable_user(people, "rivera", by=OPS)
    assert user_for_token(people, token).username == "rivera"  # not revoked: back with the account


def test_unknown_accounts_are_refused(people: Store):
    for call in (issue_token, revoke_tokens):
        with pytest.raises(UnknownUser, match="no user named 'ghost'"):
            call(people, "ghost", by=OPS)
    assert logged(people) == []
