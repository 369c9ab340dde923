"""Single sign-on settings: homeroom.toml's [oidc] table, checked at start-up, plus one secret
read from the environment (never from the file)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from homeroom.warehouse.workspace import Workspace, WorkspaceError

DEFAULT_SCOPES = ("openid", "email", "profile")
DEFAULT_SECRET_ENV = "HOMEROOM_OIDC_SECRET"
DEFAULT_DISPLAY_NAME = "Sign in with single sign-on"
# Asymmetric algorithms only: "none" and HMAC (keyed with the client secret) are never accepted.
SUPPORTED_ALGORITHMS = ("RS256", "ES256")
DISCOVERY_PATH = "/.well-known/openid-configuration"

_SETTING_KEYS = {
    "issuer",
    "client_id",
    "client_secret_env",
    "redirect_uri",
    "scopes",
    "allowed_email_domains",
    "display_name",
}
_REQUIRED_KEYS = ("issuer", "client_id", "redirect_uri")


class OIDCSettingsError(WorkspaceError):
    """homeroom.toml's [oidc] table cannot be used; the message names the key to fix."""


@dataclass(frozen=True)
class OIDCSettings:
    """How Homeroom reaches the district's provider (homeroom.toml [oidc] plus one secret)."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    allowed_email_domains: tuple[str, ...] = ()  # empty: any domain
    display_name: str = DEFAULT_DISPLAY_NAME
    client_secret_env: str = DEFAULT_SECRET_ENV

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)


def oidc_settings(
    workspace: Workspace, environ: Mapping[str, str] | None = None
) -> OIDCSettings | None:
    """The workspace's single sign-on settings, or None when homeroom.toml has no [oidc] table.

    The client secret is read from the environment variable named by `client_secret_env`
    (HOMEROOM_OIDC_SECRET unless set), never from homeroom.toml, which is often shared or
    committed.
    """
    table = workspace.settings.get("oidc")
    if table is None:
        return None
    where = f"{workspace.config_path} [oidc]"
    _check_keys(table, where)
    issuer = table["issuer"].strip()
    _check_url(issuer, f"{where}: issuer", allow_query=False)
    redirect_uri = table["redirect_uri"].strip()
    _check_url(redirect_uri, f"{where}: redirect_uri", allow_query=True)
    secret_env, secret = _secret(table, where, os.environ if environ is None else environ)
    scopes = _words(table.get("scopes", " ".join(DEFAULT_SCOPES)), f"{where}: scopes")
    if "openid" not in scopes:
        raise OIDCSettingsError(
            f"{where}: scopes must include openid (e.g. 'openid email profile')"
        )
    domains = tuple(
        domain.lower().lstrip("@")
        for domain in _words(
            table.get("allowed_email_domains", []), f"{where}: allowed_email_domains"
        )
    )
    display_name = table.get("display_name", DEFAULT_DISPLAY_NAME)
    if not isinstance(display_name, str) or not display_name.strip():
        raise OIDCSettingsError(f"{where}: display_name must be a non-empty string")
    return OIDCSettings(
        issuer=issuer,
        client_id=table["client_id"].strip(),
        client_secret=secret,
        redirect_uri=redirect_uri,
        scopes=scopes,
        allowed_email_domains=domains,
        display_name=display_name.strip(),
        client_secret_env=secret_env,
    )


def _check_keys(table: object, where: str) -> None:
    """A table of the known keys, the required ones given, and no secret in the file."""
    if not isinstance(table, dict):
        raise OIDCSettingsError(f"{where}: must be a table of settings")
    if "client_secret" in table:
        raise OIDCSettingsError(
            f"{where}: remove client_secret; homeroom.toml must not hold the secret. Put it in "
            f"an environment variable and name that variable in client_secret_env "
            f"(default {DEFAULT_SECRET_ENV})"
        )
    unknown = sorted(set(table) - _SETTING_KEYS)
    if unknown:
        raise OIDCSettingsError(
            f"{where}: unknown key {', '.join(unknown)}; the keys are "
            f"{', '.join(sorted(_SETTING_KEYS))}"
        )
    for key in _REQUIRED_KEYS:
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise OIDCSettingsError(f"{where}: missing key {key} (a non-empty string)")


def _secret(table: dict[str, object], where: str, env: Mapping[str, str]) -> tuple[str, str]:
    """The name of the secret's environment variable, and the secret read from it."""
    secret_env = table.get("client_secret_env", DEFAULT_SECRET_ENV)
    if not isinstance(secret_env, str) or not secret_env.strip():
        raise OIDCSettingsError(f"{where}: client_secret_env must name an environment variable")
    secret = env.get(secret_env.strip(), "")
    if not secret:
        raise OIDCSettingsError(
            f"{where}: the client secret is missing: set the environment variable "
            f"{secret_env.strip()} (named by client_secret_env) to the secret the provider issued"
        )
    return secret_env.strip(), secret


def _words(value: object, where: str) -> tuple[str, ...]:
    """A space-separated string or a list of strings, as a tuple without repeats."""
    if isinstance(value, str):
        items = value.split()
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = [word for item in value for word in item.split()]
    else:
        raise OIDCSettingsError(f"{where} must be a string or a list of strings")
    return tuple(dict.fromkeys(items))


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: str, where: str, *, allow_query: bool) -> None:
    """https, or plain http only on this machine (a provider or app under test)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise OIDCSettingsError(f"{where} must be an absolute https:// address, not {url!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise OIDCSettingsError(f"{where} must use https:// (plain http only for localhost)")
    if parts.fragment or (parts.query and not allow_query):
        raise OIDCSettingsError(f"{where} must not have a query or #fragment")
