"""Sign-in through a district's single sign-on (OpenID Connect, authorization-code flow).

Homeroom is the relying party. The web app sends the browser to the district's provider with
`OIDCClient.begin()` and, when the browser comes back to the callback address, turns the answer
into an `Identity` with `OIDCClient.finish()`. Everything a forged or replayed answer could
change is checked here, in one place: the state (against cross-site login), PKCE (so a stolen
code is useless), the ID token's signature against the provider's published keys, its issuer,
audience, lifetime and nonce. The provider says who someone is, never what they may see:
Homeroom assigns roles itself, so the web app still looks the identity up among the users an
administrator created.

Every `OIDCError` message can be shown to the person signing in: it names the failed check and
what to do, and never carries a token, code or secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import httpx
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from homeroom.warehouse.workspace import Workspace, WorkspaceError

log = logging.getLogger(__name__)

DEFAULT_SCOPES = ("openid", "email", "profile")
DEFAULT_SECRET_ENV = "HOMEROOM_OIDC_SECRET"
DEFAULT_DISPLAY_NAME = "Sign in with single sign-on"
# Asymmetric algorithms only: "none" and HMAC (keyed with the client secret) are never accepted.
SUPPORTED_ALGORITHMS = ("RS256", "ES256")
DISCOVERY_PATH = "/.well-known/openid-configuration"

_SETTING_KEYS = {
    "issuer",
    "client_id",
    "client_secret_env",
    "redirect_uri",
    "scopes",
    "allowed_email_domains",
    "display_name",
}
_REQUIRED_KEYS = ("issuer", "client_id", "redirect_uri")


class OIDCError(Exception):
    """A sign-in that cannot go on. The message is safe to show to the person signing in.

    `reason` is a short fixed word (e.g. "state", "nonce", "audience") for logs and tests.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class OIDCSettingsError(WorkspaceError):
    """homeroom.toml's [oidc] table cannot be used; the message names the key to fix."""


