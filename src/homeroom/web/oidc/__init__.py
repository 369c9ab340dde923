"""Sign-in through a district's single sign-on (OpenID Connect, authorization-code flow).

Homeroom is the relying party. The web app sends the browser to the district's provider with
`OIDCClient.begin()` and, when the browser comes back to the callback address, turns the answer
into an `Identity` with `OIDCClient.finish()` (client.py). Everything a forged or replayed
answer could change is checked in this package: the state (against cross-site login), PKCE (so
a stolen code is useless), the ID token's signature against the provider's published keys, its
issuer, audience, lifetime and nonce (tokens.py). The provider says who someone is, never what
they may see: Homeroom assigns roles itself, so the web app still looks the identity up among
the users an administrator created. Settings come from homeroom.toml's [oidc] (settings.py).

Every `OIDCError` message (errors.py) can be shown to the person signing in: it names the
failed check and what to do, and never carries a token, code or secret.
"""

from homeroom.web.oidc.client import OIDCClient
from homeroom.web.oidc.errors import OIDCError
from homeroom.web.oidc.login import Identity, PendingLogin, safe_return_path
from homeroom.web.oidc.settings import (
    DEFAULT_DISPLAY_NAME,
    DEFAULT_SCOPES,
    DEFAULT_SECRET_ENV,
    DISCOVERY_PATH,
    SUPPORTED_ALGORITHMS,
    OIDCSettings,
    OIDCSettingsError,
    oidc_settings,
)

__all__ = [
    "DEFAULT_DISPLAY_NAME",
    "DEFAULT_SCOPES",
    "DEFAULT_SECRET_ENV",
    "DISCOVERY_PATH",
    "SUPPORTED_ALGORITHMS",
    "Identity",
    "OIDCClient",
    "OIDCError",
    "OIDCSettings",
    "OIDCSettingsError",
    "PendingLogin",
    "oidc_settings",
    "safe_return_path",
]
