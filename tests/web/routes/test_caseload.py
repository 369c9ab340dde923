"""The caseload page: the signed-in user's open plans, overdue follow-ups first; an
administrator may read anyone's, school staff only their own and only at their schools."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from web.conftest import PASSWORD, sign_in, student_key

NOON = dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)
BASE = "http://127.0.0.1"
ROW = re.compile(r'<a href="/students/([0-9a-f]{20})\?via=caseload">')


@dataclass
class Caseloads:
    app: Any
    store: Any
    district: Any
    students: dict[str, str]  # what each plan is for -> its student id
    clients: list

    def client(self, username: str) -> TestClient:
        client = TestClient(self.app, base_url=BASE)
        self.clients.append(client)
        return sign_in(client, username)

    def keys_shown(self, html: str) -> list[str]:
        return ROW.findall(html)

    def key(self, what: str) -> str:
        return student_key(self.district, self.students[what])


@pytest.fixture(scope="module")
def caseloads(district, tmp_path_factory) -> Caseloads:  # noqa: ANN001
    """Staff's four plans at their school: one with an overdue follow-up (8 March), one due
    today, one due later (20 March), one without a follow-up but due for review; one plan of
    theirs at a school they have since lost; Lee's one plan."""
    import duckdb

    from homeroom.casebook.actions import log_action
    from homeroom.casebook.audit import CliActor
    from homeroom.casebook.plans import open_plan
    from homeroom.casebook.store import open_store
    from homeroom.casebook.users import add_user, set_schools
    from homeroom.web.app import create_app

    root = tmp_path_factory.mktemp("caseload")
    store = open_store(f"sqlite:///{root / 'casebook.sqlite'}", clock=lambda: NOON)
    mine, theirs = district.schools[0], district.schools[1]
    add_user(store, "admin", "district_admin", password=PASSWORD)
    add_user(store, "staff", "school_staff", password=PASSWORD, schools=[mine, theirs])
    add_user(store, "lee", "school_staff", password=PASSWORD, schools=[mine])
    add_user(store, "viewer", "district_viewer", password=PASSWORD)
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    at = {
        school: [str(r[0]) for r in con.execute(
            "SELECT DISTINCT student_id FROM enrollments WHERE school_id = ? ORDER BY 1 LIMIT 50",
            [school]).fetchall()]
        for school in (mine, theirs)
    }  # fmt: skip
    con.close()
    names = ("later", "overdue", "review", "today", "lee")
    students = dict(zip(names, at[mine], strict=False))
    students["lost"] = next(s for s in at[theirs] if s not in students.values())
    by = CliActor("cli:test")
    follow_ups = {"later": "2025-03-20", "overdue": "2025-03-08", "today": "2025-03-10"}
    for what, student in students.items():
        school = theirs if what == "lost" else mine
        review = "2025-03-09" if what == "review" else "2025-04-30"
        plan = open_plan(
            store,
            student_id=student,
            school_id=school,
            tier=3 if what == "lee" else 2,
            owner="lee" if what == "lee" else "staff",
            review_on=review,
            start_on="2025-03-01",
            supports=[1] if what == "overdue" else [],
            by=by,
        )
        if what in follow_ups:
            log_action(store, student_id=student, school_id=school, kind="call",
                       done_on="2025-03-01", follow_up_on=follow_ups[what], by=by)  # fmt: skip
        assert plan.id > 0
    set_schools(store, "staff", [mine], by=by)
    app = create_app(district.workspace, store=store, secure_cookies=False,
                     serving_path=district.serving_path)  # fmt: skip
    made = Caseloads(app, store, district, students, [])
    yield made
    for client in made.clients:
        client.close()
    store.close()


def test_own_caseload_overdue_first_and_only_at_their_schools(caseloads: Caseloads) -> None:
    html = caseloads.client("staff").get("/caseload").text
    order = ["overdue", "today", "later", "review"]  # then by date; no follow-up last
    assert caseloads.keys_shown(html) == [caseloads.key(w) for w in order]
    assert caseloads.students["lost"] not in html  # a school they no longer have
    row = html.split(caseloads.key("overdue"))[1].split("</tr>")[0]
    # Overdue is written in words, not only in colour; the support chosen is named.
    assert '<span class="status overdue">Overdue</span> 8 March 2025' in row
    assert "Tier 2" in row
    from homeroom.casebook.supports import list_supports

    assert list_supports(caseloads.store)[0].name in row
    today = html.split(caseloads.key("today"))[1].split("</tr>")[0]
    assert '<span class="status due">Due today</span> 10 March 2025' in today
    review = html.split(caseloads.key("review"))[1].split("</tr>")[0]
    assert "None open" in review and "Review due</span> 9 March 2025" in review


def test_an_administrator_reads_anyones_staff_only_their_own(caseloads: Caseloads) -> None:
    admin = caseloads.client("admin")
    lee = admin.get("/caseload?owner=lee")
    assert lee.status_code == 200 and "Caseload of lee" in lee.text
    assert caseloads.keys_shown(lee.text) == [caseloads.key("lee")]
    # The administrator sees every school, the lost school's plan included.
    staff_seen = caseloads.keys_shown(admin.get("/caseload?owner=staff").text)
    assert caseloads.key("lost") in staff_seen and len(staff_seen) == 5
    assert "No open plans" in admin.get("/caseload").text  # their own: none
    staff = caseloads.client("staff")
    refused = staff.get("/caseload?owner=lee")
    assert refused.status_code == 403 and caseloads.students["lee"] not in refused.text
    assert staff.get("/caseload?owner=STAFF").status_code == 200  # their own, in any case
    assert caseloads.client("viewer").get("/caseload").status_code == 403


def test_viewing_a_caseload_is_audited(caseloads: Caseloads) -> None:
    from homeroom.casebook.audit import audit_entries

    caseloads.client("admin").get("/caseload?owner=lee")
    entry = audit_entries(caseloads.store, action="caseload_viewed")[-1]
    assert (entry.username, entry.subject_type, entry.subject_id) == ("admin", "user", "lee")
    assert entry.detail["students"] == [caseloads.students["lee"]]
