"""A small, real OpenID Connect provider for tests: discovery, /authorize, /token, /userinfo,
/jwks on 127.0.0.1 (random port), in a thread.

It signs in a configured user without any page (the /authorize answer is at once a redirect to
the client with a code), checks what a real provider checks (client credentials, single-use
codes, the redirect address, the PKCE verifier) and can be told to misbehave, so the relying
party's checks can be tested against real HTTP and real signatures:

    with running_provider() as provider:
        provider.sign_in_as("s-123", email="ada@district.example", name="Ada Lovelace")
        provider.set_faults(wrong_nonce=True)
        callback = provider.callback_url(authorization_url)  # where the browser goes next

`provider.issuer`, `provider.client_id`, `provider.client_secret` configure the client;
`provider.requests` counts requests per endpoint ("discovery", "jwks", "token", ...).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

CODE_SECONDS = 60


@dataclass
class SignedInUser:
    """The person the provider signs in at /authorize."""

    subject: str = "sso-user-1"
    email: str | None = "ada.lovelace@district.example"
    email_verified: bool = True
    name: str | None = "Ada Lovelace"


@dataclass
class Faults:
    """Ways to misbehave, for testing that the relying party refuses each one."""

    deny: bool = False  # /authorize answers error=access_denied
    wrong_nonce: bool = False
    expired: bool = False  # exp ten minutes ago
    issued_in_future: bool = False  # iat an hour from now
    wrong_audience: bool = False  # aud is another client
    extra_audience: str | None = None  # aud is [client_id, this]
    azp: str | None = None  # azp claim, when set
    no_nonce: bool = False
    wrong_issuer: bool = False  # iss in the ID token is another provider
    wrong_discovery_issuer: bool = False  # discovery names another issuer
    bad_signature: bool = False  # signed by a key that is not published, under the real kid
    unpublished_key: bool = False  # signed by a key under a kid the JWKS never lists
    hs256_with_secret: bool = False  # HS256 keyed with the client secret (a classic forgery)
    wrong_at_hash: bool = False  # at_hash of another access token
    email_only_in_userinfo: bool = False  # ID token without email; /userinfo has it
    userinfo_other_subject: bool = False  # /userinfo describes someone else


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    user: SignedInUser
    expires: float
    used: bool = False


@dataclass
class Provider:
    """A running provider; use `running_provider()` to get one."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    auth_method: str
    algorithm: str
    redirect_uris: set[str]
    user: SignedInUser = field(default_factory=SignedInUser)
    faults: Faults = field(default_factory=Faults)
    requests: Counter[str] = field(default_factory=Counter)
    last_token_form: dict[str, str] = field(default_factory=dict)
    _keys: list[RSAKey | ECKey] = field(default_factory=list, repr=False)
    _grants: dict[str, _Grant] = field(default_factory=dict, repr=False)
    _access: dict[str, SignedInUser] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- knobs --

    def sign_in_as(
        self,
        subject: str,
        *,
        email: str | None = None,
        email_verified: bool = True,
        name: str | None = None,
    ) -> None:
        """The user the next /authorize signs in."""
        self.user = SignedInUser(subject, email, email_verified, name)

    def set_faults(self, **faults: Any) -> None:
        """Replace the faults with these (names of `Faults` fields); no arguments: none."""
        names = {f.name for f in fields(Faults)}
        unknown = set(faults) - names
        if unknown:
            raise TypeError(f"unknown fault {sorted(unknown)}; the faults are {sorted(names)}")
        self.faults = Faults(**faults)

    def rotate_key(self, *, keep_old: bool = False) -> str:
        """Sign from now on with a new key under a new kid; returns the kid."""
        key = _new_key(self.algorithm)
        with self._lock:
            self._keys = [key, *self._keys] if keep_old else [key]
        return key.kid

    @property
    def kid(self) -> str:
        return self._keys[0].kid

    # -- helpers for tests that play the browser --

    def callback_url(self, authorization_url: str) -> str:
        """Follow the browser to /authorize; return the client address it is sent back to."""
        response = httpx.get(authorization_url, follow_redirects=False)
        if response.status_code != 302:
            raise AssertionError(f"/authorize answered {response.status_code}: {response.text}")
        return response.headers["location"]

    def callback_params(self, authorization_url: str) -> dict[str, str]:
        """The query parameters of `callback_url`."""
        return dict(parse_qsl(urlsplit(self.callback_url(authorization_url)).query))

    # -- the endpoints' work --

    def discovery(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": "https://other-provider.example"
            if self.faults.wrong_discovery_issuer
            else base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [self.algorithm],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": [self.auth_method],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code"],
            "authorization_response_iss_parameter_supported": True,
        }

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            keys = list(self._keys)
        return {"keys": [key.as_dict(private=False) for key in keys]}

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], str]:
        """(status, headers, body) for GET /authorize."""
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id:
            return 400, {}, "unknown client_id"
        if not self._redirect_allowed(redirect_uri):
            # Never redirect to an unregistered address (RFC 6749 4.1.2.1).
            return 400, {}, "redirect_uri is not registered"

        def back(**params: str) -> tuple[int, dict[str, str], str]:
            if "state" in query:
                params["state"] = query["state"]
            params["iss"] = self.issuer
            sep = "&" if urlsplit(redirect_uri).query else "?"
            return 302, {"Location": redirect_uri + sep + urlencode(params)}, ""

        if query.get("response_type") != "code":
            return back(error="unsupported_response_type")
        if "openid" not in query.get("scope", "").split():
            return back(error="invalid_scope")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return back(error="invalid_request")
        if self.faults.deny:
            return back(error="access_denied", error_description="The user said no")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = _Grant(
                client_id=self.client_id,
                redirect_uri=redirect_uri,
                code_challenge=query["code_challenge"],
                nonce=query.get("nonce"),
                user=self.user,
                expires=time.time() + CODE_SECONDS,
            )
        return back(code=code)

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        """(status, JSON body) for POST /token."""
        self.last_token_form = {k: v for k, v in form.items() if k != "client_secret"}
        client = self._client_from(form, authorization)
        if client is None:
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._grants.get(form.get("code", ""))
            if grant is None or grant.used or grant.expires < time.time():
                return 400, {"error": "invalid_grant", "error_description": "unknown code"}
            grant.used = True  # single use, even when the rest of the request is wrong
        if grant.client_id != client or grant.redirect_uri != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        verifier = form.get("code_verifier", "")
        challenge = _s256(verifier) if verifier else ""
        if not hmac.compare_digest(challenge, grant.code_challenge):
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier wrong"}
        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self._access[access_token] = grant.user
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self._id_token(grant, access_token),
        }

    def userinfo(self, authorization: str | None) -> tuple[int, dict[str, Any]]:
        token = (authorization or "").removeprefix("Bearer ")
        with self._lock:
            user = self._access.get(token)
        if user is None:
            return 401, {"error": "invalid_token"}
        info: dict[str, Any] = {"sub": user.subject}
        if self.faults.userinfo_other_subject:
            info["sub"] = "someone-else"
        if user.email is not None:
            info["email"] = user.email
            info["email_verified"] = user.email_verified
        if user.name is not None:
            info["name"] = user.name
        return 200, info

    def _redirect_allowed(self, uri: str) -> bool:
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            return False
        return not self.redirect_uris or uri in self.redirect_uris

    def _client_from(self, form: dict[str, str], authorization: str | None) -> str | None:
        """The authenticated client id, by the one method this provider was set up with."""
        if self.auth_method == "client_secret_basic":
            if not authorization or not authorization.startswith("Basic "):
                return None
            try:
                pair = base64.b64decode(authorization[6:]).decode()
            except ValueError:
                return None
            client_id, _, secret = pair.partition(":")
            client_id, secret = unquote_plus(client_id), unquote_plus(secret)
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if client_id == self.client_id and hmac.compare_digest(secret, self.client_secret):
            return client_id
        return None

    def _id_token(self, grant: _Grant, access_token: str) -> str:
        faults, user, now = self.faults, grant.user, int(time.time())
        claims: dict[str, Any] = {
            "iss": "https://other-provider.example" if faults.wrong_issuer else self.issuer,
            "sub": user.subject,
            "aud": "another-app" if faults.wrong_audience else grant.client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "at_hash": _at_hash("another" if faults.wrong_at_hash else access_token),
        }
        if faults.extra_audience:
            claims["aud"] = [claims["aud"], faults.extra_audience]
        if faults.azp is not None:
            claims["azp"] = faults.azp
        if faults.expired:
            claims["iat"], claims["exp"] = now - 900, now - 600
        if faults.issued_in_future:
            claims["iat"] = now + 3600
            claims["exp"] = now + 3900
        if not faults.no_nonce and grant.nonce is not None:
            claims["nonce"] = "not-the-nonce-sent" if faults.wrong_nonce else grant.nonce
        if not faults.email_only_in_userinfo:
            if user.email is not None:
                claims["email"] = user.email
                claims["email_verified"] = user.email_verified
            if user.name is not None:
                claims["name"] = user.name
        with self._lock:
            key = self._keys[0]
        header = {"alg": self.algorithm, "kid": key.kid, "typ": "JWT"}
        if faults.bad_signature:
            key = _new_key(self.algorithm)  # a key nobody published, under the published kid
        if faults.unpublished_key:
            key = _new_key(self.algorithm)
            header["kid"] = key.kid
        if faults.hs256_with_secret:
            header["alg"] = "HS256"
            secret = OctKey.import_key(self.client_secret.encode())
            return jwt.encode(header, claims, secret, algorithms=["HS256"])
        return jwt.encode(header, claims, key)


