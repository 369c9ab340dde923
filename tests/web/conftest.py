"""A small synthetic district served by the web app, with one user of each role."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
STUDENT_LINK = re.compile(r'href="/students/([0-9a-f]{20})"')


@dataclass
class District:
    workspace: object
    serving_path: Path
    store: object
    schools: list[str]  # school ids, sorted
    staff_school: str  # the one school of the school_staff user


@pytest.fixture(scope="session", autouse=True)
def cheap_hashing():  # noqa: ANN201
    """argon2 with tiny parameters: the real ones cost ~0.5 s a sign-in on this machine."""
    from argon2 import PasswordHasher

    from homeroom.casebook import passwords

    saved = passwords.HASHER
    passwords.HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    passwords._dummy_hash.cache_clear()
    yield
    passwords.HASHER = saved
    passwords._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    import duckdb

    from homeroom.casebook.store import open_store
    from homeroom.casebook.users import add_user
    from homeroom.synth import generate
    from homeroom.warehouse import init_workspace, load_dataset
    from homeroom.warehouse.serving import prepare_serving

    root = tmp_path_factory.mktemp("web-district")
    generate(root / "data", students=600, schools=4, years=2, seed=11)
    workspace = init_workspace(root / "ws", name="Web test district")
    load_dataset(workspace, root / "data")
    con = duckdb.connect(str(workspace.warehouse), read_only=True)
    schools = sorted(r[0] for r in con.execute("SELECT school_id FROM schools").fetchall())
    con.close()
    serving_path = prepare_serving(workspace)
    store = open_store(f"sqlite:///{root / 'casebook.sqlite'}")
    add_user(store, "admin", "district_admin", password=PASSWORD, display_name="Ada Admin")
    add_user(store, "staff", "school_staff", password=PASSWORD, schools=[schools[0]])
    add_user(store, "viewer", "district_viewer", password=PASSWORD)
    add_user(store, "analyst", "state_analyst", password=PASSWORD)
    return District(workspace, serving_path, store, schools, schools[0])


@pytest.fixture(scope="session")
def app(district: District):  # noqa: ANN201
    from homeroom.web.app import create_app

    return create_app(
        district.workspace,
        store=district.store,
        secure_cookies=False,
        serving_path=district.serving_path,
    )


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    form = client.get("/login")
    token = CSRF.search(form.text).group(1)
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:500]
    return client


@pytest.fixture
def client_for(app) -> Callable[[str], TestClient]:  # noqa: ANN001
    made: list[TestClient] = []

    def make(username: str) -> TestClient:
        client = TestClient(app, base_url="http://127.0.0.1")
        made.append(client)
        return sign_in(client, username)

    yield make
    for client in made:
        client.close()


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)
