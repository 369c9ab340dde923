"""One HTTP request to an Ed-Fi API and what can go wrong with it: the retry policy, the
answer as JSON, and error messages that name the resource and the HTTP status but never a
secret or anything from a response body (which may hold student data).
"""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

USER_AGENT = "homeroom-edfi-pull"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class EdFiError(Exception):
    """The API could not be used: a refused sign-in, a refused request, or a server that kept
    failing. The message says which resource and what the API answered, never a secret."""

    exit_code = 2


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: `attempts` tries in all, waiting `base * factor**n` seconds (at most
    `cap`, give or take `jitter` of it) between them; Retry-After is honoured up to `cap`."""

    attempts: int = 6
    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.25
    timeout: float = 60.0  # seconds a single request may take

    def wait(self, failures: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the `failures`-th failed try (1 = the first)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.cap)
        delay = min(self.base * self.factor ** (failures - 1), self.cap)
        spread = delay * self.jitter
        return max(0.0, min(self.cap, delay + random.uniform(-spread, spread)))


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    data: Any  # the parsed JSON answer (None for an empty one)


class Retryable(Exception):
    """A failure worth another try (a torn or garbled answer)."""


def open_json(request: urllib.request.Request, timeout: float) -> Response:
    """One request's answer as JSON; Retryable when it came torn or garbled."""
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        body = answer.read()
        headers = {k.lower(): v for k, v in answer.headers.items()}
        length = int_or_none(headers.get("content-length"))
        if length is not None and len(body) < length:
            raise Retryable("the connection closed before the whole answer arrived")
        if not body.strip():
            return Response(answer.status, headers, None)
        try:
            data = json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            # A proxy may tear an answer; another try usually gets it whole.
            raise Retryable(f"the answer is not JSON ({exc.__class__.__name__})") from None
        return Response(answer.status, headers, data)


def refused_credentials(status: int, body: bytes) -> str:
    code = ""
    try:
        answer = json.loads(body.decode("utf-8", "replace"))
        if isinstance(answer, dict) and isinstance(answer.get("error"), str):
            # OAuth error codes are fixed words (invalid_client, unauthorized_client, ...).
            code = re.sub(r"[^a-z_]", "", answer["error"].lower())[:40]
    except (json.JSONDecodeError, ValueError):
        pass
    detail = f"{status}" + (f" {code}" if code else "")
    return (
        f"sign-in: the API refused the key and secret ({detail}); check --key and --secret "
        "(or HOMEROOM_EDFI_KEY and HOMEROOM_EDFI_SECRET)"
    )


def not_a_root(status: int, _body: bytes) -> str:
    reason = http.client.responses.get(status, "")
    return (
        f"the address given did not answer as an Ed-Fi API root ({status} {reason}); give the "
        "API root (https://host/api) or its data API (…/data/v3)"
    )


def hint(status: int, what: str) -> str:
    if status == 403:
        return "; the key is not allowed to read it (ask for its claim set to include it)"
    if status == 404:
        return "; this API does not offer it (check --url and the data standard version)"
    return ""


def retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def read_quietly(error: urllib.error.HTTPError) -> bytes:
    try:
        return error.read() or b""
    except (OSError, http.client.HTTPException):
        return b""
    finally:
        error.close()


def describe_connection_error(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    inner = reason if isinstance(reason, BaseException) else exc
    if isinstance(inner, TimeoutError):
        return "no answer in time"
    if isinstance(inner, ConnectionRefusedError):
        return "connection refused"
    if isinstance(inner, http.client.RemoteDisconnected | ConnectionResetError):
        return "the server closed the connection"
    if isinstance(inner, http.client.IncompleteRead):
        return "the connection closed before the whole answer arrived"
    if isinstance(reason, str):
        return reason
    return inner.__class__.__name__


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