@contextmanager
def running_provider(
    *,
    client_id: str = "homeroom-test",
    client_secret: str = "s3cret with spaces & symbols",
    auth_method: str = "client_secret_basic",
    algorithm: str = "RS256",
    redirect_uris: Iterable[str] = (),
) -> Iterator[Provider]:
    """A provider serving on 127.0.0.1 until the block ends.

    `auth_method` is client_secret_basic or client_secret_post (the one it accepts);
    `algorithm` RS256 or ES256; `redirect_uris` the registered addresses (empty: any http(s)
    address, which suits tests that pick their own callback address).
    """
    if auth_method not in ("client_secret_basic", "client_secret_post"):
        raise ValueError(f"auth_method {auth_method!r}")
    if algorithm not in ("RS256", "ES256"):
        raise ValueError(f"algorithm {algorithm!r}")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    provider = Provider(
        issuer=f"http://127.0.0.1:{server.server_address[1]}",
        client_id=client_id,
        client_secret=client_secret,
        auth_method=auth_method,
        algorithm=algorithm,
        redirect_uris=set(redirect_uris),
    )
    provider.rotate_key()
    server.provider = provider  # type: ignore[attr-defined]
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="oidc-provider", daemon=True
    )
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def provider(self) -> Provider:
        return self.server.provider  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base class name
        pass  # keep test output quiet

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        provider = self.provider
        if parts.path == "/.well-known/openid-configuration":
            provider.requests["discovery"] += 1
            self._json(200, provider.discovery())
        elif parts.path == "/jwks":
            provider.requests["jwks"] += 1
            self._json(200, provider.jwks())
        elif parts.path == "/authorize":
            provider.requests["authorize"] += 1
            status, headers, body = provider.authorize(query)
            self._send(status, body.encode(), "text/plain; charset=utf-8", headers)
        elif parts.path == "/userinfo":
            provider.requests["userinfo"] += 1
            self._json(*provider.userinfo(self.headers.get("Authorization")))
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        if urlsplit(self.path).path != "/token":
            self._send(404, b"not found", "text/plain")
            return
        self.provider.requests["token"] += 1
        form = dict(parse_qsl(body, keep_blank_values=True))
        self._json(*self.provider.token(form, self.headers.get("Authorization")))

    def _json(self, status: int, body: dict[str, Any]) -> None:
        self._send(
            status, json.dumps(body).encode(), "application/json", {"Cache-Control": "no-store"}
        )

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _new_key(algorithm: str) -> RSAKey | ECKey:
    """A fresh signing key made with `cryptography`, as a JWK with a random kid."""
    kid = secrets.token_hex(8)
    params = {"kid": kid, "use": "sig", "alg": algorithm}
    if algorithm == "RS256":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return RSAKey.import_key(pem, params)
    private_ec = ec.generate_private_key(ec.SECP256R1())
    pem = private_ec.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return ECKey.import_key(pem, params)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")
