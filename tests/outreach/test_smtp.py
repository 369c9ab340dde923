"""Email through a real SMTP server (aiosmtpd, run by the test): messages read back with their
subject, language, body, opt-out link and List-Unsubscribe header; STARTTLS with a self-signed
certificate and a password from the environment; refusals; the settings' rules."""

from __future__ import annotations

import datetime as dt
import email
import socket
import ssl
from collections.abc import Iterator
from email.message import Message
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from homeroom.outreach.optout import message_of
from homeroom.outreach.outbox import Outgoing, SendFailure
from homeroom.outreach.smtp import EmailSender, SmtpSettings, SmtpSettingsError, read_settings

SECRET = b"s" * 32
BASE = "https://homeroom.district.example"


class Inbox:
    """The aiosmtpd handler: keeps every message; refuses recipients at refused.example."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.logins: list[str] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: Any) -> str:  # fmt: skip
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     data: Any) -> AuthResult:  # fmt: skip
        ok = isinstance(data, LoginPassword) and data.password == b"pw-from-env"
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _self_signed(folder: Path) -> tuple[Path, Path]:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))  # fmt: skip
    return cert_path, key_path


@pytest.fixture(scope="module")
def plain() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def _outgoing(number: int, address: str, language: str = "en") -> Outgoing:
    subject = "Cada día cuenta" if language == "es" else "Every day counts"
    body = "Su hija faltó 4½ días." if language == "es" else "Your child missed 4½ days."
    return Outgoing(number, "email", "nudge", language, address, subject, body)


def _settings(port: int, security: str = "none", **more: Any) -> SmtpSettings:
    sender = "Attendance <attendance@district.example>"
    return SmtpSettings(host="127.0.0.1", port=port, security=security, from_address=sender,
                        **more)  # fmt: skip


def _body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def test_spanish_email_arrives_with_opt_out_link_and_header(plain: tuple[Inbox, int]) -> None:
    inbox, port = plain
    before = len(inbox.messages)
    EmailSender(_settings(port), secret=SECRET, base_url=BASE).send(
        _outgoing(17, "familia@example.org", "es"))  # fmt: skip
    [got] = inbox.messages[before:]
    assert got["Subject"] == "Cada día cuenta" and got["To"] == "familia@example.org"
    assert got["From"] == "Attendance <attendance@district.example>"
    assert got["Content-Language"] == "es"
    body = _body(got)
    assert body.startswith("Su hija faltó 4½ días.")
    [link] = [w for w in body.split() if w.startswith(BASE)]
    assert "Para dejar de recibir estos correos" in body
    assert link.startswith(f"{BASE}/opt-out/") and message_of(SECRET, link.rsplit("/", 1)[1]) == 17
    assert str(got["List-Unsubscribe"]).strip() == f"<{link}>"  # folded: a leading space
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_english_email_and_a_refused_mailbox(plain: tuple[Inbox, int]) -> None:
    inbox, port = plain
    sender = EmailSender(_settings(port), secret=SECRET, base_url=BASE)
    sender.send(_outgoing(3, "parent@example.org"))
    assert "To stop receiving these emails, open:" in _body(inbox.messages[-1])
    with pytest.raises(SendFailure) as refused:
        sender.send(_outgoing(4, "nobody@refused.example"))
    assert refused.value.permanent and "550" in str(refused.value)
    with pytest.raises(SendFailure, match="cannot be written") as unwritable:
        sender.send(_outgoing(6, "two\nlines@example.org"))  # never reaches the server
    assert unwritable.value.permanent


def test_an_unreachable_server_is_a_passing_failure() -> None:
    sender = EmailSender(_settings(_free_port()), secret=SECRET, base_url=BASE)
    with pytest.raises(SendFailure) as failure:
        sender.send(_outgoing(5, "parent@example.org"))
    assert not failure.value.permanent and "cannot reach 127.0.0.1" in str(failure.value)


def test_starttls_with_a_self_signed_certificate_and_login(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(),
                            tls_context=server_tls, require_starttls=True,
                            authenticator=inbox.authenticate)  # fmt: skip
    controller.start()
    try:
        settings = read_settings(
            {"host": "127.0.0.1", "port": controller.port, "security": "starttls",
             "username": "homeroom", "password_env": "SMTP_PW",
             "from_address": "attendance@district.example"},
            "homeroom.toml [outreach.smtp]", {"SMTP_PW": "pw-from-env"},
        )  # fmt: skip
        trusting = ssl.create_default_context(cafile=str(cert))
        EmailSender(settings, secret=SECRET, base_url=BASE, tls_context=trusting).send(
            _outgoing(8, "parent@example.org"))  # fmt: skip
        # Without trusting the certificate, nothing is sent.
        with pytest.raises(SendFailure):
            EmailSender(settings, secret=SECRET, base_url=BASE).send(_outgoing(9, "p@example.org"))
    finally:
        controller.stop()
    assert inbox.logins == ["homeroom"] and len(inbox.messages) == 1
    assert inbox.messages[0]["Subject"] == "Every day counts"


def test_settings_refuse_a_password_and_name_the_key() -> None:
    where = "w/homeroom.toml [outreach.smtp]"
    good = {"host": "smtp.example", "port": 587, "security": "starttls",
            "from_address": "a@district.example"}  # fmt: skip
    assert read_settings(good, where).password is None
    with pytest.raises(SmtpSettingsError, match=r"remove `password`.*password_env"):
        read_settings({**good, "password": "hunter2"}, where)
    with pytest.raises(SmtpSettingsError, match="security must be one of none, starttls, tls"):
        read_settings({**good, "security": "ssl"}, where)
    with pytest.raises(SmtpSettingsError, match="SMTP_PW is not set"):
        read_settings({**good, "password_env": "SMTP_PW"}, where, {})
    with pytest.raises(SmtpSettingsError, match="`host` is missing"):
        read_settings({k: v for k, v in good.items() if k != "host"}, where)
    shown = repr(read_settings({**good, "password_env": "P"}, where, {"P": "hunter2"}))
    assert "hunter2" not in shown
