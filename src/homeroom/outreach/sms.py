"""Text messages through Twilio's Messages API: homeroom.toml's [outreach.sms] table.

    [outreach.sms]
    provider = "twilio"
    account_sid = "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    auth_token_env = "HOMEROOM_TWILIO_TOKEN"   # the NAME of the variable holding the token
    from_number = "+15551234567"
    base_url = "https://api.twilio.com"        # optional: a regional edge, or a test stub

A message is `POST {base_url}/2010-04-01/Accounts/{AccountSid}/Messages.json` with the form
fields To, From and Body, signed in with the account SID and auth token. A reply of STOP comes
back to the web app's `POST /sms/inbound` (the number's "A message comes in" webhook), whose
X-Twilio-Signature is checked before the opt-out is recorded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from homeroom.outreach.optout import STOP_WORDS, normalise_phone
from homeroom.outreach.outbox import Outgoing, SendFailure
from homeroom.warehouse.workspace import Workspace, WorkspaceError

PROVIDERS = ("twilio",)
KEYS = {"provider", "account_sid", "auth_token_env", "from_number", "base_url"}
DEFAULT_BASE_URL = "https://api.twilio.com"
# Twilio's error for a number that replied STOP to this sender: it is an opt-out, kept here too.
UNSUBSCRIBED = 21610
TIMEOUT = 20.0


class SmsSettingsError(WorkspaceError):
    """homeroom.toml's [outreach.sms] cannot be used; the message names the key to fix."""


@dataclass(frozen=True)
class SmsSettings:
    provider: str
    account_sid: str
    from_number: str
    auth_token_env: str
    auth_token: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL


def sms_settings(
    workspace: Workspace, environ: Mapping[str, str] | None = None
) -> SmsSettings | None:
    """The workspace's SMS settings, or None when homeroom.toml has no [outreach.sms]."""
    table = workspace.settings.get("outreach", {}).get("sms")
    if table is None:
        return None
    return read_settings(table, f"{workspace.config_path} [outreach.sms]", environ)


def read_settings(
    table: Mapping[str, Any], where: str, environ: Mapping[str, str] | None = None
) -> SmsSettings:
    if "auth_token" in table:
        raise SmsSettingsError(
            f"{where}: remove `auth_token`: never write the token in homeroom.toml; set "
            "`auth_token_env` to the NAME of an environment variable that holds it"
        )
    unknown = sorted(set(table) - KEYS)
    if unknown:
        keys = ", ".join(sorted(KEYS))
        raise SmsSettingsError(f"{where}: unknown key {unknown[0]}; the keys are {keys}")
    for key in ("provider", "account_sid", "auth_token_env", "from_number"):
        if not table.get(key):
            raise SmsSettingsError(f"{where}: `{key}` is missing")
    if table["provider"] not in PROVIDERS:
        raise SmsSettingsError(f"{where}: provider must be one of {', '.join(PROVIDERS)}")
    env_name = str(table["auth_token_env"])
    token = (os.environ if environ is None else environ).get(env_name)
    if not token:
        raise SmsSettingsError(f"{where}: the environment variable {env_name} is not set")
    base_url = str(table.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
    if not base_url.startswith(("https://", "http://")):
        raise SmsSettingsError(f"{where}: base_url must start with https://")
    return SmsSettings(
        provider=str(table["provider"]), account_sid=str(table["account_sid"]),
        from_number=normalise_phone(str(table["from_number"])), auth_token_env=env_name,
        auth_token=token, base_url=base_url,
    )  # fmt: skip


class TwilioSender:
    """Sends outbox texts with Twilio's Messages API."""

    channel = "sms"

    def __init__(self, settings: SmsSettings, *, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.Client(timeout=TIMEOUT)

    @property
    def url(self) -> str:
        sid = self.settings.account_sid
        return f"{self.settings.base_url}/2010-04-01/Accounts/{sid}/Messages.json"

    def send(self, message: Outgoing) -> None:
        form = {"To": message.address, "From": self.settings.from_number, "Body": message.body}
        auth = (self.settings.account_sid, self.settings.auth_token)
        try:
            response = self.client.post(self.url, data=form, auth=auth)
        except httpx.HTTPError as exc:
            raise SendFailure(f"cannot reach the SMS provider: {type(exc).__name__}") from exc
        if response.status_code < 300:
            return
        code = _error_code(response)
        reason = f"the SMS provider answered {response.status_code}" + (
            f" (error {code})" if code else ""
        )
        # Too many requests and the provider's own failures pass; other refusals do not.
        passing = response.status_code == 429 or response.status_code >= 500
        raise SendFailure(reason, permanent=not passing, opted_out=code == UNSUBSCRIBED)


def _error_code(response: httpx.Response) -> int | None:
    try:
        code = response.json().get("code")
    except ValueError:
        return None
    return code if isinstance(code, int) else None


def signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's X-Twilio-Signature: base64 HMAC-SHA1 of the URL and the sorted form fields."""
    payload = url + "".join(key + params[key] for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_ok(auth_token: str, url: str, params: Mapping[str, str], given: str) -> bool:
    return bool(given) and hmac.compare_digest(signature(auth_token, url, params), given)


def is_stop(body: str) -> bool:
    """A reply that asks for no more texts (the whole message is one of the STOP words)."""
    return body.strip().strip(".!").lower() in STOP_WORDS
