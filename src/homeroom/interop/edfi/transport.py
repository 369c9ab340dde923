"""One HTTP request to an Ed-Fi API and what can go wrong with it: the retry policy, the
answer as JSON, and error messages that name the resource and the HTTP status but never a
secret or anything from a response body (which may hold student data).

Requests go through one pooled `httpx.Client` that follows no redirects: a redirect would carry
the key and secret (Basic) or the bearer token to wherever it points, so it is an error instead.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import re
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx

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


class Refused(Exception):
    """The API answered with a status other than 2xx."""

    def __init__(self, status: int, headers: httpx.Headers, body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.headers = headers
        self.body = body


def new_session(timeout: float) -> httpx.Client:
    """The one connection pool of a pull; redirects are never followed (see the docstring)."""
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        headers={"Accept": "application/json", "User-Agent": USER_AGENT},
    )


def open_json(
    session: httpx.Client,
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    content: bytes | None = None,
) -> Response:
    """One request's answer as JSON; Retryable when it came torn or garbled, Refused for a
    status other than 2xx (redirects included)."""
    answer = session.request(method, url, headers=headers, content=content)
    body = answer.content
    if not answer.is_success:
        raise Refused(answer.status_code, answer.headers, body)
    headers_seen = {k.lower(): v for k, v in answer.headers.items()}
    length = int_or_none(headers_seen.get("content-length"))
    if length is not None and len(body) < length:
        raise Retryable("the connection closed before the whole answer arrived")
    if not body.strip():
        return Response(answer.status_code, headers_seen, None)
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        # A proxy may tear an answer; another try usually gets it whole.
        raise Retryable(f"the answer is not JSON ({exc.__class__.__name__})") from None
    return Response(answer.status_code, headers_seen, data)


def redirected(status: int, location: str | None, what: str) -> str:
    """The message for a redirect: where it pointed (scheme, host and port only)."""
    reason = http.client.responses.get(status, "")
    target = urllib.parse.urlsplit(location or "")
    where = f"{target.scheme}://{target.netloc}" if target.netloc else "another address"
    return (
        f"{what}: the API answered {status} {reason}, a redirect to {where}; redirects are not "
        "followed, so the key, secret and token go only to the address given; give the address "
        "the API redirects to as --url"
    )


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


def describe_connection_error(exc: httpx.TransportError) -> str:
    """A failed request in words; never the exception's text, which may quote an address."""
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    causes: list[BaseException] = []
    inner: BaseException | None = exc
    while inner is not None and len(causes) < 10:
        causes.append(inner)
        inner = inner.__cause__ or inner.__context__
    if any(isinstance(c, ConnectionRefusedError) for c in causes) or (
        isinstance(exc, httpx.ConnectError) and "refused" in str(exc).lower()
    ):
        return "connection refused"
    if isinstance(exc, httpx.RemoteProtocolError) and "complete message body" in str(exc):
        return "the connection closed before the whole answer arrived"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "the server closed the connection"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    return exc.__class__.__name__


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def unretryable(status: int, what: str, auth: bool) -> str:
    """Raise for an HTTP error another try would not mend; else the status, in words."""
    reason = http.client.responses.get(status, "")
    if status == 401 and auth:
        raise EdFiError(
            f"{what}: the API refused a fresh token (401 {reason}); the key may "
            "not be allowed to read this resource"
        ) from None
    if status not in RETRY_STATUSES:
        raise EdFiError(
            f"{what}: the API answered {status} {reason}".rstrip() + hint(status, what)
        ) from None
    return f"{status} {reason}".rstrip()