# -- settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OIDCSettings:
    """How Homeroom reaches the district's provider (homeroom.toml [oidc] plus one secret)."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    allowed_email_domains: tuple[str, ...] = ()  # empty: any domain
    display_name: str = DEFAULT_DISPLAY_NAME
    client_secret_env: str = DEFAULT_SECRET_ENV

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)


def oidc_settings(
    workspace: Workspace, environ: Mapping[str, str] | None = None
) -> OIDCSettings | None:
    """The workspace's single sign-on settings, or None when homeroom.toml has no [oidc] table.

    The client secret is read from the environment variable named by `client_secret_env`
    (HOMEROOM_OIDC_SECRET unless set), never from homeroom.toml, which is often shared or
    committed.
    """
    table = workspace.settings.get("oidc")
    if table is None:
        return None
    where = f"{workspace.config_path} [oidc]"
    if not isinstance(table, dict):
        raise OIDCSettingsError(f"{where}: must be a table of settings")
    if "client_secret" in table:
        raise OIDCSettingsError(
            f"{where}: remove client_secret; homeroom.toml must not hold the secret. Put it in "
            f"an environment variable and name that variable in client_secret_env "
            f"(default {DEFAULT_SECRET_ENV})"
        )
    unknown = sorted(set(table) - _SETTING_KEYS)
    if unknown:
        raise OIDCSettingsError(
            f"{where}: unknown key {', '.join(unknown)}; the keys are "
            f"{', '.join(sorted(_SETTING_KEYS))}"
        )
    for key in _REQUIRED_KEYS:
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise OIDCSettingsError(f"{where}: missing key {key} (a non-empty string)")
    issuer = table["issuer"].strip()
    _check_url(issuer, f"{where}: issuer", allow_query=False)
    redirect_uri = table["redirect_uri"].strip()
    _check_url(redirect_uri, f"{where}: redirect_uri", allow_query=True)

    secret_env = table.get("client_secret_env", DEFAULT_SECRET_ENV)
    if not isinstance(secret_env, str) or not secret_env.strip():
        raise OIDCSettingsError(f"{where}: client_secret_env must name an environment variable")
    env = os.environ if environ is None else environ
    secret = env.get(secret_env.strip(), "")
    if not secret:
        raise OIDCSettingsError(
            f"{where}: the client secret is missing: set the environment variable "
            f"{secret_env.strip()} (named by client_secret_env) to the secret the provider issued"
        )

    scopes = _words(table.get("scopes", " ".join(DEFAULT_SCOPES)), f"{where}: scopes")
    if "openid" not in scopes:
        raise OIDCSettingsError(
            f"{where}: scopes must include openid (e.g. 'openid email profile')"
        )
    domains = tuple(
        domain.lower().lstrip("@")
        for domain in _words(
            table.get("allowed_email_domains", []), f"{where}: allowed_email_domains"
        )
    )
    display_name = table.get("display_name", DEFAULT_DISPLAY_NAME)
    if not isinstance(display_name, str) or not display_name.strip():
        raise OIDCSettingsError(f"{where}: display_name must be a non-empty string")
    return OIDCSettings(
        issuer=issuer,
        client_id=table["client_id"].strip(),
        client_secret=secret,
        redirect_uri=redirect_uri,
        scopes=scopes,
        allowed_email_domains=domains,
        display_name=display_name.strip(),
        client_secret_env=secret_env.strip(),
    )


def _words(value: object, where: str) -> tuple[str, ...]:
    """A space-separated string or a list of strings, as a tuple without repeats."""
    if isinstance(value, str):
        items = value.split()
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = [word for item in value for word in item.split()]
    else:
        raise OIDCSettingsError(f"{where} must be a string or a list of strings")
    return tuple(dict.fromkeys(items))


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: str, where: str, *, allow_query: bool) -> None:
    """https, or plain http only on this machine (a provider or app under test)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise OIDCSettingsError(f"{where} must be an absolute https:// address, not {url!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise OIDCSettingsError(f"{where} must use https:// (plain http only for localhost)")
    if parts.fragment or (parts.query and not allow_query):
        raise OIDCSettingsError(f"{where} must not have a query or #fragment")


# -- one sign-in in progress ----------------------------------------------------------------


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
            raise _start_again("the sign-in in progress could not be read", "pending") from exc
        if not all(
            isinstance(v, str) for v in (pending.state, pending.nonce, pending.code_verifier)
        ):
            raise _start_again("the sign-in in progress could not be read", "pending")
        if not isinstance(pending.created, int):
            raise _start_again("the sign-in in progress could not be read", "pending")
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


# -- the client -----------------------------------------------------------------------------


@dataclass
class _Cached:
    value: Any
    fetched: float


class OIDCClient:
    """The relying party for one provider. One per app; safe to share between threads.

    Discovery and the provider's keys (JWKS) are cached for `cache_seconds`; the keys are
    fetched again once when a token names a key id not in the cache (the provider rotated).
    """

    def __init__(
        self,
        settings: OIDCSettings,
        http: httpx.Client | None = None,
        *,
        clock: Callable[[], float] = time.time,
        cache_seconds: float = 3600.0,
        leeway_seconds: int = 60,
        login_max_age_seconds: int = 600,
    ) -> None:
        self.settings = settings
        self._own_http = http is None
        self._http = http or httpx.Client(timeout=10.0, follow_redirects=False)
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._leeway = leeway_seconds
        self._login_max_age = login_max_age_seconds
        self._lock = threading.Lock()
        self._discovery: _Cached | None = None
        self._jwks: _Cached | None = None

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> OIDCClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- discovery and keys --

    def discovery(self) -> dict[str, Any]:
        """The provider's configuration (cached); checked before anything is sent to it."""
        with self._lock:
            cached = self._discovery
        if cached is not None and self._clock() - cached.fetched < self._cache_seconds:
            return cached.value
        url = self.settings.issuer.rstrip("/") + DISCOVERY_PATH
        doc = self._get_json(url, "discovery")
        self._check_discovery(doc)
        with self._lock:
            self._discovery = _Cached(doc, self._clock())
            if cached is not None and cached.value.get("jwks_uri") != doc.get("jwks_uri"):
                self._jwks = None
        return doc

    def _check_discovery(self, doc: dict[str, Any]) -> None:
        if doc.get("issuer") != self.settings.issuer:
            # OpenID Connect Discovery 4.3: the document must name exactly the issuer asked for.
            raise OIDCError(
                "The sign-in provider's configuration names a different issuer than Homeroom's "
                "settings. Ask your administrator to check the issuer in homeroom.toml.",
                reason="discovery",
            )
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = doc.get(key)
            if not isinstance(value, str) or not self._endpoint_ok(value):
                raise OIDCError(
                    f"The sign-in provider's configuration has no usable {key}. "
                    "Ask your administrator.",
                    reason="discovery",
                )
        userinfo = doc.get("userinfo_endpoint")
        if userinfo is not None and not (isinstance(userinfo, str) and self._endpoint_ok(userinfo)):
            raise OIDCError(
                "The sign-in provider's configuration has an unusable userinfo_endpoint. "
                "Ask your administrator.",
                reason="discovery",
            )
        if "code" not in doc.get("response_types_supported", ["code"]):
            raise OIDCError(
                "The sign-in provider does not offer the authorization-code flow Homeroom uses.",
                reason="discovery",
            )

    def _endpoint_ok(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname:
            return True
        return parts.scheme == "http" and _is_loopback(parts.hostname)

    def _keys(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            cached = self._jwks
        fresh = cached is not None and self._clock() - cached.fetched < self._cache_seconds
        if fresh and not refresh:
            return cached.value
        doc = self._get_json(self.discovery()["jwks_uri"], "keys")
        try:
            # Only signing keys; a key marked for encryption must not verify a signature.
            usable = [
                key
                for key in doc.get("keys", [])
                if isinstance(key, dict) and key.get("use", "sig") == "sig"
            ]
            keys = KeySet.import_key_set({"keys": usable})
        except (JoseError, ValueError, TypeError, AttributeError) as exc:
            raise OIDCError(
                "The sign-in provider's published keys could not be read. Try again later or "
                "ask your administrator.",
                reason="keys",
            ) from exc
        with self._lock:
            self._jwks = _Cached(keys, self._clock())
        return keys

    # -- the flow --

    def begin(self, return_to: str = "/") -> tuple[str, PendingLogin]:
        """The provider address to send the browser to, and what to keep until it comes back."""
        doc = self.discovery()
        pending = PendingLogin(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(48),  # 64 characters (RFC 7636: 43-128)
            created=int(self._clock()),
            return_to=safe_return_path(return_to),
        )
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": self.settings.redirect_uri,
            "scope": self.settings.scope,
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": _s256(pending.code_verifier),
            "code_challenge_method": "S256",
        }
        return _add_query(doc["authorization_endpoint"], query), pending

    def finish(self, pending: PendingLogin, params: Mapping[str, str]) -> Identity:
        """Check the provider's answer (the callback's query parameters) and say who signed in."""
        given_state = params.get("state") or ""
        if not hmac.compare_digest(given_state.encode(), pending.state.encode()):
            raise _start_again(
                "this sign-in answer does not match the sign-in started in this browser", "state"
            )
        if "error" in params:
            raise _provider_error(params["error"], self.settings.display_name)
        if self._clock() - pending.created > self._login_max_age:
            raise _start_again("the sign-in took too long", "pending_expired")
        doc = self.discovery()
        # RFC 9207: the issuer in the answer guards against a mix-up with another provider.
        iss = params.get("iss")
        if iss is not None and iss != self.settings.issuer:
            raise OIDCError(
                "The sign-in answer came from a different provider than expected; sign-in refused.",
                reason="issuer",
            )
        if iss is None and doc.get("authorization_response_iss_parameter_supported") is True:
            raise OIDCError(
                "The sign-in answer does not say which provider sent it; sign-in refused.",
                reason="issuer",
            )
        code = params.get("code")
        if not code:
            raise _start_again("the sign-in answer has no authorization code", "code")

        tokens = self._exchange(doc, code, pending)
        claims = self._verify_id_token(doc, tokens["id_token"], pending, tokens.get("access_token"))
        if "email" not in claims and isinstance(tokens.get("access_token"), str):
            claims = self._with_userinfo(doc, claims, tokens["access_token"])
        identity = _identity(claims)
        self._check_domain(identity)
        return identity

    # -- steps of finish --

    def _exchange(self, doc: dict[str, Any], code: str, pending: PendingLogin) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.settings.redirect_uri,
            "code_verifier": pending.code_verifier,
        }
        headers = {"Accept": "application/json"}
        methods = doc.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
        if "client_secret_basic" in methods:
            # RFC 6749 2.3.1: both parts form-encoded before Basic encoding.
            pair = f"{_form(self.settings.client_id)}:{_form(self.settings.client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        elif "client_secret_post" in methods:
            form["client_id"] = self.settings.client_id
            form["client_secret"] = self.settings.client_secret
        else:
            raise OIDCError(
                "The sign-in provider offers no client authentication Homeroom supports "
                "(client_secret_basic or client_secret_post). Ask your administrator.",
                reason="discovery",
            )
        try:
            response = self._http.post(doc["token_endpoint"], data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise _unreachable(self.settings.issuer, "token") from exc
        body = _json_or_none(response)
        if response.status_code != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            log.warning(
                "OIDC token endpoint refused the code: status %s, error %s",
                response.status_code,
                _safe_code(error),
            )
            if error == "invalid_client" or response.status_code == 401:
                raise OIDCError(
                    "The sign-in provider did not accept Homeroom's client credentials. Ask "
                    "your administrator to check client_id and the client secret.",
                    reason="client",
                )
            raise _start_again(
                "the sign-in provider would not exchange the sign-in code (it may have been "
                "used already or expired)",
                "token",
            )
        if not isinstance(body.get("id_token"), str):
            raise OIDCError(
                "The sign-in provider sent no ID token; check that the openid scope is allowed "
                "for this client.",
                reason="token",
            )
        token_type = body.get("token_type")
        if "access_token" in body and (
            not isinstance(token_type, str) or token_type.lower() != "bearer"
        ):
            raise OIDCError(
                "The sign-in provider sent a token of a kind Homeroom does not use.",
                reason="token",
            )
        return body

    def _verify_id_token(
        self,
        doc: dict[str, Any],
        id_token: str,
        pending: PendingLogin,
        access_token: object,
    ) -> dict[str, Any]:
        try:
            header = jws.extract_compact(id_token.encode("ascii")).headers()
        except (JoseError, ValueError, UnicodeError) as exc:
            raise _unverifiable("it is not a signed token", "signature") from exc
        alg = header.get("alg")
        advertised = doc.get("id_token_signing_alg_values_supported", list(SUPPORTED_ALGORITHMS))
        if alg not in SUPPORTED_ALGORITHMS or alg not in advertised:
            raise _unverifiable(f"it is signed with {_safe_code(alg)}", "algorithm")
        key = self._key_for(header.get("kid"), alg)
        try:
            token = jwt.decode(id_token, key, algorithms=[alg])
        except JoseError as exc:
            raise OIDCError(
                "The sign-in token's signature is not valid; sign-in refused.",
                reason="signature",
            ) from exc
        claims = dict(token.claims)
        self._check_claims(claims, pending)
        at_hash = claims.get("at_hash")
        if at_hash is not None and isinstance(access_token, str):
            digest = hashlib.sha256(access_token.encode()).digest()
            expected = base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
            if not isinstance(at_hash, str) or not hmac.compare_digest(at_hash, expected):
                raise _unverifiable("it does not match the access token", "at_hash")
        return claims

    def _key_for(self, kid: object, alg: str) -> RSAKey | ECKey:
        wanted = RSAKey if alg == "RS256" else ECKey
        for refresh in (False, True):
            keys = self._keys(refresh=refresh)
            candidates = [
                key
                for key in keys.keys
                if isinstance(key, wanted)
                and (kid is None or key.kid == kid)
                and key.get("alg", alg) == alg
            ]
            if alg == "ES256":
                candidates = [key for key in candidates if key.curve_name == "P-256"]
            if kid is None and len(candidates) > 1:
                raise _unverifiable("it does not say which key signed it", "key")
            if candidates:
                return candidates[0]
            # An unknown key id usually means the provider rotated its keys: fetch them once
            # more. The token came straight from the token endpoint over TLS, so a stranger
            # cannot make Homeroom fetch the keys over and over.
        raise _unverifiable("it is signed with a key the provider does not publish", "key")

    def _check_claims(self, claims: dict[str, Any], pending: PendingLogin) -> None:
        now = self._clock()
        if claims.get("iss") != self.settings.issuer:
            raise OIDCError(
                "The sign-in token comes from an unexpected issuer; sign-in refused. Ask your "
                "administrator to check the issuer in homeroom.toml.",
                reason="issuer",
            )
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud
        if not isinstance(audiences, list) or self.settings.client_id not in audiences:
            raise OIDCError(
                "The sign-in token was issued for another application; sign-in refused. Ask "
                "your administrator to check the client_id in homeroom.toml.",
                reason="audience",
            )
        azp = claims.get("azp")
        if (len(audiences) > 1 or azp is not None) and azp != self.settings.client_id:
            # OpenID Connect Core 3.1.3.7: with several audiences, the token must say it was
            # issued to this client (azp), or another audience could replay it here.
            raise OIDCError(
                "The sign-in token was issued to another application (azp); sign-in refused.",
                reason="azp",
            )
        exp, iat = claims.get("exp"), claims.get("iat")
        if not _is_number(exp) or not _is_number(iat):
            raise _unverifiable("it has no valid expiry or issue time", "claims")
        if now > exp + self._leeway:
            raise OIDCError(
                "The sign-in token has expired. Sign in again; if this keeps happening, check "
                "that this server's clock is right.",
                reason="expired",
            )
        if iat > now + self._leeway or now - iat > self._login_max_age + self._leeway:
            raise OIDCError(
                "The sign-in token's issue time is too far from this server's clock. Sign in "
                "again; if this keeps happening, check that this server's clock is right.",
                reason="issued_at",
            )
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not hmac.compare_digest(
            nonce.encode(), pending.nonce.encode()
        ):
            raise _start_again("the sign-in token belongs to another sign-in (nonce)", "nonce")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub or len(sub) > 255:
            raise _unverifiable("it does not say who signed in (sub)", "claims")

    def _with_userinfo(
        self, doc: dict[str, Any], claims: dict[str, Any], access_token: str
    ) -> dict[str, Any]:
        """Some providers put email only in the userinfo answer; ask it when the token lacks it."""
        endpoint = doc.get("userinfo_endpoint")
        if not endpoint:
            return claims
        try:
            response = self._http.get(
                endpoint,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise _unreachable(self.settings.issuer, "userinfo") from exc
        info = _json_or_none(response)
        if response.status_code != 200 or not isinstance(info, dict):
            log.warning("OIDC userinfo endpoint answered status %s", response.status_code)
            return claims
        if info.get("sub") != claims["sub"]:
            # OpenID Connect Core 5.3.2: otherwise the answer may describe someone else.
            raise _unverifiable("the provider's user details are for someone else", "userinfo")
        merged = dict(claims)
        for key in ("email", "email_verified", "name"):
            if key in info and key not in merged:
                merged[key] = info[key]
        return merged

    def _check_domain(self, identity: Identity) -> None:
        allowed = self.settings.allowed_email_domains
        if not allowed:
            return
        domain = identity.email.rsplit("@", 1)[-1].lower() if identity.email else ""
        if not identity.email or not identity.email_verified or domain not in allowed:
            raise OIDCError(
                "This Homeroom accepts only verified email addresses of "
                f"{', '.join(allowed)}. Sign in with your district account.",
                reason="domain",
            )

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = self._http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise _unreachable(self.settings.issuer, what) from exc
        body = _json_or_none(response)
        if response.status_code != 200 or not isinstance(body, dict):
            log.warning("OIDC %s request answered status %s", what, response.status_code)
            raise OIDCError(
                f"The sign-in provider's {what} could not be read (status "
                f"{response.status_code}). Try again later or ask your administrator.",
                reason=what,
            )
        return body


# -- helpers --------------------------------------------------------------------------------


def _identity(claims: dict[str, Any]) -> Identity:
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


_PROVIDER_ERRORS = {
    "access_denied": "Sign-in was cancelled or refused at {name}.",
    "login_required": "{name} needs you to sign in first. Start again.",
    "interaction_required": "{name} needs you to finish signing in there. Start again.",
    "consent_required": "{name} needs your consent for Homeroom. Start again.",
    "temporarily_unavailable": "{name} is busy right now. Try again in a few minutes.",
    "server_error": "{name} had a problem. Try again in a few minutes.",
}


def _provider_error(error: str, display_name: str) -> OIDCError:
    # The description in the answer is text from the URL, which a stranger can write: show only
    # known messages and a cleaned code, never the provider's free text.
    name = display_name.removeprefix("Sign in with ").strip() or "the sign-in provider"
    template = _PROVIDER_ERRORS.get(error)
    if template is not None:
        return OIDCError(template.format(name=name), reason=error)
    return OIDCError(
        f"{name} refused the sign-in (error {_safe_code(error)}). Ask your administrator.",
        reason="provider_error",
    )


def _start_again(why: str, reason: str) -> OIDCError:
    return OIDCError(f"Sign-in failed: {why}. Start again from the sign-in page.", reason=reason)


def _unverifiable(why: str, reason: str) -> OIDCError:
    return OIDCError(
        f"The sign-in token could not be trusted: {why}. Sign-in refused.", reason=reason
    )


def _unreachable(issuer: str, what: str) -> OIDCError:
    host = urlsplit(issuer).hostname or "the sign-in provider"
    return OIDCError(
        f"Could not reach the sign-in provider at {host} ({what}). Try again later or ask your "
        "administrator.",
        reason="unreachable",
    )


def _safe_code(value: object) -> str:
    text = value if isinstance(value, str) else "unknown"
    cleaned = "".join(ch for ch in text[:40] if ch.isalnum() or ch in "_-.")
    return cleaned or "unknown"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _form(value: str) -> str:
    return quote(value, safe="").replace("%20", "+")


def _add_query(url: str, params: Mapping[str, str]) -> str:
    """URL with PARAMS added, keeping any query the provider's endpoint already has."""
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))
