"""Checking an ID token: its signature against the provider's published keys, its issuer,
audience, authorized party, lifetime, nonce and subject (OpenID Connect Core 3.1.3.7)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from homeroom.web.oidc.errors import OIDCError, safe_code, start_again, unverifiable
from homeroom.web.oidc.login import PendingLogin
from homeroom.web.oidc.settings import SUPPORTED_ALGORITHMS, OIDCSettings


@dataclass(frozen=True)
class TokenCheck:
    """What an ID token is checked against. `keys(refresh)` gives the provider's key set."""

    settings: OIDCSettings
    keys: Callable[[bool], KeySet]
    clock: Callable[[], float]
    leeway: int
    login_max_age: int

    def verify(
        self,
        doc: dict[str, Any],
        id_token: str,
        pending: PendingLogin,
        access_token: object,
    ) -> dict[str, Any]:
        try:
            header = jws.extract_compact(id_token.encode("ascii")).headers()
        except (JoseError, ValueError, UnicodeError) as exc:
            raise unverifiable("it is not a signed token", "signature") from exc
        alg = header.get("alg")
        advertised = doc.get("id_token_signing_alg_values_supported", list(SUPPORTED_ALGORITHMS))
        if alg not in SUPPORTED_ALGORITHMS or alg not in advertised:
            raise unverifiable(f"it is signed with {safe_code(alg)}", "algorithm")
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
                raise unverifiable("it does not match the access token", "at_hash")
        return claims

    def _key_for(self, kid: object, alg: str) -> RSAKey | ECKey:
        wanted = RSAKey if alg == "RS256" else ECKey
        for refresh in (False, True):
            keys = self.keys(refresh)
            candidates = [
                key
                for key in keys.keys
                if isinstance(key, wanted)
                and (kid is None or key.kid == kid)
                and key.get("alg", alg) == alg
            ]
            if alg == "ES256":
                candidates = [
                    k for k in candidates if isinstance(k, ECKey) and k.curve_name == "P-256"
                ]
            if kid is None and len(candidates) > 1:
                raise unverifiable("it does not say which key signed it", "key")
            if candidates:
                return candidates[0]
            # An unknown key id usually means the provider rotated its keys: fetch them once
            # more. The token came straight from the token endpoint over TLS, so a stranger
            # cannot make Homeroom fetch the keys over and over.
        raise unverifiable("it is signed with a key the provider does not publish", "key")

    def _check_claims(self, claims: dict[str, Any], pending: PendingLogin) -> None:
        now = self.clock()
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
        if not isinstance(exp, int | float) or not isinstance(iat, int | float):
            raise unverifiable("it has no valid expiry or issue time", "claims")
        if isinstance(exp, bool) or isinstance(iat, bool):  # JSON true is not a time
            raise unverifiable("it has no valid expiry or issue time", "claims")
        if now > exp + self.leeway:
            raise OIDCError(
                "The sign-in token has expired. Sign in again; if this keeps happening, check "
                "that this server's clock is right.",
                reason="expired",
            )
        if iat > now + self.leeway or now - iat > self.login_max_age + self.leeway:
            raise OIDCError(
                "The sign-in token's issue time is too far from this server's clock. Sign in "
                "again; if this keeps happening, check that this server's clock is right.",
                reason="issued_at",
            )
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not hmac.compare_digest(
            nonce.encode(), pending.nonce.encode()
        ):
            raise start_again("the sign-in token belongs to another sign-in (nonce)", "nonce")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub or len(sub) > 255:
            raise unverifiable("it does not say who signed in (sub)", "claims")
