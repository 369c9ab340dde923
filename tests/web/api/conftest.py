"""The API tests' own app: the synthetic district of tests/web/conftest.py, copied so that its
casebook, signals run and clock are this folder's alone, with a token for one user of each role.

- `api`: the app, its store and clock (moved by tests, put back after each), the schools, two
  partners and a client per role (`api.client("staff")` sends that user's token);
- `fresh(school, among=None)`: a student enrolled this year at that school only (in every
  year; one of AMONG if given), never handed out twice in a test run, so tests that write
  plans or consents never meet.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casebook.support import Clock
from homeroom.casebook.audit import CliActor

ADMIN = CliActor("cli:test")
# The store's day: within the later school year of the synthetic district's data.
START = dt.datetime(2025, 5, 20, 12, 0, tzinfo=dt.UTC)
ROLES = {
    "admin": "district_admin",
    "staff": "school_staff",
    "staff2": "school_staff",
    "viewer": "district_viewer",
    "analyst": "state_analyst",
    "clinic": "partner",
    "mentors": "partner",
}


@dataclass
class Api:
    app: Any
    store: Any
    clock: Clock
    workspace: Any
    schools: list[str]
    clinic: int  # partner ids
    mentors: int
    tokens: dict[str, str]
    used: set[str] = field(default_factory=set)
    _clients: list[TestClient] = field(default_factory=list)

    @property
    def serving(self) -> Any:
        return self.app.state.homeroom.serving

    def client(self, user: str | None = None, token: str | None = None) -> TestClient:
        """A client sending USER's token (or TOKEN; neither: no Authorization header)."""
        client = TestClient(self.app, base_url="http://127.0.0.1")
        self._clients.append(client)
        bearer = token if token is not None else self.tokens.get(user or "")
        if bearer is not None:
            client.headers["Authorization"] = f"Bearer {bearer}"
        return client

    def fresh(self, school: str, among: set[str] | None = None) -> str:
        with self.serving.cursor() as cur:
            rows = cur.execute(
                "SELECT student_id FROM enrollments GROUP BY student_id "
                "HAVING count(DISTINCT school_id) = 1 AND min(school_id) = ? "
                "AND max(school_year) = ? ORDER BY student_id",
                [school, self.serving.school_year_of(self.serving.latest_date)],
            ).fetchall()
        for (student,) in rows:
            if student not in self.used and (among is None or student in among):
                self.used.add(student)
                return str(student)
        raise AssertionError("the district ran out of students for the API tests")


@pytest.fixture(scope="session")
def api(district, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:  # noqa: ANN001
    from homeroom.casebook.partners import add_partner
    from homeroom.casebook.store import open_store
    from homeroom.casebook.tokens import issue_token
    from homeroom.casebook.users import add_user
    from homeroom.resolver import resolve
    from homeroom.signals.store import save_run
    from homeroom.signals.watch import watch_list
    from homeroom.warehouse import open_workspace
    from homeroom.web.app import create_app
    from homeroom.web.snapshot import find_serving

    root = tmp_path_factory.mktemp("api")
    shutil.copytree(district.workspace.root, root / "ws")
    workspace = open_workspace(root / "ws")
    with resolve(workspace=workspace) as request:
        found = watch_list(request)
    save_run(workspace, found.flags, found.as_of)
    clock = Clock(START)
    store = open_store(f"sqlite:///{root / 'casebook.sqlite'}", clock=clock)
    clinic = add_partner(store, "Northside Health Clinic", by=ADMIN).id
    mentors = add_partner(store, "Big Friends Mentoring", by=ADMIN).id
    schools = district.schools
    tokens = {}
    for name, role in ROLES.items():
        extra: dict[str, Any] = {}
        if role == "school_staff":
            extra["schools"] = [schools[0] if name == "staff" else schools[1]]
        if role == "partner":
            extra["partner_id"] = clinic if name == "clinic" else mentors
        add_user(store, name, role, password="correct horse battery staple", **extra)
        tokens[name] = issue_token(store, name, by=ADMIN)
    serving_path = find_serving(workspace)
    app = create_app(workspace, store=store, secure_cookies=False, serving_path=serving_path)
    made = Api(app, store, clock, workspace, schools, clinic, mentors, tokens)
    yield made
    for client in made._clients:
        client.close()


@pytest.fixture(autouse=True)
def clock_back(api: Api) -> Iterator[None]:
    """Each test starts on the same day, whatever the one before did to the clock."""
    api.clock.now = START
    yield
    api.clock.now = START


def consent(given_on: str = "2025-05-01", expires_on: str = "2025-12-31", scope=None) -> dict:  # noqa: ANN001
    return {
        "given_by": "A. Guardian",
        "relationship": "mother",
        "given_on": given_on,
        "expires_on": expires_on,
        "scope": list(scope if scope is not None else ["attendance_summary"]),
    }


def refer(api: Api, student: str, partner: int, scope=None, **terms: str) -> dict:  # noqa: ANN001
    """Refer STUDENT to PARTNER through the API as the administrator; the 201 body."""
    answer = api.client("admin").post(
        f"/api/v1/students/{student}/referrals",
        json={"partner": partner, "reason": "health", "consent": consent(scope=scope, **terms)},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()
