"""Web sessions: only the token's hash is kept; idle and absolute time-outs; sign-out."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import text

from casebook.support import PASSPHRASE, START, Clock
from homeroom.casebook import (
    LoginFailed,
    Store,
    User,
    add_user,
    csrf_matches,
    disable_user,
    end_session,
    end_user_sessions,
    session_for,
    start_session,
)


@pytest.fixture
def kim(store: Store) -> User:
    return add_user(store, "kim", "school_staff", password=PASSPHRASE, schools=["0042"])


def _rows(store: Store) -> list[tuple]:
    with store.session(write=False) as session:
        return list(
            session.execute(
                text(
                    "SELECT token_sha256, csrf_token, created_at, last_seen_at, expires_at "
                    "FROM web_sessions ORDER BY created_at"
                )
            )
        )


def _last_seen(store: Store, token: str) -> dt.datetime:
    from homeroom.casebook.models import WebSession
    from homeroom.casebook.sessions import token_digest

    with store.session(write=False) as session:
        return session.get(WebSession, token_digest(token)).last_seen_at


def test_only_the_tokens_hash_is_stored(store: Store, kim: User):
    token, csrf = start_session(store, kim)
    assert len(token) == len(csrf) == 43  # 32 random bytes, URL-safe base64
    assert token != csrf
    [row] = _rows(store)
    assert row[0] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(row)
    user, csrf_back = session_for(store, token)
    assert user.username == "kim" and user.school_ids == frozenset({"0042"})
    assert csrf_back == csrf


def test_tokens_that_are_not_sessions_give_none(store: Store, kim: User):
    token, _ = start_session(store, kim)
    for wrong in (None, "", token[:-1], token + "x", "x" * 5000, hashlib.sha256(b"").hexdigest()):
        assert session_for(store, wrong) is None


def test_idle_for_thirty_minutes_ends_the_session(store: Store, clock: Clock, kim: User):
    token, _ = start_session(store, kim)
    clock.now = START + dt.timedelta(minutes=29, seconds=59)
    assert session_for(store, token) is not None  # and marks it seen now
    clock.now = START + dt.timedelta(minutes=59, seconds=58)
    assert session_for(store, token) is not None
    clock.now = START + dt.timedelta(minutes=89, seconds=58)  # 30:00 after the last request
    assert session_for(store, token) is None
    assert _rows(store) == []  # ended, not just refused
    clock.advance(seconds=1)
    assert session_for(store, token) is None


def test_last_seen_is_written_at_most_once_a_minute(store: Store, clock: Clock, kim: User):
    token, _ = start_session(store, kim)
    clock.advance(seconds=59)
    assert session_for(store, token) is not None
    assert _last_seen(store, token) == START
    clock.advance(seconds=1)
    assert session_for(store, token) is not None
    assert _last_seen(store, token) == START + dt.timedelta(minutes=1)


def test_twelve_hours_after_sign_in_the_session_ends_however_busy(
    store: Store, clock: Clock, kim: User
):
    token, _ = start_session(store, kim)
    [row] = _rows(store)
    while clock.now < START + dt.timedelta(hours=11, minutes=50):
        clock.advance(minutes=10)
        assert session_for(store, token) is not None
    clock.now = START + dt.timedelta(hours=11, minutes=59, seconds=59)
    assert session_for(store, token) is not None
    clock.now = START + dt.timedelta(hours=12)
    assert session_for(store, token) is None


def test_a_disabled_user_has_no_session(store: Store, kim: User):
    token, _ = start_session(store, kim)
    with store.session() as session:  # disabled behind the store's back: still refused
        session.execute(text("UPDATE users SET disabled = :yes"), {"yes": True})
    assert session_for(store, token) is None
    with pytest.raises(LoginFailed):
        start_session(store, kim)


def test_disable_user_ends_every_session_of_theirs_only(store: Store, kim: User):
    other = add_user(store, "lee", "district_viewer", password=PASSPHRASE)
    first, _ = start_session(store, kim)
    second, _ = start_session(store, kim)
    lees, _ = start_session(store, other)
    disable_user(store, "kim")
    assert session_for(store, first) is None and session_for(store, second) is None
    assert session_for(store, lees)[0].username == "lee"


def test_sign_out_ends_one_session(store: Store, kim: User):
    first, _ = start_session(store, kim)
    second, _ = start_session(store, kim)
    assert end_session(store, first) is True
    assert end_session(store, first) is False
    assert end_session(store, None) is False
    assert session_for(store, first) is None
    assert session_for(store, second) is not None
    third, _ = start_session(store, kim)
    assert end_user_sessions(store, kim) == 2
    assert session_for(store, third) is None
    assert end_user_sessions(store, "kim") == 0


def test_starting_a_session_clears_out_the_ones_that_ran_out(store: Store, clock: Clock, kim: User):
    old, _ = start_session(store, kim)
    clock.advance(minutes=31)
    fresh, _ = start_session(store, kim)
    assert len(_rows(store)) == 1
    assert session_for(store, fresh) is not None


def test_csrf_tokens_compare_exactly(store: Store, kim: User):
    _, csrf = start_session(store, kim)
    assert csrf_matches(csrf, csrf)
    assert not csrf_matches(csrf, csrf[:-1])
    assert not csrf_matches(csrf, "")
    assert not csrf_matches(csrf, None)
