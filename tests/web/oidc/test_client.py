"""The authorization-code flow against a real provider on 127.0.0.1: every check of the
provider's answer, each fault refused with its own message."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import socket
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from homeroom.web.oidc import (
    Identity,
    OIDCClient,
    OIDCError,
    OIDCSettings,
)
from web.oidc.support import CALLBACK, refused, settings_for, sign_in
from web.oidc_provider import Provider, running_provider


def test_begin_sends_pkce_state_and_nonce(client: OIDCClient, provider: Provider) -> None:
    url, pending = client.begin("/students?school=7")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{provider.issuer}/authorize"
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    digest = hashlib.sha256(pending.code_verifier.encode()).digest()
    assert query == {
        "response_type": "code",
        "client_id": "homeroom-test",
        "redirect_uri": CALLBACK,
        "scope": "openid email profile",
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": base64.urlsafe_b64encode(digest).rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    assert len(pending.code_verifier) == 64 and len(pending.state) == 43
    assert pending.state != pending.nonce
    assert pending.return_to == "/students?school=7"
    _, other = client.begin()
    assert (other.state, other.nonce, other.code_verifier) != (
        pending.state,
        pending.nonce,
        pending.code_verifier,
    )


def test_sign_in_returns_the_identity(client: OIDCClient, provider: Provider) -> None:
    identity = sign_in(client, provider)
    assert identity == Identity(
        issuer=provider.issuer,
        subject="sso-42",
        email="ada.lovelace@district.example",
        email_verified=True,
        name="Ada Lovelace",
    )
    assert identity.matching_email() == "ada.lovelace@district.example"
    assert identity.verified_email == "ada.lovelace@district.example"
    # client_secret_basic: the secret went in the header, the verifier in the form.
    assert "client_secret" not in provider.last_token_form
    assert provider.last_token_form["redirect_uri"] == CALLBACK
    assert len(provider.last_token_form["code_verifier"]) == 64
    assert provider.requests["userinfo"] == 0


def test_es256_and_client_secret_post() -> None:
    with running_provider(algorithm="ES256", auth_method="client_secret_post") as provider:
        provider.sign_in_as("es-1", email="grace@district.example", name="Grace Hopper")
        with OIDCClient(settings_for(provider)) as client:
            identity = sign_in(client, provider)
        assert (identity.subject, identity.email, identity.name) == (
            "es-1",
            "grace@district.example",
            "Grace Hopper",
        )
        assert provider.last_token_form["client_id"] == "homeroom-test"


def test_discovery_and_keys_are_cached(provider: Provider) -> None:
    now = [time.time()]
    with OIDCClient(settings_for(provider), clock=lambda: now[0]) as client:
        sign_in(client, provider)
        sign_in(client, provider)
        assert (provider.requests["discovery"], provider.requests["jwks"]) == (1, 1)
        now[0] += 3601  # past the hour: fetched again
        client.begin()
        assert provider.requests["discovery"] == 2


def test_provider_refusal_is_shown_plainly(client: OIDCClient, provider: Provider) -> None:
    provider.set_faults(deny=True)
    error = refused(client, provider)
    assert (error.reason, str(error)) == (
        "access_denied",
        "Sign-in was cancelled or refused at District SSO.",
    )
    assert provider.requests["token"] == 0


def test_unknown_provider_error_shows_only_a_cleaned_code(
    client: OIDCClient, provider: Provider
) -> None:
    _, pending = client.begin()
    params = {
        "state": pending.state,
        "error": "weird<script>alert(1)</script>",
        "error_description": "Call 555-0100 to unlock your account",
    }
    with pytest.raises(OIDCError) as caught:
        client.finish(pending, params)
    assert str(caught.value) == (
        "District SSO refused the sign-in (error weirdscriptalert1script). Ask your administrator."
    )


def test_state_must_match(client: OIDCClient, provider: Provider) -> None:
    url, pending = client.begin()
    params = provider.callback_params(url)
    for state in ({**params, "state": pending.state[:-1] + "x"}, {**params, "state": ""}):
        with pytest.raises(OIDCError, match="does not match the sign-in started") as caught:
            client.finish(pending, state)
        assert caught.value.reason == "state"
    no_state = {k: v for k, v in params.items() if k != "state"}
    with pytest.raises(OIDCError, match="does not match the sign-in started"):
        client.finish(pending, no_state)
    assert provider.requests["token"] == 0  # nothing exchanged for a forged answer
    # The genuine answer still works afterwards.
    assert client.finish(pending, params).subject == "sso-42"


def test_issuer_in_the_answer_must_match(client: OIDCClient, provider: Provider) -> None:
    url, pending = client.begin()
    params = provider.callback_params(url)
    assert params["iss"] == provider.issuer
    for changed in (
        {**params, "iss": "https://mix-up.example"},
        {k: v for k, v in params.items() if k != "iss"},
    ):
        with pytest.raises(OIDCError, match="provider") as caught:
            client.finish(pending, changed)
        assert caught.value.reason == "issuer"


def test_discovery_naming_another_issuer_is_refused(client: OIDCClient, provider: Provider) -> None:
    provider.set_faults(wrong_discovery_issuer=True)
    with pytest.raises(OIDCError, match="names a different issuer") as caught:
        client.begin()
    assert caught.value.reason == "discovery"


def test_stale_sign_in_is_refused(client: OIDCClient, provider: Provider) -> None:
    url, pending = client.begin()
    params = provider.callback_params(url)
    stale = dataclasses.replace(pending, created=pending.created - 601)
    with pytest.raises(OIDCError, match="took too long") as caught:
        client.finish(stale, params)
    assert caught.value.reason == "pending_expired"


def test_provider_checks_the_pkce_verifier(client: OIDCClient, provider: Provider) -> None:
    url, pending = client.begin()
    params = provider.callback_params(url)
    wrong = dataclasses.replace(pending, code_verifier="x" * 64)
    with pytest.raises(OIDCError, match="would not exchange the sign-in code") as caught:
        client.finish(wrong, params)
    assert caught.value.reason == "token"
    # The provider refused for the verifier itself (and burnt the code).
    response = httpx.post(
        f"{provider.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": provider.callback_params(client.begin()[0])["code"],
            "redirect_uri": CALLBACK,
            "code_verifier": "y" * 64,
        },
        auth=(provider.client_id, provider.client_secret),
    )
    assert response.status_code == 400
    assert response.json()["error_description"] == "PKCE verifier wrong"


def test_a_code_is_used_once(client: OIDCClient, provider: Provider) -> None:
    url, pending = client.begin()
    params = provider.callback_params(url)
    assert client.finish(pending, params).subject == "sso-42"
    with pytest.raises(OIDCError, match="used already or expired") as caught:
        client.finish(pending, params)
    assert caught.value.reason == "token"


def test_wrong_client_secret_is_named(provider: Provider) -> None:
    with OIDCClient(settings_for(provider, client_secret="wrong")) as client:
        error = refused(client, provider)
    assert error.reason == "client"
    assert "check client_id and the client secret" in str(error)
    assert "wrong" not in str(error)


def test_unreachable_provider(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = OIDCSettings(
        issuer=f"http://127.0.0.1:{port}",
        client_id="h",
        client_secret="s",
        redirect_uri=CALLBACK,
    )
    with OIDCClient(settings) as client, pytest.raises(OIDCError) as caught:
        client.begin()
    assert caught.value.reason == "unreachable"
    assert str(caught.value).startswith("Could not reach the sign-in provider at 127.0.0.1")


def test_email_from_userinfo_when_the_token_has_none(
    client: OIDCClient, provider: Provider
) -> None:
    provider.set_faults(email_only_in_userinfo=True)
    identity = sign_in(client, provider)
    assert (identity.email, identity.email_verified, identity.name) == (
        "ada.lovelace@district.example",
        True,
        "Ada Lovelace",
    )
    assert provider.requests["userinfo"] == 1


@pytest.mark.parametrize(
    ("email", "verified", "accepted"),
    [
        ("ada@district.example", True, True),
        ("ADA@District.Example", True, True),
        ("ada@district.example", False, False),
        ("ada@evil-district.example", True, False),
        ("ada@sub.district.example", True, False),
        (None, False, False),
    ],
)
def test_allowed_email_domains(
    provider: Provider, email: str | None, verified: bool, accepted: bool
) -> None:
    provider.sign_in_as("sso-9", email=email, email_verified=verified)
    settings = settings_for(provider, allowed_email_domains=("district.example",))
    with OIDCClient(settings) as client:
        if accepted:
            assert sign_in(client, provider).email == "ada@district.example"
        else:
            error = refused(client, provider)
            assert error.reason == "domain"
            assert "only verified email addresses of district.example" in str(error)
