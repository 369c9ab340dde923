"""A real OpenID provider on 127.0.0.1 for each test, and a client of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from homeroom.web.oidc import (
    OIDCClient,
)
from web.oidc.support import CALLBACK, settings_for
from web.oidc_provider import Provider, running_provider


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider(redirect_uris=[CALLBACK]) as running:
        running.sign_in_as("sso-42", email="Ada.Lovelace@District.example", name="Ada Lovelace")
        yield running


@pytest.fixture
def client(provider: Provider) -> Iterator[OIDCClient]:
    with OIDCClient(settings_for(provider)) as oidc:
        yield oidc
