"""One sign-in in progress (`PendingLogin`) and its outcome (`Identity`)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from homeroom.web.oidc.errors import OIDCError, start_again


@dataclass(frozen=True)
class PendingLogin:
    """What `finish` needs from `begin`: keep it server-side or in a signed, short-lived,
    HttpOnly cookie bound to the browser that started the sign-in (never in the URL)."""

    state: str
    nonce: str
    code_verifier: str = field(repr=False)
    created: int  # seconds since the epoch
    return_to: str = "/"

    def dumps(self) -> str:
        """A short URL-safe string (about 300 characters)."""
        data = {
            "s": self.state,
            "n": self.nonce,
            "v": self.code_verifier,
            "t": self.created,
            "r": self.return_to,
        }
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    @classmethod
    def loads(cls, text: str) -> PendingLogin:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            data = json.loads(raw)
            pending = cls(
                state=data["s"],
                nonce=data["n"],
                code_verifier=data["v"],
                created=data["t"],
                return_to=safe_return_path(data["r"]),
            )
        except (ValueError, TypeError, KeyError, binascii.Error) as exc:
            raise start_again("the sign-in in progress could not be read", "pending") from exc
        if not all(
            isinstance(v, str) for v in (pending.state, pending.nonce, pending.code_verifier)
        ):
            raise start_again("the sign-in in progress could not be read", "pending")
        if not isinstance(pending.created, int):
            raise start_again("the sign-in in progress could not be read", "pending")
        return pending


def safe_return_path(path: object) -> str:
    """A path on this site to go back to after signing in; anything else becomes "/".

    Refusing absolute and scheme-relative addresses keeps the sign-in from becoming an open
    redirect to another site.
    """
    if not isinstance(path, str) or not path.startswith("/") or path.startswith(("//", "/\\")):
        return "/"
    if any(ord(ch) < 0x20 or ch == "\\" for ch in path):
        return "/"
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return "/"
    return path


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in. Homeroom matches it to a user; roles come from Homeroom."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None

    @property
    def verified_email(self) -> str | None:
        """The email when the provider verified it, else None: what to match a user by."""
        return self.email if self.email and self.email_verified else None

    def matching_email(self) -> str:
        """The email to match a not-yet-linked Homeroom user by; refused unless verified.

        An unverified address could be anyone's (some providers let users type it), so
        matching on it would let a stranger take over the account created for that address.
        """
        if not self.email:
            raise OIDCError(
                "Your sign-in provider did not send an email address, so Homeroom cannot find "
                "your account. Ask your administrator to request the email scope.",
                reason="no_email",
            )
        if not self.email_verified:
            raise OIDCError(
                "Your sign-in provider has not verified your email address, so Homeroom cannot "
                "use it to find your account. Ask your administrator.",
                reason="email_unverified",
            )
        return self.email


def identity_of(claims: dict[str, Any]) -> Identity:
    """The identity an ID token's (checked) claims describe."""
    email = claims.get("email")
    email = email.strip().lower() if isinstance(email, str) and "@" in email else None
    verified = claims.get("email_verified")
    # Some providers send the JSON string "true"; anything else is not a verification.
    verified = verified is True or (isinstance(verified, str) and verified.lower() == "true")
    name = claims.get("name")
    return Identity(
        issuer=claims["iss"],
        subject=claims["sub"],
        email=email,
        email_verified=bool(email) and verified,
        name=name if isinstance(name, str) and name.strip() else None,
    )
