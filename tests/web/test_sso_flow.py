"""Single sign-on through the app: /login/oidc sends the browser to a real test provider, and
/auth/callback signs in the Homeroom user an administrator made for that person, or nobody."""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from web.oidc_provider import Provider, running_provider

BASE = "http://127.0.0.1"
CALLBACK = f"{BASE}/auth/callback"
NO_ACCESS = "it has no Homeroom access yet"


@pytest.fixture(scope="module")
def sso(district) -> Iterator[tuple]:  # noqa: ANN001
    """(app, store, provider): an app whose [oidc] settings name the running provider."""
    from homeroom.casebook.store import open_store
    from homeroom.casebook.users import add_user
    from homeroom.web.app import create_app
    from homeroom.web.oidc import OIDCClient, OIDCSettings

    with (
        running_provider(redirect_uris=[CALLBACK]) as provider,
        tempfile.TemporaryDirectory() as folder,
    ):
        store = open_store(f"sqlite:///{Path(folder) / 'casebook.sqlite'}")
        # As `homeroom users add --oidc`: an email, no password.
        add_user(
            store,
            "ada",
            "school_staff",
            email="ada.lovelace@district.example",
            schools=[district.staff_school],
            display_name="Ada Lovelace",
        )
        add_user(store, "gone", "district_viewer", email="gone@district.example")
        from homeroom.casebook.users import disable_user

        disable_user(store, "gone")
        settings = OIDCSettings(
            issuer=provider.issuer,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            redirect_uri=CALLBACK,
            display_name="Sign in with District SSO",
        )
        with OIDCClient(settings) as oidc:
            app = create_app(
                district.workspace,
                store=store,
                secure_cookies=False,
                serving_path=district.serving_path,
                oidc=oidc,
            )
            yield app, store, provider
        store.close()


def start(client: TestClient, next_path: str = "/") -> str:
    """GET /login/oidc; the provider's authorization address the browser is sent to."""
    answer = client.get("/login/oidc", params={"next": next_path}, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:300]
    assert client.cookies.get("homeroom_oidc")
    return answer.headers["location"]


def back(client: TestClient, provider: Provider, authorization: str):  # noqa: ANN201
    """Follow the browser to the provider and back to /auth/callback."""
    callback = provider.callback_url(authorization)
    parts = urlsplit(callback)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def log_of(store, **filters) -> list:  # noqa: ANN001
    from homeroom.casebook.audit import audit_entries

    return audit_entries(store, **filters)


def test_login_page_offers_single_sign_on(sso) -> None:  # noqa: ANN001
    app, _store, _provider = sso
    with TestClient(app, base_url=BASE) as client:
        html = client.get("/login", params={"next": "/data"}).text
        assert 'href="/login/oidc?next=/data"' in html or 'href="/login/oidc?next=%2Fdata"' in html
        assert "Sign in with District SSO" in html


def test_a_person_with_an_account_signs_in_through_the_provider(sso, district) -> None:  # noqa: ANN001
    app, store, provider = sso
    provider.set_faults()
    provider.sign_in_as("sso-ada", email="Ada.Lovelace@District.example", name="Ada L.")
    with TestClient(app, base_url=BASE) as client:
        authorization = start(client, "/data?from=sso")
        assert authorization.startswith(f"{provider.issuer}/authorize?")
        answer = back(client, provider, authorization)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/data?from=sso"
        cookies = answer.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("homeroom_session="))
        assert "HttpOnly" in session and "SameSite=lax" in session
        assert any(c.startswith('homeroom_oidc=""') for c in cookies)  # used once, then gone
        page = client.get("/data")
        assert page.status_code == 200
        assert "Ada Lovelace · school staff" in page.text
        # Their role and schools are Homeroom's, not the provider's.
        assert client.get(f"/schools/{district.staff_school}").status_code == 200
        assert client.get(f"/schools/{district.schools[-1]}").status_code == 403
        assert client.get("/admin/users").status_code == 403
    entry = log_of(store, username="ada", action="sign_in")[-1]
    assert entry.detail == {"method": "oidc"}
    # The identity is now bound: the next sign-in matches by subject, even with a new email.
    provider.sign_in_as("sso-ada", email="ada@elsewhere.example")
    with TestClient(app, base_url=BASE) as client:
        assert back(client, provider, start(client)).status_code == 303
        assert "Ada Lovelace" in client.get("/data").text


