"""The administrator's catalogue pages: supports by tier (add, rename, move, retire, offer
again) and partner organisations (add, deactivate, their accounts, made on the users page)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from web.conftest import PASSWORD, csrf_of, sign_in

BASE = "http://127.0.0.1"
ALERT = re.compile(r'<p class="alert" role="alert">(.*?)</p>', re.S)


@dataclass
class Admin:
    app: Any
    store: Any
    clients: list

    def client(self, username: str = "admin") -> TestClient:
        client = TestClient(self.app, base_url=BASE)
        self.clients.append(client)
        return sign_in(client, username)


@pytest.fixture(scope="module")
def admin(district, tmp_path_factory) -> Admin:  # noqa: ANN001
    from homeroom.casebook.store import open_store
    from homeroom.casebook.users import add_user
    from homeroom.web.app import create_app

    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('catalogue') / 'casebook.sqlite'}")
    add_user(store, "admin", "district_admin", password=PASSWORD)
    add_user(store, "staff", "school_staff", password=PASSWORD, schools=[district.staff_school])
    add_user(store, "viewer", "district_viewer", password=PASSWORD)
    app = create_app(district.workspace, store=store, secure_cookies=False,
                     serving_path=district.serving_path)  # fmt: skip
    made = Admin(app, store, [])
    yield made
    for client in made.clients:
        client.close()
    store.close()


def _support(store: Any, name: str) -> Any:
    from homeroom.casebook.supports import list_supports

    return next(s for s in list_supports(store, include_retired=True) if s.name == name)


def test_the_catalogue_by_tier(admin: Admin) -> None:
    from homeroom.casebook.supports import list_supports

    html = admin.client().get("/supports").text
    seeded = list_supports(admin.store)
    assert len(seeded) == 13
    headings = re.findall(r'<h2 id="tier-(\d)">([^<]+)</h2>', html)
    assert headings == [("1", "Tier 1 (universal)"), ("2", "Tier 2 (early)"),
                        ("3", "Tier 3 (intensive)")]  # fmt: skip
    for tier in (1, 2, 3):
        section = html.split(f'<h2 id="tier-{tier}">')[1].split("</table>")[0]
        shown = re.findall(r'<th scope="row">([^<]+)</th>', section)
        assert shown == [s.name.replace("'", "&#39;") for s in seeded if s.tier == tier]


def test_add_rename_move_retire_and_offer_again(admin: Admin) -> None:
    from homeroom.casebook.audit import audit_entries

    client = admin.client()
    token = csrf_of(client.get("/supports").text)
    post = {"csrf_token": token}
    added = client.post("/supports", data=post | {"change": "add", "name": "Walking school bus",
                        "tier": "1", "description": "Adults walk a route"},
                        follow_redirects=False)  # fmt: skip
    assert (added.status_code, added.headers["location"]) == (
        303,
        "/supports?message=support_added",
    )
    assert ALERT.findall(client.get(added.headers["location"]).text) == [
        "Support added to the catalogue."
    ]
    bus = _support(admin.store, "Walking school bus")
    assert (bus.tier, bus.description, bus.active) == (1, "Adults walk a route", True)
    saved = client.post("/supports", data=post | {"change": "save", "support": str(bus.id),
                        "name": "Walking bus", "tier": "2", "description": ""})  # fmt: skip
    assert saved.status_code == 200  # followed to the page
    moved = _support(admin.store, "Walking bus")
    assert (moved.id, moved.tier, moved.description) == (bus.id, 2, None)
    client.post("/supports", data=post | {"change": "retire", "support": str(bus.id)})
    assert _support(admin.store, "Walking bus").active is False
    row = client.get("/supports").text.split("Walking bus</th>")[1].split("</tr>")[0]
    assert "no (retired)" in row and "Offer again" in row
    client.post("/supports", data=post | {"change": "restore", "support": str(bus.id)})
    assert _support(admin.store, "Walking bus").active is True
    changes = [e.action for e in audit_entries(admin.store, username="admin")
               if e.subject_type == "support"]  # fmt: skip
    assert changes == ["support_added", "support_changed", "support_changed", "support_changed"]


def test_a_refused_change_says_why_and_writes_nothing(admin: Admin) -> None:
    from homeroom.casebook.supports import list_supports

    client = admin.client()
    token = csrf_of(client.get("/supports").text)
    before = list_supports(admin.store, include_retired=True)
    first = before[0]
    twin = client.post("/supports", data={"csrf_token": token, "change": "add",
                                          "name": first.name.upper(), "tier": "1"})  # fmt: skip
    assert twin.status_code == 400
    assert ALERT.findall(twin.text) == [
        f"Not saved: a support named {first.name.upper()!r} already exists".replace("'", "&#39;")
    ]
    bad_tier = client.post("/supports", data={"csrf_token": token, "change": "add",
                                              "name": "Something new", "tier": "5"})  # fmt: skip
    assert bad_tier.status_code == 400 and "tier must be 1, 2 or 3" in bad_tier.text
    unknown = client.post("/supports", data={"csrf_token": token, "change": "retire",
                                             "support": "99999"})  # fmt: skip
    assert unknown.status_code == 400 and "no such support" in unknown.text
    assert client.post("/supports", data={"change": "add", "name": "No token", "tier": "1"}
                       ).status_code == 403  # fmt: skip
    assert list_supports(admin.store, include_retired=True) == before


def test_partners_and_their_accounts(admin: Admin) -> None:
    from homeroom.casebook.partners import list_partners
    from homeroom.casebook.users import get_user

    client = admin.client()
    token = csrf_of(client.get("/partners").text)
    added = client.post("/partners", data={"csrf_token": token, "change": "add",
                        "name": "Northside Clinic", "kind": "health"},
                        follow_redirects=False)  # fmt: skip
    assert added.headers["location"] == "/partners?message=partner_added"
    (clinic,) = [p for p in list_partners(admin.store) if p.name == "Northside Clinic"]
    assert (clinic.kind, clinic.active) == ("health", True)
    users_page = client.get("/admin/users").text
    assert f'<option value="{clinic.id}">Northside Clinic</option>' in users_page
    made = client.post("/admin/users", data={
        "csrf_token": token, "username": "nurse.kim", "role": "partner",
        "partner": str(clinic.id), "password": "a long enough password",
    }, follow_redirects=False)  # fmt: skip
    assert made.status_code == 303
    assert get_user(admin.store, "nurse.kim").partner_id == clinic.id
    row = client.get("/partners").text.split("Northside Clinic")[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in row and "<td>health</td>" in row and "active" in row
    users_row = client.get("/admin/users").text.split("<td>nurse.kim</td>")[1].split("</tr>")[0]
    assert "Northside Clinic" in users_row
    # A school staff account ignores the organisation chosen.
    client.post("/admin/users", data={"csrf_token": token, "username": "teacher.two",
                "role": "school_staff", "partner": str(clinic.id),
                "password": "a long enough password"})  # fmt: skip
    assert get_user(admin.store, "teacher.two").partner_id is None
    off = client.post("/partners", data={"csrf_token": token, "change": "deactivate",
                      "partner": str(clinic.id)}, follow_redirects=False)  # fmt: skip
    assert off.headers["location"] == "/partners?message=partner_deactivated"
    assert [p.active for p in list_partners(admin.store, include_inactive=True)
            if p.id == clinic.id] == [False]  # fmt: skip
    assert "inactive" in client.get("/partners").text.split("Northside Clinic")[1].split("</tr>")[0]


def test_a_partner_account_needs_its_organisation(admin: Admin) -> None:
    from homeroom.casebook.users import get_user

    client = admin.client()
    token = csrf_of(client.get("/admin/users").text)
    answer = client.post("/admin/users", data={"csrf_token": token, "username": "lost.partner",
                         "role": "partner", "password": "a long enough password"})  # fmt: skip
    assert answer.status_code == 200 and ALERT.findall(answer.text)
    assert get_user(admin.store, "lost.partner") is None


@pytest.mark.parametrize("path", ["/supports", "/partners"])
def test_only_administrators(admin: Admin, path: str) -> None:
    for username in ("staff", "viewer"):
        client = admin.client(username)
        assert client.get(path).status_code == 403
        token = csrf_of(client.get("/").text) if username != "staff" else "x"
        form = {"csrf_token": token, "change": "add", "name": "Sneaky", "tier": "1"}
        assert client.post(path, data=form).status_code == 403
