"""Email through the district's own SMTP server: homeroom.toml's [outreach.smtp] table.

    [outreach.smtp]
    host = "smtp.district.example"
    port = 587
    security = "starttls"        # "none", "starttls" or "tls"
    username = "homeroom"        # optional
    password_env = "HOMEROOM_SMTP_PASSWORD"   # the NAME of the variable holding the password
    from_address = "Attendance team <attendance@district.example>"

The password is never written in homeroom.toml (often shared or committed): a `password` key
is refused. Every email carries an opt-out link in its text and a List-Unsubscribe header
(with one-click unsubscribe, RFC 8058), both to the web app's `/opt-out/{token}` page.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from typing import Any

from homeroom.outreach.optout import email_footer, link
from homeroom.outreach.outbox import Outgoing, SendFailure
from homeroom.warehouse.workspace import Workspace, WorkspaceError

SECURITY = ("none", "starttls", "tls")
KEYS = {"host", "port", "security", "username", "password_env", "from_address"}
TIMEOUT = 30.0  # seconds for the server to answer


class SmtpSettingsError(WorkspaceError):
    """homeroom.toml's [outreach.smtp] cannot be used; the message names the key to fix."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    from_address: str
    username: str | None = None
    password_env: str | None = None
    password: str | None = field(default=None, repr=False)


def smtp_settings(
    workspace: Workspace, environ: Mapping[str, str] | None = None
) -> SmtpSettings | None:
    """The workspace's SMTP settings, or None when homeroom.toml has no [outreach.smtp]."""
    table = workspace.settings.get("outreach", {}).get("smtp")
    if table is None:
        return None
    return read_settings(table, f"{workspace.config_path} [outreach.smtp]", environ)


def read_settings(
    table: Mapping[str, Any], where: str, environ: Mapping[str, str] | None = None
) -> SmtpSettings:
    if "password" in table:
        raise SmtpSettingsError(
            f"{where}: remove `password`: never write the password in homeroom.toml; set "
            "`password_env` to the NAME of an environment variable that holds it"
        )
    unknown = sorted(set(table) - KEYS)
    if unknown:
        keys = ", ".join(sorted(KEYS))
        raise SmtpSettingsError(f"{where}: unknown key {unknown[0]}; the keys are {keys}")
    for key in ("host", "port", "security", "from_address"):
        if key not in table:
            raise SmtpSettingsError(f"{where}: `{key}` is missing")
    port = table["port"]
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise SmtpSettingsError(f"{where}: port must be a number from 1 to 65535")
    security = str(table["security"]).lower()
    if security not in SECURITY:
        raise SmtpSettingsError(f"{where}: security must be one of {', '.join(SECURITY)}")
    if "@" not in parseaddr(str(table["from_address"]))[1]:
        raise SmtpSettingsError(f"{where}: from_address must be an email address")
    env_name = table.get("password_env")
    password = None
    if env_name:
        password = (os.environ if environ is None else environ).get(str(env_name))
        if not password:
            raise SmtpSettingsError(f"{where}: the environment variable {env_name} is not set")
    return SmtpSettings(
        host=str(table["host"]), port=port, security=security,
        from_address=str(table["from_address"]), username=table.get("username") or None,
        password_env=str(env_name) if env_name else None, password=password,
    )  # fmt: skip


class EmailSender:
    """Sends outbox emails through one SMTP server (a connection per message: simple and
    robust against servers that drop idle connections)."""

    channel = "email"

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        secret: bytes,
        base_url: str,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.secret = secret
        self.base_url = base_url
        self.tls_context = tls_context or ssl.create_default_context()

    def build(self, message: Outgoing) -> EmailMessage:
        url = link(self.base_url, self.secret, message.id)
        email = EmailMessage()
        email["From"] = self.settings.from_address
        email["To"] = Address(addr_spec=message.address)
        email["Subject"] = message.subject or ""
        email["Message-ID"] = make_msgid(domain=_domain(self.settings.from_address))
        email["List-Unsubscribe"] = f"<{url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email.set_content(f"{message.body.rstrip()}\n\n--\n{email_footer(message.language, url)}\n")
        email["Content-Language"] = message.language  # after set_content, which clears Content-*
        return email

    def send(self, message: Outgoing) -> None:
        try:
            email = self.build(message)
        except (ValueError, TypeError) as exc:  # an address no mail header can carry
            raise SendFailure("the address cannot be written in an email", permanent=True) from exc
        try:
            with self._connect() as server:
                if self.settings.username and self.settings.password:
                    server.login(self.settings.username, self.settings.password)
                server.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise SendFailure(f"the server refused the address ({codes[0]})",
                              permanent=all(code >= 500 for code in codes)) from exc  # fmt: skip
        except smtplib.SMTPResponseException as exc:
            # 5xx is for good, except a refused sign-in (535), which a fixed password mends.
            permanent = exc.smtp_code >= 500 and exc.smtp_code != 535
            raise SendFailure(f"the server answered {exc.smtp_code}", permanent=permanent) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SendFailure(f"cannot reach {self.settings.host}:{self.settings.port}: "
                              f"{type(exc).__name__}") from exc  # fmt: skip

    def _connect(self) -> smtplib.SMTP:
        host, port = self.settings.host, self.settings.port
        if self.settings.security == "tls":
            return smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=self.tls_context)
        server = smtplib.SMTP(host, port, timeout=TIMEOUT)
        if self.settings.security == "starttls":
            try:
                server.starttls(context=self.tls_context)
            except BaseException:
                server.close()
                raise
        return server


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "homeroom.invalid"
