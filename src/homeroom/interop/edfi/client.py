"""A client for a live Ed-Fi ODS/API (v5 to v7): sign-in, paging, change versions, retries.

One pooled `httpx.Client` carries every request of a pull (close it, or use the client as a
context manager). What it does, in the API's own terms:

- OAuth2 client credentials: POST `{oauth}` with the key and secret as HTTP basic auth and
  `grant_type=client_credentials`; the bearer token is refreshed before it expires and, once per
  request, when the API answers 401.
- Discovery: given the API root (`https://host/api`), GET it and follow `urls.dataManagementApi`
  and `urls.oauth`; given the data API itself (`https://host/api/data/v3`, with any route context
  such as a school year after it), derive the token and change-query URLs from it.
- Paging with `offset`/`limit` (500 by default) until a short page; `totalCount=true` on the first
  page gives the `Total-Count` header for progress.
- Change queries: `GET {root}/changeQueries/v1/availableChangeVersions`, then
  `minChangeVersion`/`maxChangeVersion` on each resource and on its `/deletes` endpoint.
- Redirects are never followed: they would carry the key and secret or the token to another
  host, so a 3xx answer fails at once, naming the redirect's scheme, host and port.
- Retries with exponential back-off, jitter and a cap on 429 (honouring Retry-After), 5xx and
  dropped connections; other 4xx fail at once. Messages name the resource and the HTTP status but
  never the key, the secret, the token or anything from a response body (which may hold student
  data).
"""

from __future__ import annotations

import base64
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import httpx

from homeroom.interop.edfi.transport import (
    EdFiError,
    Refused,
    Response,
    Retryable,
    RetryPolicy,
    describe_connection_error,
    int_or_none,
    new_session,
    not_a_root,
    open_json,
    redirected,
    refused_credentials,
    retry_after,
    unretryable,
)

__all__ = ["ChangeVersions", "EdFiClient", "EdFiError", "Endpoints", "Progress", "RetryPolicy"]

# Renew the token this many seconds before the API says it expires, so a page never starts with
# a token that dies in flight.
TOKEN_MARGIN_SECONDS = 30.0
DEFAULT_PAGE_SIZE = 500

Progress = Callable[[str, int, int | None], None]  # (resource, rows so far, total or None)
# HTTP status -> the message for it, for requests where that status means "stop" at once.
Refusals = Mapping[int, Callable[[int, bytes], str]]


@dataclass(frozen=True)
class Endpoints:
    """Where the API's parts live. `data` and `change_queries` end with a slash."""

    data: str
    oauth: str
    change_queries: str


@dataclass(frozen=True)
class ChangeVersions:
    oldest: int
    newest: int


@dataclass
class _Token:
    value: str
    expires_at: float


