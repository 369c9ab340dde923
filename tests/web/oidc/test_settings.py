"""Single sign-on settings: homeroom.toml's [oidc], checked at start-up with a hint for each
mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeroom.warehouse import init_workspace, open_workspace
from homeroom.web.oidc import (
    OIDCSettings,
    OIDCSettingsError,
    oidc_settings,
)
from web.oidc.support import GOOD, workspace_with


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
