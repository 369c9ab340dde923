"""What the single sign-on tests share: settings for the test provider, a sign-in, a refusal."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from homeroom.warehouse.workspace import Workspace
from homeroom.web.oidc import (
    Identity,
    OIDCClient,
    OIDCError,
    OIDCSettings,
)
from web.oidc_provider import Provider

CALLBACK = "http://127.0.0.1:8000/auth/callback"


def settings_for(provider: Provider, **changes: object) -> OIDCSettings:
    settings = OIDCSettings(
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        redirect_uri=CALLBACK,
        display_name="Sign in with District SSO",
    )
    return dataclasses.replace(settings, **changes)


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