@dataclass
class EdFiClient:
    """One signed-in conversation with an Ed-Fi ODS/API.

    `url` is the API root or its data API (…/data/v3). `sleep` and `clock` are there so tests can
    run the back-off without waiting.
    """

    url: str
    key: str = field(repr=False)
    secret: str = field(repr=False)
    school_year: int | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    page_size: int = DEFAULT_PAGE_SIZE
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _endpoints: Endpoints | None = field(default=None, init=False, repr=False)
    _token: _Token | None = field(default=None, init=False, repr=False)
    _session: httpx.Client | None = field(default=None, init=False, repr=False)
    requests_made: int = field(default=0, init=False)
    retries: int = field(default=0, init=False)
    token_refreshes: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise EdFiError("--url must be the API's address, like https://host/api")
        if parts.username or parts.password:
            raise EdFiError("--url must not carry a user name or password; use --key and --secret")
        if not self.key or not self.secret:
            raise EdFiError("a key and a secret are needed (--key/--secret or HOMEROOM_EDFI_KEY/…)")
        self.url = urllib.parse.urlunsplit(parts._replace(query="", fragment="")).rstrip("/")

    # -- the connection pool --------------------------------------------------------------------
    @property
    def session(self) -> httpx.Client:
        """The one pooled HTTP client every request of this conversation goes through."""
        if self._session is None:
            self._session = new_session(self.policy.timeout)
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def __enter__(self) -> EdFiClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- discovery ------------------------------------------------------------------------------
    @property
    def endpoints(self) -> Endpoints:
        if self._endpoints is None:
            self._endpoints = self._discover()
        return self._endpoints

    def discover(self) -> Endpoints:
        """Find (once) where the data API, the token endpoint and the change queries live."""
        return self.endpoints

    def _discover(self) -> Endpoints:
        if _data_api_split(self.url) is not None:
            return _endpoints_from_data_url(self.url, None, None)
        not_root = {status: not_a_root for status in (400, 401, 403, 404, 405, 406)}
        document = self._send(
            "GET", self.url + "/", what="the API root", auth=False, refuse=not_root
        ).data
        urls = document.get("urls") if isinstance(document, dict) else None
        if not isinstance(urls, dict):
            urls = {}
        data = urls.get("dataManagementApi")
        if not isinstance(data, str) or not data:
            raise EdFiError(
                "the address given is not an Ed-Fi API root (its answer has no "
                "urls.dataManagementApi); give the API root or its data API (…/data/v3)"
            )
        data = self._fill_template(data, "urls.dataManagementApi")
        oauth = urls.get("oauth")
        oauth = self._fill_template(oauth, "urls.oauth") if isinstance(oauth, str) else None
        changes = urls.get("changeQueries")
        changes = self._fill_template(changes, "urls.changeQueries") if changes else None
        return _endpoints_from_data_url(data, oauth, changes)

    def _fill_template(self, url: str, name: str) -> str:
        """The root document may name route contexts like {schoolYear}; fill what we know."""
        if "{schoolYear}" in url and self.school_year is not None:
            url = url.replace("{schoolYear}", str(self.school_year))
        left = re.findall(r"\{[^}]*\}", url)
        if left:
            raise EdFiError(
                f"the API root's {name} needs {', '.join(left)} filled in; give the data API "
                "address itself as --url (…/data/v3/…)"
            )
        return url

    # -- sign-in --------------------------------------------------------------------------------
    def _bearer(self) -> str:
        if self._token is None or self.clock() >= self._token.expires_at:
            self._sign_in()
        assert self._token is not None
        return self._token.value

    def _sign_in(self) -> None:
        pair = f"{self.key}:{self.secret}".encode()
        headers = {
            "Authorization": "Basic " + base64.b64encode(pair).decode("ascii"),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        body = urllib.parse.urlencode({"grant_type": "client_credentials"}).encode()
        response = self._send(
            "POST",
            self.endpoints.oauth,
            what="sign-in",
            auth=False,
            data=body,
            headers=headers,
            refuse={400: refused_credentials, 401: refused_credentials},
        )
        answer = response.data
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise EdFiError("sign-in: the API's answer has no access_token")
        try:
            lifetime = float(answer.get("expires_in", 1800))
        except (TypeError, ValueError):
            lifetime = 1800.0
        margin = min(TOKEN_MARGIN_SECONDS, lifetime / 2)
        self._token = _Token(token, self.clock() + lifetime - margin)
        self.token_refreshes += 1

    # -- reading --------------------------------------------------------------------------------
    def available_change_versions(self) -> ChangeVersions | None:
        """The API's oldest and newest change versions; None when it has no change queries."""
        url = self.endpoints.change_queries + "availableChangeVersions"
        response = self._send("GET", url, what="availableChangeVersions", missing_ok=True)
        if response.status in (403, 404):
            return None
        answer = response.data
        # v5.x answers with PascalCase keys in some releases; match names case-insensitively.
        folded = {str(k).lower(): v for k, v in answer.items()} if isinstance(answer, dict) else {}
        try:
            return ChangeVersions(
                int(folded.get("oldestchangeversion", 0)), int(folded["newestchangeversion"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise EdFiError(
                "availableChangeVersions: the API's answer has no newestChangeVersion"
            ) from exc

    def resource_url(self, resource: str) -> str:
        """`students` → …/data/v3/ed-fi/students; `tpdm/candidates` keeps its namespace."""
        path = resource if "/" in resource else f"ed-fi/{resource}"
        return self.endpoints.data + path

    def read(
        self,
        resource: str,
        *,
        params: Mapping[str, str | int] | None = None,
        deletes: bool = False,
        progress: Progress | None = None,
        missing_ok: bool = False,
    ) -> list[dict] | None:
        """Every item of a resource (or of its /deletes), page by page.

        None when `missing_ok` and the API answers 403/404 for it (a resource the key may not
        read, or one this data standard lacks).
        """
        rows: list[dict] = []
        for page in self.pages(
            resource, params=params, deletes=deletes, progress=progress, missing_ok=missing_ok
        ):
            if page is None:
                return None
            rows.extend(page)
        return rows

    def pages(
        self,
        resource: str,
        *,
        params: Mapping[str, str | int] | None = None,
        deletes: bool = False,
        progress: Progress | None = None,
        missing_ok: bool = False,
    ) -> Iterator[list[dict] | None]:
        base = self.resource_url(resource) + ("/deletes" if deletes else "")
        what = resource + ("/deletes" if deletes else "")
        offset, seen, total = 0, 0, None
        previous: list[dict] = []
        while True:
            query: dict[str, str | int] = {**(params or {}), "offset": offset}
            query["limit"] = self.page_size
            if offset == 0:
                query["totalCount"] = "true"
            response = self._send(
                "GET",
                base + "?" + urllib.parse.urlencode(query),
                what=what,
                missing_ok=missing_ok,
            )
            if response.status in (403, 404):
                yield None
                return
            page = response.data
            if not isinstance(page, list) or not all(isinstance(item, dict) for item in page):
                raise EdFiError(f"{what}: the API's answer is not a list of items")
            if offset == 0:
                total = int_or_none(response.headers.get("total-count"))
            elif page and page == previous:
                # An API that ignores offset would hand the same page out forever.
                raise EdFiError(f"{what}: the API sent the same page twice (offset ignored?)")
            previous = page
            seen += len(page)
            if progress is not None:
                progress(what, seen, total)
            yield page
            if len(page) < self.page_size:
                return
            offset += self.page_size

    # -- one request, with retries --------------------------------------------------------------
    def _send(
        self,
        method: str,
        url: str,
        *,
        what: str,
        auth: bool = True,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        missing_ok: bool = False,
        refuse: Refusals | None = None,
    ) -> Response:
        started = self.clock()
        failures = 0
        refreshed = False
        while True:
            sent = dict(headers or {})
            if auth:
                sent["Authorization"] = "Bearer " + self._bearer()
            wait: float | None = None
            self.requests_made += 1
            try:
                return open_json(self.session, method, url, headers=sent, content=data)
            except Retryable as exc:
                last = str(exc)
            except Refused as exc:
                status = exc.status
                if 300 <= status < 400:
                    raise EdFiError(redirected(status, exc.headers.get("location"), what)) from None
                if refuse and status in refuse:
                    raise EdFiError(refuse[status](status, exc.body)) from None
                if status == 401 and auth and not refreshed:
                    # The token may have expired early or been revoked: sign in again, once.
                    refreshed = True
                    self._token = None
                    continue
                if missing_ok and status in (403, 404):
                    return Response(status, {}, None)
                last = unretryable(status, what, auth)
                wait = retry_after(exc.headers.get("retry-after"))
            except httpx.TransportError as exc:
                last = describe_connection_error(exc)
            failures += 1
            if failures >= self.policy.attempts:
                spent = self.clock() - started
                raise EdFiError(
                    f"{what}: gave up after {failures} tries in {spent:.0f} s; "
                    f"the last answer was: {last}"
                )
            self.retries += 1
            self.sleep(self.policy.wait(failures, wait))


# -- helpers ------------------------------------------------------------------------------------
def _data_api_split(url: str) -> tuple[str, str] | None:
    """(API root, route context after /data/v3) for a data API URL, else None."""
    path = urllib.parse.urlsplit(url).path
    match = re.search(r"/data/v3(?=/|$)", path, flags=re.IGNORECASE)
    if match is None:
        return None
    at = url.index(match.group(0), len(url) - len(path))
    root = url[:at]
    context = url[at + len(match.group(0)) :].strip("/")
    return root, context


def _endpoints_from_data_url(data: str, oauth: str | None, changes: str | None) -> Endpoints:
    data = data.rstrip("/")
    split = _data_api_split(data)
    if split is None:
        root, context = data.rsplit("/", 1)[0], ""
    else:
        root, context = split
    if changes is None:
        changes = f"{root}/changeQueries/v1" + (f"/{context}" if context else "")
    return Endpoints(
        data=data + "/",
        oauth=oauth or f"{root}/oauth/token",
        change_queries=changes.rstrip("/") + "/",
    )
