"""A small Ed-Fi ODS/API for tests: sign-in, paging, change versions, deletes and faults.

It speaks the parts of the ODS/API v5-7 that `homeroom pull edfi` uses, the way the real one does:

- `GET /api/` the root (discovery) document with `urls.dataManagementApi` and `urls.oauth`;
- `POST /api/oauth/token` client credentials (HTTP basic or form), tokens that expire;
- `GET /api/data/v3[/{year}]/ed-fi/{resource}` with `offset`, `limit` (at most 500, as the ODS
  refuses more), `totalCount=true` → `Total-Count` header, `minChangeVersion`/`maxChangeVersion`,
  `schoolYear` (matching a top-level `schoolYear` or one inside any `…Reference`);
- `GET …/{resource}/deletes` with the same change-version window;
- `GET /api/changeQueries/v1[/{year}]/availableChangeVersions`.

Every stored item carries a change version from one counter, bumped by each add, update and
delete. Faults are queued with `fail(kind, path=…, times=…, retry_after=…)`: `429`, `500`,
`503`, `drop` (close the connection without an answer), `truncate` (promise more bytes than
sent), `expire` (revoke every token so the request gets 401), `body` (answer 200 with the given
bytes), `redirect` (answer 302 to `location`).

It remembers each request's client port (`ports`: one port means one pooled connection) and the
Authorization header of each request that carried one (`authorizations`).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_LIMIT = 500


@dataclass
class Fault:
    kind: str
    path: str = ""
    times: int | None = 1  # None: every time
    retry_after: str | None = None
    body: bytes = b""  # for "body": a 200 answer with exactly these bytes
    location: str = ""  # for "redirect": where the 302 points


@dataclass
class Stored:
    change_version: int
    item: dict[str, Any]


@dataclass
class EdFiTestServer:
    key: str = "homeroom-test-key"
    secret: str = "s3cret-never-printed"
    token_lifetime: int = 1800
    resources: dict[str, dict[str, Stored]] = field(default_factory=dict)
    deleted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    change_version: int = 0
    faults: list[Fault] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    ports: set[int] = field(default_factory=set)
    authorizations: list[str] = field(default_factory=list)
    tokens_issued: int = 0
    change_queries: bool = True
    _tokens: dict[str, float] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _httpd: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # -- life cycle -----------------------------------------------------------------------------
    def start(self) -> EdFiTestServer:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> EdFiTestServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/api"

    @property
    def data_url(self) -> str:
        return self.root_url + "/data/v3"

    # -- data -----------------------------------------------------------------------------------
    def add(self, resource: str, items: list[dict[str, Any]]) -> list[str]:
        """Store items (an `id` is made when missing); returns their ids."""
        ids = []
        with self._lock:
            table = self.resources.setdefault(resource, {})
            for item in items:
                item = dict(item)
                item.setdefault("id", uuid.uuid4().hex)
                self.change_version += 1
                table[item["id"]] = Stored(self.change_version, item)
                ids.append(item["id"])
        return ids

    def load(self, resources: dict[str, list[dict[str, Any]]]) -> None:
        for name, items in resources.items():
            self.add(name, items)

    def update(self, resource: str, item_id: str, changes: dict[str, Any]) -> None:
        with self._lock:
            stored = self.resources[resource][item_id]
            self.change_version += 1
            self.resources[resource][item_id] = Stored(
                self.change_version, {**stored.item, **changes}
            )

    def delete(self, resource: str, item_id: str) -> None:
        with self._lock:
            stored = self.resources[resource].pop(item_id)
            self.change_version += 1
            keys = {k: v for k, v in stored.item.items() if k.endswith(("Reference", "Date", "Id"))}
            self.deleted.setdefault(resource, []).append(
                {"id": item_id, "changeVersion": self.change_version, "keyValues": keys}
            )

    def items(self, resource: str) -> list[dict[str, Any]]:
        with self._lock:
            return [s.item for s in self.resources.get(resource, {}).values()]

    # -- faults ---------------------------------------------------------------------------------
    def fail(
        self,
        kind: str,
        *,
        path: str = "",
        times: int | None = 1,
        retry_after: str | None = None,
        body: bytes = b"",
        location: str = "",
    ) -> None:
        with self._lock:
            self.faults.append(Fault(kind, path, times, retry_after, body, location))

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.path in path:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None

    def _issue_token(self) -> tuple[str, int]:
        with self._lock:
            token = secrets.token_hex(16)
            self._tokens[token] = time.monotonic() + self.token_lifetime
            self.tokens_issued += 1
            return token, self.token_lifetime

    def _token_ok(self, header: str | None) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        with self._lock:
            expires = self._tokens.get(header[len("Bearer ") :])
            return expires is not None and time.monotonic() < expires


class _Handler(BaseHTTPRequestHandler):
    owner: EdFiTestServer
    protocol_version = "HTTP/1.1"
    # An answer leaves in one write, as real servers send it: headers and body written apart on
    # a kept-alive connection would wait on Nagle and delayed ACKs (~40 ms a request).
    disable_nagle_algorithm = True
    wbufsize = 1 << 16

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass

    # -- plumbing -------------------------------------------------------------------------------
    def _remember(self) -> None:
        with self.owner._lock:
            self.owner.ports.add(self.client_address[1])
            if self.headers.get("Authorization"):
                self.owner.authorizations.append(self.headers["Authorization"])

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _fault(self, path: str) -> bool:
        """Play the next fault queued for this path; True when the request is answered."""
        fault = self.owner._take_fault(path)
        if fault is None:
            return False
        if fault.kind == "expire":
            self.owner.expire_tokens()
            return False
        if fault.kind == "drop":
            self.close_connection = True
            return True
        if fault.kind == "body":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(fault.body)))
            self.end_headers()
            self.wfile.write(fault.body)
            return True
        if fault.kind == "redirect":
            self._answer(302, None, {"Location": fault.location})
            return True
        if fault.kind == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'[{"id": "tor')
            self.close_connection = True
            return True
        status = int(fault.kind)
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        self._answer(status, {"message": "injected fault"}, headers)
        return True

    # -- routes ---------------------------------------------------------------------------------
    def do_POST(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode()) if length else {}
        self.owner.requests.append(("POST", parts.path))
        self._remember()
        if self._fault(parts.path):
            return
        if parts.path.rstrip("/") != "/api/oauth/token":
            self._answer(404, {"message": "not found"})
            return
        key, secret = _credentials(self.headers.get("Authorization"), form)
        if form.get("grant_type") != ["client_credentials"]:
            self._answer(400, {"error": "unsupported_grant_type"})
            return
        if key != self.owner.key or secret != self.owner.secret:
            self._answer(401, {"error": "invalid_client"})
            return
        token, lifetime = self.owner._issue_token()
        self._answer(200, {"access_token": token, "expires_in": lifetime, "token_type": "bearer"})

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        path = parts.path.rstrip("/")
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(parts.query).items()}
        self.owner.requests.append(("GET", self.path))
        self._remember()
        if self._fault(path):
            return
        if path == "/api":
            self._answer(200, self._root_document())
            return
        if not self.owner._token_ok(self.headers.get("Authorization")):
            self._answer(401, {"message": "Authorization denied. The access token is invalid."})
            return
        segments = path.split("/")[2:]  # after "/api"
        if segments[:2] == ["changeQueries", "v1"] and segments[-1] == "availableChangeVersions":
            if not self.owner.change_queries:
                self._answer(404, {"message": "not found"})
                return
            with self.owner._lock:
                newest = self.owner.change_version
            self._answer(200, {"oldestChangeVersion": 0, "newestChangeVersion": newest})
            return
        if segments[:2] != ["data", "v3"]:
            self._answer(404, {"message": "not found"})
            return
        rest = segments[2:]
        if rest and rest[0].isdigit():  # a school-year route context
            rest = rest[1:]
        deletes = bool(rest) and rest[-1] == "deletes"
        if deletes:
            rest = rest[:-1]
        if len(rest) != 2 or rest[0] != "ed-fi" or rest[1] not in self.owner.resources:
            self._answer(404, {"message": "The specified resource could not be found."})
            return
        self._resource(rest[1], deletes, query)

    def _root_document(self) -> dict[str, Any]:
        root = f"http://{self.headers.get('Host')}/api"
        return {
            "version": "7.1",
            "apiMode": "Sandbox",
            "dataModels": [{"name": "Ed-Fi", "version": "5.0.0"}],
            "urls": {
                "dependencies": f"{root}/metadata/data/v3/dependencies",
                "openApiMetadata": f"{root}/metadata/",
                "oauth": f"{root}/oauth/token",
                "dataManagementApi": f"{root}/data/v3/",
                "xsdMetadata": f"{root}/metadata/xsd",
            },
        }

    def _resource(self, resource: str, deletes: bool, query: dict[str, str]) -> None:
        try:
            offset = int(query.get("offset", 0))
            limit = int(query.get("limit", 25))
            low = int(query.get("minChangeVersion", 0))
            high = int(query.get("maxChangeVersion", 2**62))
        except ValueError:
            self._answer(400, {"message": "The request is invalid."})
            return
        if limit > MAX_LIMIT or limit < 0 or offset < 0:
            self._answer(400, {"message": f"Limit must be between 0 and {MAX_LIMIT}."})
            return
        year = query.get("schoolYear")
        with self.owner._lock:
            if deletes:
                rows = [
                    dict(d)
                    for d in self.owner.deleted.get(resource, [])
                    if low <= d["changeVersion"] <= high
                ]
            else:
                rows = [
                    {**s.item, "_etag": str(s.change_version)}
                    for s in self.owner.resources[resource].values()
                    if low <= s.change_version <= high
                    and (year is None or _school_year(s.item) == year)
                ]
        headers = {"Total-Count": str(len(rows))} if query.get("totalCount") == "true" else {}
        self._answer(200, rows[offset : offset + limit], headers)


def _credentials(header: str | None, form: dict[str, list[str]]) -> tuple[str, str]:
    if header and header.startswith("Basic "):
        try:
            key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return key, secret
        except ValueError:
            return "", ""
    return form.get("client_id", [""])[0], form.get("client_secret", [""])[0]


def _school_year(item: dict[str, Any]) -> str | None:
    if "schoolYear" in item:
        return str(item["schoolYear"])
    for name, value in item.items():
        if name.endswith("Reference") and isinstance(value, dict) and "schoolYear" in value:
            return str(value["schoolYear"])
    return None
