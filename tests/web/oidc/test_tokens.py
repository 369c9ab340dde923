"""The ID token's checks: signature, algorithm, key, issuer, audience, azp, lifetime, nonce;
key rotation."""

from __future__ import annotations

import pytest

from homeroom.web.oidc import (
    OIDCClient,
)
from web.oidc.support import refused, sign_in
from web.oidc_provider import Provider


@pytest.mark.parametrize(
    ("faults", "reason", "words"),
    [
        ({"wrong_nonce": True}, "nonce", "belongs to another sign-in"),
        ({"no_nonce": True}, "nonce", "belongs to another sign-in"),
        ({"expired": True}, "expired", "The sign-in token has expired"),
        ({"issued_in_future": True}, "issued_at", "issue time is too far"),
        ({"wrong_audience": True}, "audience", "issued for another application"),
        ({"extra_audience": "other-app"}, "azp", "issued to another application"),
        ({"extra_audience": "other-app", "azp": "other-app"}, "azp", "(azp)"),
        ({"azp": "other-app"}, "azp", "(azp)"),
        ({"wrong_issuer": True}, "issuer", "comes from an unexpected issuer"),
        ({"bad_signature": True}, "signature", "signature is not valid"),
        ({"unpublished_key": True}, "key", "a key the provider does not publish"),
        ({"hs256_with_secret": True}, "algorithm", "signed with HS256"),
        ({"wrong_at_hash": True}, "at_hash", "does not match the access token"),
        (
            {"userinfo_other_subject": True, "email_only_in_userinfo": True},
            "userinfo",
            "user details are for someone else",
        ),
    ],
)
def test_each_bad_token_is_refused(
    client: OIDCClient, provider: Provider, faults: dict, reason: str, words: str
) -> None:
    provider.set_faults(**faults)
    error = refused(client, provider)
    assert error.reason == reason
    assert words in str(error)


def test_several_audiences_with_azp_of_this_client_are_accepted(
    client: OIDCClient, provider: Provider
) -> None:
    provider.set_faults(extra_audience="reporting-app", azp="homeroom-test")
    assert sign_in(client, provider).subject == "sso-42"


def test_keys_are_fetched_again_once_when_the_provider_rotates(
    client: OIDCClient, provider: Provider
) -> None:
    first = provider.kid
    sign_in(client, provider)
    assert provider.requests["jwks"] == 1
    second = provider.rotate_key()
    assert second != first
    assert sign_in(client, provider).subject == "sso-42"
    assert provider.requests["jwks"] == 2  # one refresh for the new kid
    sign_in(client, provider)
    assert provider.requests["jwks"] == 2  # then cached again


def test_unknown_kid_refreshes_only_once(client: OIDCClient, provider: Provider) -> None:
    sign_in(client, provider)
    provider.set_faults(unpublished_key=True)
    refused(client, provider)
    assert provider.requests["jwks"] == 2
