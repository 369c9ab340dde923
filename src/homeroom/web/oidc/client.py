"""The relying party: `OIDCClient.begin()` sends the browser to the provider, and
`OIDCClient.finish()` turns the provider's answer into an `Identity`, checking the state, PKCE,
the issuer of the answer, the code exchange and the ID token (tokens.py) on the way."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from homeroom.web.oidc.errors import (
    OIDCError,
    provider_error,
    safe_code,
    start_again,
    unreachable,
    unverifiable,
)
from homeroom.web.oidc.login import Identity, PendingLogin, identity_of, safe_return_path
from homeroom.web.oidc.settings import DISCOVERY_PATH, OIDCSettings, is_loopback
from homeroom.web.oidc.tokens import TokenCheck

log = logging.getLogger("homeroom.web.oidc")


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
        self._tokens = TokenCheck(
            settings,
            lambda refresh: self._keys(refresh=refresh),
            clock,
            leeway_seconds,
            login_max_age_seconds,
        )

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> OIDCClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        return parts.scheme == "http" and is_loopback(parts.hostname)

    def _keys(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            cached = self._jwks
        fresh = cached is not None and self._clock() - cached.fetched < self._cache_seconds
        if cached is not None and fresh and not refresh:
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
            raise start_again(
                "this sign-in answer does not match the sign-in started in this browser", "state"
            )
        if "error" in params:
            raise provider_error(params["error"], self.settings.display_name)
        if self._clock() - pending.created > self._login_max_age:
            raise start_again("the sign-in took too long", "pending_expired")
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
            raise start_again("the sign-in answer has no authorization code", "code")

        tokens = self._exchange(doc, code, pending)
        claims = self._tokens.verify(doc, tokens["id_token"], pending, tokens.get("access_token"))
        if "email" not in claims and isinstance(tokens.get("access_token"), str):
            claims = self._with_userinfo(doc, claims, tokens["access_token"])
        identity = identity_of(claims)
        self._check_domain(identity)
        return identity

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
            raise unreachable(self.settings.issuer, "token") from exc
        body = _json_or_none(response)
        if response.status_code != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            log.warning(
                "OIDC token endpoint refused the code: status %s, error %s",
                response.status_code,
                safe_code(error),
            )
            if error == "invalid_client" or response.status_code == 401:
                raise OIDCError(
                    "The sign-in provider did not accept Homeroom's client credentials. Ask "
                    "your administrator to check client_id and the client secret.",
                    reason="client",
                )
            raise start_again(
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
            raise unreachable(self.settings.issuer, "userinfo") from exc
        info = _json_or_none(response)
        if response.status_code != 200 or not isinstance(info, dict):
            log.warning("OIDC userinfo endpoint answered status %s", response.status_code)
            return claims
        if info.get("sub") != claims["sub"]:
            # OpenID Connect Core 5.3.2: otherwise the answer may describe someone else.
            raise unverifiable("the provider's user details are for someone else", "userinfo")
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
            raise unreachable(self.settings.issuer, what) from exc
        body = _json_or_none(response)
        if response.status_code != 200 or not isinstance(body, dict):
            log.warning("OIDC %s request answered status %s", what, response.status_code)
            raise OIDCError(
                f"The sign-in provider's {what} could not be read (status "
                f"{response.status_code}). Try again later or ask your administrator.",
                reason=what,
            )
        return body


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
