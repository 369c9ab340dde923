"""Single sign-on: settings, the authorization-code flow against a real provider on 127.0.0.1,
and every check of the provider's answer, each fault refused with its own message."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from homeroom.warehouse import init_workspace, open_workspace
from homeroom.warehouse.workspace import Workspace
from homeroom.web.oidc import (
    Identity,
    OIDCClient,
    OIDCError,
    OIDCSettings,
    OIDCSettingsError,
    PendingLogin,
    oidc_settings,
    safe_return_path,
)
from web.oidc_provider import Provider, running_provider

CALLBACK = "http://127.0.0.1:8000/auth/callback"


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider(redirect_uris=[CALLBACK]) as running:
        running.sign_in_as("sso-42", email="Ada.Lovelace@District.example", name="Ada Lovelace")
        yield running


def settings_for(provider: Provider, **changes: object) -> OIDCSettings:
    settings = OIDCSettings(
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        redirect_uri=CALLBACK,
        display_name="Sign in with District SSO",
    )
    return dataclasses.replace(settings, **changes)


@pytest.fixture
def client(provider: Provider) -> Iterator[OIDCClient]:
    with OIDCClient(settings_for(provider)) as oidc:
        yield oidc


def sign_in(client: OIDCClient, provider: Provider) -> Identity:
    url, pending = client.begin()
    return client.finish(pending, provider.callback_params(url))


def refused(client: OIDCClient, provider: Provider) -> OIDCError:
    url, pending = client.begin()
    params = provider.callback_params(url)
    with pytest.raises(OIDCError) as caught:
        client.finish(pending, params)
    message = str(caught.value)
    # Nothing secret in what the person signing in is shown.
    assert provider.client_secret not in message
    assert params.get("code", "no code") not in message
    assert pending.code_verifier not in message and pending.nonce not in message
    return caught.value


# -- settings -------------------------------------------------------------------------------


def workspace_with(tmp_path: Path, oidc: dict | None) -> Workspace:
    settings = {} if oidc is None else {"oidc": oidc}
    return Workspace(
        root=tmp_path,
        name="grand-bend",
        warehouse=tmp_path / "warehouse.duckdb",
        definition_name="default",
        settings=settings,
    )


GOOD = {
    "issuer": "https://login.district.example",
    "client_id": "homeroom",
    "redirect_uri": "https://homeroom.district.example/auth/callback",
}


def test_settings_from_homeroom_toml(tmp_path: Path) -> None:
    init_workspace(tmp_path / "ws")
    config = tmp_path / "ws" / "homeroom.toml"
    config.write_text(
        config.read_text() + "\n[oidc]\n"
        'issuer = "https://login.district.example/realms/staff"\n'
        'client_id = "homeroom"\n'
        'client_secret_env = "DISTRICT_SSO_SECRET"\n'
        'redirect_uri = "https://homeroom.district.example/auth/callback"\n'
        'scopes = "openid email"\n'
        'allowed_email_domains = ["District.example", "@staff.district.example"]\n'
        'display_name = "Sign in with District SSO"\n'
    )
    settings = oidc_settings(open_workspace(tmp_path / "ws"), {"DISTRICT_SSO_SECRET": "abc"})
    assert settings == OIDCSettings(
        issuer="https://login.district.example/realms/staff",
        client_id="homeroom",
        client_secret="abc",
        redirect_uri="https://homeroom.district.example/auth/callback",
        scopes=("openid", "email"),
        allowed_email_domains=("district.example", "staff.district.example"),
        display_name="Sign in with District SSO",
        client_secret_env="DISTRICT_SSO_SECRET",
    )
    assert "abc" not in repr(settings)


def test_settings_defaults_and_no_table(tmp_path: Path) -> None:
    assert oidc_settings(workspace_with(tmp_path, None), {}) is None
    settings = oidc_settings(workspace_with(tmp_path, GOOD), {"HOMEROOM_OIDC_SECRET": "x"})
    assert settings is not None
    assert settings.scope == "openid email profile"
    assert settings.client_secret_env == "HOMEROOM_OIDC_SECRET"
    assert settings.allowed_email_domains == ()
    assert settings.display_name == "Sign in with single sign-on"


@pytest.mark.parametrize(
    ("table", "environ", "words"),
    [
        ({**GOOD, "issuer": ""}, {"HOMEROOM_OIDC_SECRET": "x"}, "missing key issuer"),
        (
            {"issuer": GOOD["issuer"], "redirect_uri": GOOD["redirect_uri"]},
            {"HOMEROOM_OIDC_SECRET": "x"},
            "missing key client_id",
        ),
        (
            {"issuer": GOOD["issuer"], "client_id": "h"},
            {"HOMEROOM_OIDC_SECRET": "x"},
            "missing key redirect_uri",
        ),
        (GOOD, {}, "set the environment variable HOMEROOM_OIDC_SECRET"),
        (
            {**GOOD, "client_secret_env": "SSO_SECRET"},
            {"HOMEROOM_OIDC_SECRET": "x"},
            "set the environment variable SSO_SECRET",
        ),
        (
            {**GOOD, "client_secret": "in-the-file"},
            {"HOMEROOM_OIDC_SECRET": "x"},
            "remove client_secret",
        ),
        ({**GOOD, "clientid": "typo"}, {"HOMEROOM_OIDC_SECRET": "x"}, "unknown key clientid"),
        (
            {**GOOD, "issuer": "http://login.district.example"},
            {"HOMEROOM_OIDC_SECRET": "x"},
            "issuer must use https://",
        ),
        (
            {**GOOD, "redirect_uri": "/auth/callback"},
            {"HOMEROOM_OIDC_SECRET": "x"},
            "redirect_uri must be an absolute https:// address",
        ),
        (
            {**GOOD, "scopes": "email profile"},
            {"HOMEROOM_OIDC_SECRET": "x"},
            "scopes must include openid",
        ),
        (
            {**GOOD, "allowed_email_domains": 3},
            {"HOMEROOM_OIDC_SECRET": "x"},
            "allowed_email_domains must be a string or a list of strings",
        ),
    ],
)
def test_settings_errors_name_the_key(
    tmp_path: Path, table: dict, environ: dict, words: str
) -> None:
    with pytest.raises(OIDCSettingsError, match=words) as caught:
        oidc_settings(workspace_with(tmp_path, table), environ)
    assert "homeroom.toml [oidc]" in str(caught.value)
    assert "in-the-file" not in str(caught.value)


def test_plain_http_is_allowed_only_on_this_machine(tmp_path: Path) -> None:
    table = {**GOOD, "issuer": "http://127.0.0.1:9000", "redirect_uri": "http://localhost/cb"}
    settings = oidc_settings(workspace_with(tmp_path, table), {"HOMEROOM_OIDC_SECRET": "x"})
    assert settings is not None and settings.issuer == "http://127.0.0.1:9000"


# -- begin and the pending sign-in ----------------------------------------------------------


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


# -- the happy path -------------------------------------------------------------------------


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


# -- faults, each refused with its own message ----------------------------------------------


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


# -- PKCE, single-use codes and client credentials, checked by the provider ---------------


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


# -- keys rotate ----------------------------------------------------------------------------


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


# -- email: verified, from userinfo, domains ------------------------------------------------


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
