"""Signing in and out, lock-out, sessions, CSRF on every form, safe redirects, cookies and
headers, opaque student addresses, and the administrator's user pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from casebook.support import Clock
from web.conftest import PASSWORD, STUDENT_ID, csrf_of, links_of, sign_in, student_key

BASE = "http://127.0.0.1"
FAILED = "Those details did not work."


def login_form(client: TestClient, next_path: str = "/") -> str:
    return csrf_of(client.get("/login", params={"next": next_path}).text)


def try_sign_in(client: TestClient, username: str, password: str, next_path: str = "/"):  # noqa: ANN201
    token = login_form(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next_path},
        follow_redirects=False,
    )


def entries(store, **filters) -> list:  # noqa: ANN001
    from homeroom.casebook.audit import audit_entries

    return audit_entries(store, **filters)


@pytest.fixture
def anonymous(app) -> Iterator[TestClient]:  # noqa: ANN001
    with TestClient(app, base_url=BASE) as client:
        yield client


@pytest.fixture(scope="module")
def own(district) -> Iterator[Own]:  # noqa: ANN001
    """An app over a store of its own, with the four users, for the tests that add, disable or
    refuse users: the shared store's user list is what other tests (the browser's) expect."""
    import tempfile
    from pathlib import Path

    from homeroom.casebook.store import open_store
    from homeroom.casebook.users import add_user
    from homeroom.web.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'casebook.sqlite'}")
        add_user(store, "admin", "district_admin", password=PASSWORD, display_name="Ada Admin")
        add_user(store, "staff", "school_staff", password=PASSWORD, schools=[district.staff_school])
        add_user(store, "viewer", "district_viewer", password=PASSWORD)
        add_user(store, "analyst", "state_analyst", password=PASSWORD)
        app = create_app(
            district.workspace,
            store=store,
            secure_cookies=False,
            serving_path=district.serving_path,
        )
        own = Own(app, store)
        yield own
        own.close()
        store.close()


class Own:
    def __init__(self, app: object, store: object) -> None:
        self.app, self.store = app, store
        self._clients: list[TestClient] = []

    def client(self, username: str) -> TestClient:
        client = TestClient(self.app, base_url=BASE)
        self._clients.append(client)
        return sign_in(client, username)

    def close(self) -> None:
        for client in self._clients:
            client.close()


# -- signing in --------------------------------------------------------------------------------


def test_wrong_password_and_unknown_user_get_the_same_generic_answer(anonymous, district) -> None:  # noqa: ANN001
    wrong = try_sign_in(anonymous, "viewer", "not the password at all")
    unknown = try_sign_in(anonymous, "nobody-here", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    for answer in (wrong, unknown):
        assert FAILED in answer.text
        assert "homeroom_session" not in answer.headers.get("set-cookie", "")
    strip = re.compile(r'value="[^"]*"')  # the fresh form tokens differ, nothing else may
    assert strip.sub("", wrong.text) == strip.sub("", unknown.text)
    failed = entries(district.store, username="nobody-here", action="sign_in_failed")
    assert failed and failed[-1].subject_type == "account"


def test_school_staff_land_on_their_school_not_the_district(own, district) -> None:  # noqa: ANN001
    from homeroom.casebook.audit import CliActor
    from homeroom.casebook.partners import add_partner
    from homeroom.casebook.users import add_user

    add_user(
        own.store, "two.schools", "school_staff", password=PASSWORD, schools=district.schools[:2]
    )
    clinic = add_partner(own.store, "Landing Clinic", by=CliActor("cli:test"))
    add_user(own.store, "clinic.staff", "partner", password=PASSWORD, partner_id=clinic.id)
    landings = {}
    for username in ("staff", "two.schools", "viewer", "admin", "clinic.staff"):
        with TestClient(own.app, base_url=BASE) as client:
            answer = try_sign_in(client, username, PASSWORD)
            assert answer.status_code == 303
            landings[username] = answer.headers["location"]
            if username == "two.schools":
                listed = client.get(answer.headers["location"]).text
                # The choice of their schools' queues, and no other school's.
                assert all(f'href="/schools/{s}/queue"' in listed for s in district.schools[:2])
                assert all(f"/schools/{s}/queue" not in listed for s in district.schools[2:])
    assert landings == {
        "staff": f"/schools/{district.staff_school}/queue",  # their one school's work queue
        "two.schools": "/queue",  # the choice of their schools' queues
        "viewer": "/",
        "admin": "/",
        "clinic.staff": "/partner",  # a partner's own students
    }
    with TestClient(own.app, base_url=BASE) as client:  # a page asked for is kept
        assert try_sign_in(client, "staff", PASSWORD, "/data").headers["location"] == "/data"


def test_sign_in_lands_on_next_and_shows_who(anonymous) -> None:  # noqa: ANN001
    answer = try_sign_in(anonymous, "admin", PASSWORD, next_path="/data?x=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/data?x=1"
    html = anonymous.get("/data").text
    assert "Ada Admin · district admin" in html


@pytest.fixture(scope="module")
def clocked(district) -> Iterator[tuple]:  # noqa: ANN001
    """An app over its own store whose clock the test moves."""
    import tempfile
    from pathlib import Path

    from homeroom.casebook.store import open_store
    from homeroom.casebook.users import add_user
    from homeroom.web.app import create_app

    clock = Clock()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'casebook.sqlite'}", clock=clock)
        for name in ("locky", "idle"):
            add_user(store, name, "district_viewer", password=PASSWORD)
        app = create_app(
            district.workspace,
            store=store,
            secure_cookies=False,
            serving_path=district.serving_path,
        )
        yield app, store, clock
        store.close()


def test_five_failures_lock_the_account_for_fifteen_minutes(clocked) -> None:  # noqa: ANN001
    app, store, clock = clocked
    with TestClient(app, base_url=BASE) as client:
        for _ in range(4):
            assert try_sign_in(client, "locky", "wrong password!!").status_code == 401
        # Four failures do not lock: the right password still works.
        assert try_sign_in(client, "locky", PASSWORD).status_code == 303
        client.cookies.clear()
        for _ in range(5):
            assert try_sign_in(client, "locky", "wrong password!!").status_code == 401
        locked = try_sign_in(client, "locky", PASSWORD)
        assert locked.status_code == 401
        assert FAILED in locked.text  # the same words: a lock-out is not announced
        assert "account_locked" in [e.action for e in entries(store, username="locky")]
        clock.advance(minutes=14, seconds=59)
        assert try_sign_in(client, "locky", PASSWORD).status_code == 401
        clock.advance(seconds=2)
        assert try_sign_in(client, "locky", PASSWORD).status_code == 303
        assert client.get("/data").status_code == 200


def test_an_idle_session_ends_after_thirty_minutes(clocked) -> None:  # noqa: ANN001
    app, _store, clock = clocked
    with TestClient(app, base_url=BASE) as client:
        sign_in(client, "idle")
        clock.advance(minutes=29)
        assert client.get("/data").status_code == 200
        clock.advance(minutes=30, seconds=1)
        answer = client.get("/data", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?next=%2Fdata"


def test_sign_out_ends_the_session(client_for, app) -> None:  # noqa: ANN001
    client = client_for("viewer")
    old = client.cookies.get("homeroom_session")
    token = csrf_of(client.get("/data").text)
    answer = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert 'homeroom_session=""' in answer.headers["set-cookie"]
    with TestClient(app, base_url=BASE) as replay:
        replay.cookies.set("homeroom_session", old)
        refused = replay.get("/data", follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
        replay.cookies.set("homeroom_session", old)
        posted = replay.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert posted.status_code == 303 and posted.headers["location"].startswith("/login?")


# -- CSRF ----------------------------------------------------------------------------------------


def routes_of(routes: list) -> Iterator:
    for route in routes:
        if hasattr(route, "original_router"):  # an included router (FastAPI 0.16x)
            yield from routes_of(route.original_router.routes)
        else:
            yield route


def test_every_form_post_is_one_of_those_checked_here(app) -> None:  # noqa: ANN001
    posts = {r.path for r in routes_of(app.routes) if "POST" in (getattr(r, "methods", None) or ())}
    # The JSON API takes a bearer token, never the session cookie (tests/web/api): no CSRF.
    assert {p for p in posts if not p.startswith("/api/v1/")} == {
        "/login",
        "/logout",
        "/students/search",
        "/admin/users",
        "/admin/users/{username}/{change}",
        # the casebook's forms (issue 13): the work queue and the administrator's catalogue,
        "/schools/{school_id}/queue/capacity",
        "/schools/{school_id}/queue/bulk",
        "/supports",
        "/partners",
        # and casework on a student, with the partner's own (tests/web/routes/test_casework.py,
        # test_partner.py check their tokens)
        "/students/{key}/plan",
        "/students/{key}/plan/close",
        "/students/{key}/actions",
        "/students/{key}/actions/{action_id}/done",
        "/students/{key}/referral",
        "/consents/{consent_id}/withdraw",
        "/partner/students/{key}/actions",
        # and sending letters from the queue (issue 14; tests/web/routes/test_outreach.py
        # checks its token), and the two public addresses a family's message leads to, which
        # carry a signed token or the SMS provider's signature instead of a session
        "/schools/{school_id}/queue/send",
        "/opt-out/{token}",
        "/sms/inbound",
    }


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_posts_without_the_right_csrf_token_are_refused_and_change_nothing(
    token: str | None,
    own,
    district,  # noqa: ANN001
) -> None:
    from homeroom.casebook.capacity import team_capacity
    from homeroom.casebook.partners import list_partners
    from homeroom.casebook.supports import list_supports
    from homeroom.casebook.users import add_user, get_user

    admin = own.client("admin")
    form = {} if token is None else {"csrf_token": token}
    name = f"csrf-victim-{len(token or 'x')}-{token is None}"
    add_user(own.store, name, "district_viewer", password=PASSWORD)
    searches = len(entries(own.store, username="admin", action="student_search"))
    school = district.staff_school
    attempts = {
        "/logout": {},
        "/students/search": {"text": "S00"},
        "/admin/users": {"username": "csrf-made", "role": "district_viewer", "password": PASSWORD},
        f"/admin/users/{name}/disable": {},
        f"/schools/{school}/queue/capacity": {"students": "7"},
        f"/schools/{school}/queue/bulk": {
            "student": [student_key(district, "S0000001")],
            "kind": "call",
        },  # fmt: skip
        "/supports": {"change": "add", "name": "CSRF support", "tier": "1"},
        "/partners": {"change": "add", "name": "CSRF partner"},
    }
    for path, data in attempts.items():
        answer = admin.post(path, data={**data, **form}, follow_redirects=False)
        assert answer.status_code == 403, path
        assert "Form refused" in answer.text
    assert admin.get("/data").status_code == 200  # still signed in
    assert len(entries(own.store, username="admin", action="student_search")) == searches
    assert get_user(own.store, "csrf-made") is None
    assert not get_user(own.store, name).disabled
    assert team_capacity(own.store, school).students == 10
    assert "CSRF support" not in {x.name for x in list_supports(own.store, include_retired=True)}
    assert "CSRF partner" not in {p.name for p in list_partners(own.store, include_inactive=True)}
    assert entries(own.store, action="actions_logged") == []
    # Another session's token is no better than none.
    other = csrf_of(own.client("admin").get("/data").text)
    answer = admin.post("/students/search", data={"text": "S00", "csrf_token": other})
    assert answer.status_code == 403


def test_sign_in_form_needs_its_double_submit_cookie(app) -> None:  # noqa: ANN001
    with TestClient(app, base_url=BASE) as first, TestClient(app, base_url=BASE) as second:
        token = login_form(first)
        cookie = first.cookies.get("homeroom_login_csrf")
        assert cookie == token
        data = {"username": "admin", "password": PASSWORD, "next": "/"}
        # No cookie (a form posted from another site): refused, and no session.
        answer = second.post("/login", data={**data, "csrf_token": token}, follow_redirects=False)
        assert answer.status_code == 403 and "set-cookie" not in answer.headers
        # The cookie, but a token that is not its twin.
        login_form(second)
        answer = second.post("/login", data={**data, "csrf_token": token}, follow_redirects=False)
        assert answer.status_code == 403
        answer = first.post("/login", data=data, follow_redirects=False)
        assert answer.status_code == 403
        # Its twin: in, and the sign-in cookie is cleared.
        answer = first.post("/login", data={**data, "csrf_token": token}, follow_redirects=False)
        assert answer.status_code == 303
        assert "homeroom_login_csrf=" in answer.headers["set-cookie"]
        assert first.cookies.get("homeroom_login_csrf") is None


# -- redirects ---------------------------------------------------------------------------------

HOSTILE = [
    "//evil.example",
    "//evil.example/students",
    "https://evil.example",
    "http://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "///evil.example",
]


def stays_here(location: str) -> bool:
    """Would a browser stay on this site? (It reads a backslash as a slash, drops tabs.)"""
    resolved = urljoin(BASE + "/login", location.replace("\\", "/").replace("\t", ""))
    parts = urlsplit(resolved)
    return parts.scheme == "http" and parts.netloc == "127.0.0.1"


@pytest.mark.parametrize("target", HOSTILE)
def test_next_is_never_an_open_redirect(target: str, app, client_for) -> None:  # noqa: ANN001
    with TestClient(app, base_url=BASE) as client:
        answer = try_sign_in(client, "viewer", PASSWORD, next_path=target)
        assert answer.status_code == 303
        assert stays_here(answer.headers["location"]), answer.headers["location"]
        # Signed in already, /login?next= sends the browser on at once: the same rule.
        again = client.get("/login", params={"next": target}, follow_redirects=False)
        assert again.status_code == 303 and stays_here(again.headers["location"])
    form = TestClient(app, base_url=BASE).get("/login", params={"next": target}).text
    hidden = re.search(r'name="next" value="([^"]*)"', form).group(1)
    assert stays_here(hidden)


# -- cookies and headers -----------------------------------------------------------------------


def cookie_parts(header: str) -> list[str]:
    return [p.strip().lower() for p in header.split(";")]


def test_session_cookie_is_http_only_and_same_site_lax(anonymous) -> None:  # noqa: ANN001
    login = anonymous.get("/login")
    parts = cookie_parts(login.headers["set-cookie"])
    assert parts[0].startswith("homeroom_login_csrf=")
    assert "httponly" in parts and "samesite=lax" in parts and "path=/" in parts
    answer = try_sign_in(anonymous, "viewer", PASSWORD)
    session = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("homeroom_session=")
    )
    parts = cookie_parts(session)
    assert "httponly" in parts and "samesite=lax" in parts and "path=/" in parts
    assert "secure" not in parts  # this app was made for plain http on 127.0.0.1
    assert not any(p.startswith("domain=") for p in parts)


@pytest.fixture(scope="module")
def secure_app(district):  # noqa: ANN001, ANN201
    from homeroom.web.app import create_app

    return create_app(
        district.workspace,
        store=district.store,
        secure_cookies=True,
        serving_path=district.serving_path,
    )


def test_secure_app_cookies_are_secure_with_the_host_prefix(secure_app) -> None:  # noqa: ANN001
    with TestClient(secure_app, base_url="https://127.0.0.1") as client:
        login = client.get("/login")
        assert login.headers["strict-transport-security"] == "max-age=31536000"
        parts = cookie_parts(login.headers["set-cookie"])
        assert parts[0].startswith("__host-homeroom_login_csrf=")
        assert "secure" in parts and "httponly" in parts and "path=/" in parts
        token = csrf_of(login.text)
        answer = client.post(
            "/login",
            data={"username": "viewer", "password": PASSWORD, "csrf_token": token, "next": "/"},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        session = next(
            c
            for c in answer.headers.get_list("set-cookie")
            if c.startswith("__Host-homeroom_session=")
        )
        parts = cookie_parts(session)
        assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(parts)
        assert not any(p.startswith("domain=") for p in parts)
        assert client.get("/data").status_code == 200
        # The plain name means nothing to this app.
        value = client.cookies.get("__Host-homeroom_session")
        with TestClient(secure_app, base_url="https://127.0.0.1") as other:
            other.cookies.set("homeroom_session", value)
            assert other.get("/data", follow_redirects=False).status_code == 303


def test_security_headers_on_pages_downloads_and_errors(client_for, anonymous) -> None:  # noqa: ANN001
    admin = client_for("admin")
    answers = {
        "login": anonymous.get("/login"),
        "page": admin.get("/students"),
        "download": admin.get("/students?format=csv"),
        "not found": admin.get("/students/0123456789abcdef0123"),
        "no route": admin.get("/no/such/page"),
        "refused": client_for("viewer").get("/students"),
    }
    for what, answer in answers.items():
        headers = answer.headers
        csp = headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, what
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, what
        assert "script-src 'self'" in csp and "style-src 'self'" in csp, what
        assert headers["x-frame-options"] == "DENY", what
        assert headers["x-content-type-options"] == "nosniff", what
        assert headers["cache-control"] == "no-store", what
        assert "strict-transport-security" not in headers, what  # plain-http app
    static = anonymous.get("/static/app.css")
    assert static.status_code == 200 and static.headers.get("cache-control") != "no-store"


def test_pages_need_no_inline_script_or_style(client_for, district) -> None:  # noqa: ANN001
    """The policy allows no inline code, so the pages must not rely on any."""
    admin = client_for("admin")
    key = re.search(r'href="/students/([0-9a-f]{20})', admin.get("/students").text).group(1)
    paths = [
        "/login",
        "/",
        f"/schools/{district.staff_school}",
        "/students",
        f"/students/{key}",
        "/equity",
        "/data",
        "/admin/users",
        "/admin/audit",
    ]
    for path in paths:
        html = admin.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert not re.search(r"<style\b", html), path
        assert not re.search(r'\sstyle="', html), path
        assert not re.search(r"\son[a-z]+=", html), path
        assert "javascript:" not in html, path


# -- addresses and error pages -----------------------------------------------------------------


def test_no_student_id_or_name_in_any_address_a_page_links_to(client_for, district) -> None:  # noqa: ANN001
    admin = client_for("admin")
    listing = admin.get("/students").text
    names = set(re.findall(r'\?via=list">([^<]+)</a>', listing))
    assert len(names) == 50
    key = re.search(r'href="/students/([0-9a-f]{20})', listing).group(1)
    token = csrf_of(listing)
    pages = {
        "district": admin.get("/").text,
        "school": admin.get(f"/schools/{district.staff_school}").text,
        "list": listing,
        "list page 2 by name": admin.get("/students", params={"page": 2, "sort": "name"}).text,
        "student": admin.get(f"/students/{key}").text,
        "search": admin.post("/students/search", data={"text": "a", "csrf_token": token}).text,
        "search by letters": admin.post(
            "/students/search", data={"text": "ma", "csrf_token": token}
        ).text,
        "equity": admin.get("/equity").text,
        "data": admin.get("/data").text,
        "audit": admin.get("/admin/audit").text,
        "work queue": admin.get(f"/schools/{district.staff_school}/queue").text,
        "queues": admin.get("/queue").text,
        "caseload": admin.get("/caseload").text,
    }
    seen_student_links = 0
    for what, html in pages.items():
        for url in links_of(html):
            assert not STUDENT_ID.search(url), (what, url)
            for name in names:
                for part in re.split(r",\s*", name):
                    assert part not in url, (what, url)
            path = urlsplit(url).path
            if path.startswith("/students/") and path != "/students/search":
                # The student's key, and for casework a word after it (/plan, /referral).
                assert re.fullmatch(r"/students/[0-9a-f]{20}(/[a-z]+)?", path), (what, url)
                seen_student_links += 1
    assert seen_student_links > 100
    # The student's key is the keyed hash, not a form of the id.
    shown = re.search(r'<span class="hint">(S\d{7})</span></h1>', pages["student"]).group(1)
    assert student_key(district, shown) == key


def test_error_pages_show_no_student_id(client_for, district) -> None:  # noqa: ANN001
    admin = client_for("admin")
    listing = admin.get("/students").text
    student = re.search(r'<span class="hint">(S\d{7})</span>', listing).group(1)
    key = student_key(district, student)
    staff_outside = client_for("staff")
    answers = [
        admin.get(f"/students/{student}"),  # an id typed as the key
        admin.get(f"/students/{key}x"),
        admin.get(f"/students/{key}", params={"year": student}),
        admin.get("/students", params={"sort": student}),
        admin.get("/students", params={"school": student}),
        admin.get("/equity", params={"school": student}),
        admin.get("/students", params={"since": student}),
        admin.get(f"/schools/{student}"),
        admin.get(f"/{student}"),
        client_for("viewer").get(f"/students/{key}"),
        staff_outside.get("/students", params={"school": student}),
    ]
    for answer in answers:
        assert answer.status_code in (400, 403, 404), answer.url
        assert student not in answer.text, answer.url
        assert answer.headers["content-type"].startswith("text/html"), answer.url


# -- the administrator's user pages --------------------------------------------------------------


def test_admin_adds_a_school_staff_user_through_the_form(own, district) -> None:  # noqa: ANN001
    from homeroom.casebook.users import get_user

    admin = own.client("admin")
    page = admin.get("/admin/users")
    school = district.schools[2]
    answer = admin.post(
        "/admin/users",
        data={
            "csrf_token": csrf_of(page.text),
            "username": "Form.Staff",
            "role": "school_staff",
            "display_name": "Fran Form",
            "email": "fran@district.example",
            "password": "a long enough passphrase",
            "schools": [school],
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/users?message=user_added"
    made = get_user(own.store, "form.staff")
    assert (made.role, set(made.school_ids), made.display_name) == (
        "school_staff",
        {school},
        "Fran Form",
    )
    assert "<td>form.staff</td><td>Fran Form</td>" in re.sub(
        r">\s+<", "><", admin.get("/admin/users").text
    )
    added = entries(own.store, username="admin", action="user_added")
    assert added[-1].subject_id == "form.staff"
    with TestClient(own.app, base_url=BASE) as fran:
        sign_in(fran, "form.staff", "a long enough passphrase")
        assert fran.get(f"/schools/{school}").status_code == 200
        assert fran.get(f"/schools/{district.staff_school}").status_code == 403


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({"password": "short"}, 200, "password not accepted"),
        ({"role": "superuser"}, 200, "role must be one of"),
        ({"username": "admin"}, 200, "already exists"),
        ({"schools": ["NOT-A-SCHOOL"]}, 400, "not in the district"),
        ({"role": "district_viewer", "schools": ["D01-E01"]}, 200, "school_staff only"),
    ],
)
def test_admin_form_refuses_a_bad_user(
    changes: dict,
    status: int,
    words: str,
    own,
    district,  # noqa: ANN001
) -> None:
    from homeroom.casebook.users import get_user

    admin = own.client("admin")
    data = {
        "csrf_token": csrf_of(admin.get("/admin/users").text),
        "username": "refused.user",
        "role": "school_staff",
        "password": "a long enough passphrase",
        "schools": [district.staff_school],
        **changes,
    }
    answer = admin.post("/admin/users", data=data, follow_redirects=False)
    assert answer.status_code == status
    assert words in answer.text
    if data["username"] == "refused.user":
        assert get_user(own.store, "refused.user") is None


def test_disabling_a_user_ends_their_session_at_once(own, district) -> None:  # noqa: ANN001
    from homeroom.casebook.users import add_user

    add_user(
        own.store,
        "soon.gone",
        "school_staff",
        password=PASSWORD,
        schools=[district.staff_school],
    )
    with TestClient(own.app, base_url=BASE) as them:
        sign_in(them, "soon.gone")
        assert them.get("/students").status_code == 200
        admin = own.client("admin")
        token = csrf_of(admin.get("/admin/users").text)
        answer = admin.post(
            "/admin/users/soon.gone/disable", data={"csrf_token": token}, follow_redirects=False
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/admin/users?message=user_disabled"
        refused = them.get("/students", follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
        assert try_sign_in(them, "soon.gone", PASSWORD).status_code == 401
        assert "<td>disabled</td>" in admin.get("/admin/users").text
        answer = admin.post(
            "/admin/users/soon.gone/enable", data={"csrf_token": token}, follow_redirects=False
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/admin/users?message=user_enabled"
        assert try_sign_in(them, "soon.gone", PASSWORD).status_code == 303
    actions = [
        e.action for e in entries(own.store, username="admin") if e.subject_id == "soon.gone"
    ]
    assert actions == ["user_disabled", "user_enabled"]


def test_admin_cannot_disable_themself(own) -> None:  # noqa: ANN001
    admin = own.client("admin")
    token = csrf_of(admin.get("/admin/users").text)
    answer = admin.post("/admin/users/admin/disable", data={"csrf_token": token})
    assert answer.status_code == 400
    assert "cannot disable your own account" in answer.text
    assert admin.get("/admin/users").status_code == 200
    # No button to try it with, either.
    assert 'action="/admin/users/admin/disable"' not in admin.get("/admin/users").text


@pytest.mark.parametrize("role", ["staff", "viewer", "analyst"])
def test_only_administrators_reach_admin_pages(role: str, own, district) -> None:  # noqa: ANN001
    from homeroom.casebook.users import get_user

    client = own.client(role)
    for path in [
        "/admin/users",
        "/admin/audit",
        "/admin/audit?format=csv",
        "/admin/audit?format=xlsx",
    ]:
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "only a district administrator" in answer.text
    token = csrf_of(client.get("/data").text)
    made = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "username": f"made-by-{role}",
            "role": "district_admin",
            "password": PASSWORD,
        },
    )
    assert made.status_code == 403
    assert get_user(own.store, f"made-by-{role}") is None
    assert client.post("/admin/users/admin/disable", data={"csrf_token": token}).status_code == 403
    assert not get_user(own.store, "admin").disabled
    assert 'href="/admin/users"' not in client.get("/data").text
