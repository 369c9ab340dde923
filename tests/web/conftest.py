"""Two districts for the web tests.

- `district`: a small synthetic district served by the web app, with one user of each role
  (the page, scope, audit and export tests);
- `workspace`, `serving_path`, `serving`: the hand-made district of data/district.py, loaded
  and prepared once, whose every number is worked out by hand (the data and snapshot tests).
"""

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


def _built_workspace(shared: Path) -> Path:
    """The district's workspace (data, load, prepared serving file), built once per test run.

    pytest-xdist workers share the folder above their own temp folders: the first to take
    the lock builds, the others wait and copy. Each worker then works on its own copy, so
    the runs, secrets and caches a test writes into a workspace stay its own. That folder
    outlives the run, so the build is named after the code that made it: a change to the
    metrics or the definitions builds afresh instead of testing numbers of the old code.
    """
    import fcntl

    from homeroom.synth import generate
    from homeroom.warehouse import init_workspace, load_dataset
    from homeroom.web.snapshot import prepare_serving

    built = shared / f"web-district-built-{_code_fingerprint()}"
    with (shared / "web-district.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (built / "ready").exists():
            generate(built / "data", students=600, schools=4, years=2, seed=11)
            workspace = init_workspace(built / "ws", name="Web test district")
            load_dataset(workspace, built / "data")
            prepare_serving(workspace)
            (built / "ready").touch()
    return built / "ws"


def _code_fingerprint() -> str:
    """A hash of homeroom's source and shipped definitions."""
    import hashlib

    import homeroom

    root = Path(homeroom.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".toml") and path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@pytest.fixture(scope="session")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    import shutil

    import duckdb

    from homeroom.casebook.store import open_store
    from homeroom.casebook.users import add_user
    from homeroom.warehouse import open_workspace
    from homeroom.web.snapshot import find_serving

    root = tmp_path_factory.mktemp("web-district")
    shared = tmp_path_factory.getbasetemp().parent
    shutil.copytree(_built_workspace(shared), root / "ws")
    workspace = open_workspace(root / "ws")
    con = duckdb.connect(str(workspace.warehouse), read_only=True)
    schools = sorted(r[0] for r in con.execute("SELECT school_id FROM schools").fetchall())
    con.close()
    serving_path = find_serving(workspace)
    assert serving_path is not None, "the copied workspace lost its prepared serving file"
    store = open_store(f"sqlite:///{root / 'casebook.sqlite'}")
    add_user(store, "admin", "district_admin", password=PASSWORD, display_name="Ada Admin")
    add_user(store, "staff", "school_staff", password=PASSWORD, schools=[schools[0]])
    add_user(store, "viewer", "district_viewer", password=PASSWORD)
    add_user(store, "analyst", "state_analyst", password=PASSWORD)
    return District(workspace, serving_path, store, schools, schools[0])


@pytest.fixture(scope="session")
def latest(district: District):  # noqa: ANN201
    """The last date with attendance in the test district (the pages' default as-of date)."""
    import duckdb

    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        return con.execute("SELECT max(date) FROM attendance").fetchall()[0][0]
    finally:
        con.close()


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


# -- for the API tests (test_pages, test_scope, test_auth, test_audit, test_exports,
#    test_sso_flow): numbers worked out without the web app, and readers of what it sends ----
LINK = re.compile(r'(?:href|action|src)="([^"]*)"')
STUDENT_ID = re.compile(r"\bS\d{7}\b")  # the synthetic district's student ids


class Expected:
    """Metrics computed straight from the warehouse (homeroom.pipeline), not the serving file,
    for the school year that contains AS_OF; cached, as each costs about a second."""

    def __init__(self, workspace: object) -> None:
        self.workspace = workspace
        self._cache: dict[tuple, object] = {}

    def metrics(self, level: str, as_of: object, *, per: str = "school", by: tuple = ()):  # noqa: ANN201
        import pandas as pd

        from homeroom.pipeline import metrics_for_workspace

        key = (level, as_of, per, tuple(by))
        if key not in self._cache:
            frame = metrics_for_workspace(
                self.workspace, level=level, per=per, by=list(by), as_of=as_of
            )
            year = frame["school_year"].max()
            frame = frame[frame["school_year"] == year].reset_index(drop=True)
            self._cache[key] = frame
        return pd.DataFrame(self._cache[key]).copy()


@pytest.fixture(scope="session")
def expected(district: District) -> Expected:
    return Expected(district.workspace)


def student_key(district: District, student_id: str) -> str:
    """The opaque key a student's address uses: HMAC-SHA256 of the id with the app's secret."""
    import hashlib
    import hmac

    secret = (district.workspace.root / "web-secret.key").read_bytes()
    return hmac.new(secret, student_id.encode(), hashlib.sha256).hexdigest()[:20]


def links_of(html: str) -> list[str]:
    """Every address a page links to, posts to or loads (href, action, src), unescaped."""
    import html as html_module

    return [html_module.unescape(m) for m in LINK.findall(html)]


def read_csv(response: object) -> list[dict[str, str]]:
    import csv
    import io

    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def read_xlsx(response: object) -> dict[str, list[dict[str, object]]]:
    """Each sheet as a list of rows keyed by the header row."""
    import io

    from openpyxl import load_workbook

    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(response.content))
    sheets = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        header = rows[0] if rows else ()
        sheets[sheet.title] = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    return sheets


# -- the hand-made district (web/data/district.py) ----------------------------------------------


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from homeroom.warehouse import open_workspace
    from web.data.district import make_workspace

    return open_workspace(make_workspace(tmp_path_factory.mktemp("hand")))


@pytest.fixture(scope="session")
def serving_path(workspace) -> Path:  # noqa: ANN001
    from homeroom.web.snapshot import prepare_serving

    return prepare_serving(workspace)


@pytest.fixture(scope="session")
def serving(serving_path: Path):  # noqa: ANN201
    from homeroom.web.snapshot import open_serving

    data = open_serving(serving_path)
    yield data
    data.close()


# -- for the page tests: the schools' names, and a student of the staff user's school ---------


@pytest.fixture(scope="session")
def school_names(district) -> dict[str, str]:  # noqa: ANN001
    import duckdb

    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        return dict(con.execute("SELECT school_id, school_name FROM schools").fetchall())
    finally:
        con.close()


@pytest.fixture(scope="session")
def staff_student(district, expected: Expected, latest) -> str:  # noqa: ANN001
    """A student at the staff user's school this year, with part-day absences."""
    rows = expected.metrics("student", latest, per="district")
    mine = set(
        expected.metrics("student", latest).query("school_id == @district.staff_school")[
            "student_id"
        ]
    )
    rows = rows[rows["student_id"].isin(mine) & (rows["days_absent"] % 1 != 0)]
    return str(rows.sort_values("student_id")["student_id"].iloc[0])
