"""Errors of a single sign-on, each a message the person signing in can read.

A message names the failed check and what to do, and never carries a token, code or secret.
"""

from __future__ import annotations

from urllib.parse import urlsplit


class OIDCError(Exception):
    """A sign-in that cannot go on. The message is safe to show to the person signing in.

    `reason` is a short fixed word (e.g. "state", "nonce", "audience") for logs and tests.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


PROVIDER_ERRORS = {
    "access_denied": "Sign-in was cancelled or refused at {name}.",
    "login_required": "{name} needs you to sign in first. Start again.",
    "interaction_required": "{name} needs you to finish signing in there. Start again.",
    "consent_required": "{name} needs your consent for Homeroom. Start again.",
    "temporarily_unavailable": "{name} is busy right now. Try again in a few minutes.",
    "server_error": "{name} had a problem. Try again in a few minutes.",
}


def provider_error(error: str, display_name: str) -> OIDCError:
    # The description in the answer is text from the URL, which a stranger can write: show only
    # known messages and a cleaned code, never the provider's free text.
    name = display_name.removeprefix("Sign in with ").strip() or "the sign-in provider"
    template = PROVIDER_ERRORS.get(error)
    if template is not None:
        return OIDCError(template.format(name=name), reason=error)
    return OIDCError(
        f"{name} refused the sign-in (error {safe_code(error)}). Ask your administrator.",
        reason="provider_error",
    )


def start_again(why: str, reason: str) -> OIDCError:
    return OIDCError(f"Sign-in failed: {why}. Start again from the sign-in page.", reason=reason)


def unverifiable(why: str, reason: str) -> OIDCError:
    return OIDCError(
        f"The sign-in token could not be trusted: {why}. Sign-in refused.", reason=reason
    )


def unreachable(issuer: str, what: str) -> OIDCError:
    host = urlsplit(issuer).hostname or "the sign-in provider"
    return OIDCError(
        f"Could not reach the sign-in provider at {host} ({what}). Try again later or ask your "
        "administrator.",
        reason="unreachable",
    )


def safe_code(value: object) -> str:
    text = value if isinstance(value, str) else "unknown"
    cleaned = "".join(ch for ch in text[:40] if ch.isalnum() or ch in "_-.")
    return cleaned or "unknown"