def test_an_identity_without_an_account_gets_no_access_and_nothing_else(sso) -> None:  # noqa: ANN001
    app, store, provider = sso
    provider.set_faults()
    for subject, email in (
        ("sso-stranger", "stranger@district.example"),
        ("sso-gone", "gone@district.example"),
    ):
        provider.sign_in_as(subject, email=email)
        with TestClient(app, base_url=BASE) as client:
            answer = back(client, provider, start(client))
            assert answer.status_code == 403
            assert NO_ACCESS in answer.text
            assert "homeroom_session" not in answer.headers.get("set-cookie", "")
            assert 'href="/students"' not in answer.text and 'href="/equity"' not in answer.text
            assert client.get("/data", follow_redirects=False).status_code == 303
        failed = log_of(store, action="sign_in_failed")[-1]
        assert failed.username == email
        assert failed.detail["method"] == "oidc"


def test_an_unverified_email_does_not_claim_an_account(sso) -> None:  # noqa: ANN001
    app, _store, provider = sso
    provider.set_faults()
    provider.sign_in_as("sso-impostor", email="ada.lovelace@district.example", email_verified=False)
    with TestClient(app, base_url=BASE) as client:
        answer = back(client, provider, start(client))
        assert answer.status_code == 403 and NO_ACCESS in answer.text


def test_a_tampered_or_missing_sign_in_cookie_is_refused(sso) -> None:  # noqa: ANN001
    app, _store, provider = sso
    provider.set_faults()
    provider.sign_in_as("sso-ada", email="ada.lovelace@district.example")
    with TestClient(app, base_url=BASE) as client:
        authorization = start(client, "/data")
        sealed = client.cookies.get("homeroom_oidc")
        raw = bytearray(base64.urlsafe_b64decode(sealed))
        raw[-5] ^= 1  # one bit of the pending sign-in (its return path, state or verifier)
        client.cookies.set("homeroom_oidc", base64.urlsafe_b64encode(bytes(raw)).decode())
        answer = back(client, provider, authorization)
        assert answer.status_code == 400
        assert "started elsewhere" in answer.text
        assert "homeroom_session" not in answer.headers.get("set-cookie", "")
    for cookie in ("", "not base64 at all!", base64.urlsafe_b64encode(b"x" * 40).decode()):
        with TestClient(app, base_url=BASE) as client:
            authorization = start(client)
            if cookie:
                client.cookies.set("homeroom_oidc", cookie)
            else:
                client.cookies.delete("homeroom_oidc")
            answer = back(client, provider, authorization)
            assert answer.status_code == 400, cookie
            assert client.get("/data", follow_redirects=False).status_code == 303


def test_a_sign_in_started_in_another_browser_is_refused(sso) -> None:  # noqa: ANN001
    app, _store, provider = sso
    provider.set_faults()
    provider.sign_in_as("sso-ada", email="ada.lovelace@district.example")
    with TestClient(app, base_url=BASE) as victim, TestClient(app, base_url=BASE) as attacker:
        attacker_started = start(attacker)
        start(victim)  # the victim's browser has its own pending sign-in
        answer = back(victim, provider, attacker_started)  # the attacker's answer, replayed
        assert answer.status_code == 401
        assert victim.get("/data", follow_redirects=False).status_code == 303


def test_provider_refusal_is_shown_without_signing_in(sso) -> None:  # noqa: ANN001
    app, _store, provider = sso
    provider.set_faults(deny=True)
    try:
        with TestClient(app, base_url=BASE) as client:
            answer = back(client, provider, start(client))
            assert answer.status_code == 401
            assert "homeroom_session" not in answer.headers.get("set-cookie", "")
    finally:
        provider.set_faults()


def test_next_after_single_sign_on_stays_on_this_site(sso, district) -> None:  # noqa: ANN001
    app, _store, provider = sso
    provider.set_faults()
    provider.sign_in_as("sso-ada", email="ada.lovelace@district.example")
    for target in ("//evil.example", "https://evil.example/x", "/\\evil.example"):
        with TestClient(app, base_url=BASE) as client:
            answer = back(client, provider, start(client, target))
            assert answer.status_code == 303
            # The district page asked for instead: for school staff, their one school's queue.
            assert answer.headers["location"] == f"/schools/{district.staff_school}/queue"


def test_without_single_sign_on_settings_the_route_says_so(app) -> None:  # noqa: ANN001
    with TestClient(app, base_url=BASE) as client:
        answer = client.get("/login/oidc", follow_redirects=False)
        assert answer.status_code == 404
        assert "Single sign-on is not set up here." in answer.text
        assert client.get("/auth/callback?code=x&state=y").status_code == 400
