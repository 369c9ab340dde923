"""The sign-in in progress (kept in a cookie, back to a path on this site) and the identity
it ends in."""

from __future__ import annotations

import pytest

from homeroom.web.oidc import (
    OIDCClient,
    OIDCError,
    PendingLogin,
    safe_return_path,
)
from web.oidc.support import sign_in
from web.oidc_provider import Provider


def test_pending_login_round_trips_as_a_short_string(client: OIDCClient) -> None:
    _, pending = client.begin("/school/3")
    text = pending.dumps()
    assert len(text) < 400 and text.isascii() and "=" not in text
    assert PendingLogin.loads(text) == pending
    assert pending.code_verifier not in repr(pending)
    with pytest.raises(OIDCError, match="could not be read") as caught:
        PendingLogin.loads(text[:-20])
    assert caught.value.reason == "pending"


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("/students?tier=2", "/students?tier=2"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("students", "/"),
        ("/a\r\nSet-Cookie: x", "/"),
        (None, "/"),
    ],
)
def test_return_path_stays_on_this_site(path: object, kept: str) -> None:
    assert safe_return_path(path) == kept


def test_unverified_email_is_not_used_to_match(client: OIDCClient, provider: Provider) -> None:
    provider.sign_in_as("sso-7", email="boss@district.example", email_verified=False)
    identity = sign_in(client, provider)
    assert (identity.subject, identity.email, identity.email_verified) == (
        "sso-7",
        "boss@district.example",
        False,
    )
    assert identity.verified_email is None
    with pytest.raises(OIDCError, match="has not verified your email") as caught:
        identity.matching_email()
    assert caught.value.reason == "email_unverified"


def test_no_email_cannot_be_matched(client: OIDCClient, provider: Provider) -> None:
    provider.sign_in_as("sso-8", email=None, name=None)
    identity = sign_in(client, provider)
    assert (identity.email, identity.email_verified, identity.name) == (None, False, None)
    assert identity.verified_email is None
    with pytest.raises(OIDCError, match="did not send an email") as caught:
        identity.matching_email()
    assert caught.value.reason == "no_email"
