"""Opt-outs: the addresses that asked for no more messages, the signed links in emails, and
the line every text ends with.

An opt-out is kept per channel and normalised address (a lower-case email, a phone number in
E.164 form), so the same family reached through another student is not messaged either. The
link in an email names only the outbox message's number, signed with the workspace's web
secret: no address or student data travels in the URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from homeroom.casebook.casework import CaseworkError
from homeroom.casebook.outreach_tables import OptOut, OutboxMessage
from homeroom.casebook.store import Store

CHANNELS = ("email", "sms")
SOURCES = ("link", "stop_reply", "staff")
OPT_OUT_PATH = "/opt-out/"
# The words carriers and Twilio treat as an opt-out reply (case-insensitive, the whole message).
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout"})
# The last line of every text, in the message's language; English when a language has none.
STOP_LINES = {
    "en": "Reply STOP to opt out.",
    "es": "Responda STOP para no recibir más mensajes.",
}
EMAIL_FOOTERS = {
    "en": "To stop receiving these emails, open: {url}",
    "es": "Para dejar de recibir estos correos, abra: {url}",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def stop_line(language: str) -> str:
    return STOP_LINES.get(language, STOP_LINES["en"])


def email_footer(language: str, url: str) -> str:
    return EMAIL_FOOTERS.get(language, EMAIL_FOOTERS["en"]).format(url=url)


def normalise(channel: str, address: str) -> str:
    """The address as opt-outs store it; raises CaseworkError when it cannot be one."""
    if channel not in CHANNELS:
        raise CaseworkError(f"channel must be one of {', '.join(CHANNELS)}", "channel")
    text = str(address or "").strip()
    if channel == "email":
        if not _EMAIL.match(text):
            raise CaseworkError("this is not an email address", "address")
        return text.lower()
    return normalise_phone(text)


def normalise_phone(text: str) -> str:
    """E.164: '+' and digits. Ten digits without a country code are taken as North American,
    the country the district's contacts come from unless written with '+'."""
    digits = re.sub(r"\D", "", text)
    if text.strip().startswith("+"):
        number = "+" + digits
    elif len(digits) == 10:
        number = "+1" + digits
    elif len(digits) == 11 and digits.startswith("1"):
        number = "+" + digits
    else:
        number = "+" + digits
    if not 8 <= len(number) <= 16:
        raise CaseworkError("this is not a phone number", "address")
    return number


def is_opted_out(store: Store, channel: str, address: str) -> bool:
    with store.session(write=False) as session:
        return _opted_out(session, channel, address)


def _opted_out(session: Session, channel: str, address: str) -> bool:
    query = select(OptOut.id).where(OptOut.channel == channel, OptOut.address == address)
    return session.scalar(query) is not None


def opt_out(store: Store, channel: str, address: str, source: str) -> bool:
    """Record that ADDRESS wants no more messages on CHANNEL; queued messages to it are
    cancelled. True when this is new, False when it was already recorded."""
    if source not in SOURCES:
        raise CaseworkError(f"source must be one of {', '.join(SOURCES)}", "source")
    normal = normalise(channel, address)
    try:
        with store.session() as session:
            new = not _opted_out(session, channel, normal)
            if new:
                session.add(OptOut(channel=channel, address=normal, source=source,
                                   at=store.now()))  # fmt: skip
            _cancel_queued(session, channel, normal)
    except IntegrityError:  # recorded at the same moment by another request: it holds
        return False
    return new


def _cancel_queued(session: Session, channel: str, address: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.address == address,
            OutboxMessage.status == "queued",
        )
        .values(status="cancelled", last_error="opted out", next_attempt_at=None)
    )


def sign(secret: bytes, message_id: int) -> str:
    """The opt-out token of one outbox message: its number and a truncated HMAC-SHA256."""
    mac = hmac.new(secret, f"opt-out:{message_id}".encode(), hashlib.sha256).digest()[:16]
    return f"{message_id}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def message_of(secret: bytes, token: str) -> int | None:
    """The outbox message a token names, or None when the token is not one we signed."""
    number, _, _mac = token.partition(".")
    if not number.isdigit() or len(number) > 18:
        return None
    return int(number) if hmac.compare_digest(sign(secret, int(number)), token) else None


def opt_out_by_token(store: Store, secret: bytes, token: str) -> bool | None:
    """Follow an email's opt-out link: True newly recorded, False already, None a bad token."""
    message_id = message_of(secret, token)
    if message_id is None:
        return None
    with store.session(write=False) as session:
        row = session.get(OutboxMessage, message_id)
        if row is None:
            return None
        channel, address = row.channel, row.address
    return opt_out(store, channel, address, "link")


def link(base_url: str, secret: bytes, message_id: int) -> str:
    return base_url.rstrip("/") + OPT_OUT_PATH + sign(secret, message_id)
