"""Who reaches whom through the API (issue 13's acceptance): a partner reaches no student
without a consent in force, through any call; expiry and withdrawal end access at once; the
consent's scope limits the fields of every answer; school staff reach only their schools'
students, plans and caseloads."""

from __future__ import annotations

import datetime as dt

import pytest

from homeroom.casebook.actions import student_actions
from homeroom.casebook.plans import current_plan
from web.api.conftest import refer

NO_STUDENT = {"error": "no student with that id among the records you may see", "field": None}
ALWAYS = {"student_id", "name", "school_id", "school_name", "grade_level", "school_year"}
SUMMARY = {"as_of", "days_enrolled", "days_absent", "absence_rate", "tier", "flags"}


def _reach(api, user: str, student: str) -> dict[str, int]:  # noqa: ANN001
    """The status of every call that could touch the student, as USER."""
    client = api.client(user)
    listed = {s["student_id"] for s in client.get("/api/v1/students?limit=5000").json()["students"]}
    return {
        "listed": int(student in listed),
        "record": client.get(f"/api/v1/students/{student}").status_code,
        "action": client.post(
            f"/api/v1/students/{student}/actions", json={"kind": "partner", "note": "session"}
        ).status_code,
    }


def test_a_partner_without_consent_reaches_no_student(api) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    assert _reach(api, "clinic", student) == {"listed": 0, "record": 404, "action": 404}
    answer = api.client("clinic").get(f"/api/v1/students/{student}")
    assert answer.json() == NO_STUDENT
    assert student_actions(api.store, student) == []


def test_a_consent_to_one_partner_opens_nothing_to_another(api) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    refer(api, student, api.clinic, scope=["attendance_summary", "plan", "contacts"])
    assert _reach(api, "mentors", student) == {"listed": 0, "record": 404, "action": 404}
    assert _reach(api, "clinic", student)["record"] == 200


SCOPES = [
    ["attendance_summary"],
    ["attendance_detail"],
    ["contacts"],
    ["plan"],
    ["attendance_summary", "attendance_detail", "contacts", "plan"],
]


@pytest.mark.parametrize("scope", SCOPES, ids=["+".join(s) for s in SCOPES])
def test_the_consent_s_scope_limits_every_answer(api, scope: list[str]) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    refer(api, student, api.clinic, scope=scope)
    client = api.client("clinic")
    listed = client.get("/api/v1/students").json()
    mine = [s for s in listed["students"] if s["student_id"] == student]
    assert len(mine) == 1
    summary = "attendance_summary" in scope
    assert ("absence_rate" in mine[0]) is summary and ("tier" in mine[0]) is summary
    assert {"student_id", "name", "school_id", "grade_level"} <= set(mine[0])
    record = client.get(f"/api/v1/students/{student}").json()
    expected = set(ALWAYS) | {"partner_actions"}
    if summary:
        expected |= SUMMARY
    if "attendance_detail" in scope:
        expected |= {"attendance", "chance"}
    if "plan" in scope:
        expected |= {"plan", "actions"}
    if "contacts" in scope:
        expected |= {"contacts"}
    assert set(record) == expected
    assert "referrals" not in record  # who consented to what is the school's record
    staff = api.client("staff").get(f"/api/v1/students/{student}").json()
    for key in expected - {"partner_actions"}:
        assert record[key] == staff[key], key  # what a partner sees is the school's own


def test_a_partner_logs_its_own_work_whatever_the_scope(api) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    refer(api, student, api.clinic, scope=["contacts"])
    client = api.client("clinic")
    path = f"/api/v1/students/{student}/actions"
    answer = client.post(path, json={"kind": "partner", "on": "2025-05-19", "note": "check-up"})
    assert answer.status_code == 201 and list(answer.json()) == ["action_id"]
    refused = client.post(path, json={"kind": "call", "on": "2025-05-19"})
    assert refused.status_code == 403 and refused.json()["field"] is None
    logged = student_actions(api.store, student)
    assert [(a.kind, a.partner_id, a.by) for a in logged] == [("partner", api.clinic, "clinic")]
    # The partner reads back its own work; the school sees it among the student's actions.
    record = client.get(f"/api/v1/students/{student}").json()
    assert [a["action_id"] for a in record["partner_actions"]] == [answer.json()["action_id"]]
    assert "actions" not in record
    staff = api.client("staff").get(f"/api/v1/students/{student}").json()["actions"]
    assert [(a["kind"], a["partner_name"], a["note"]) for a in staff] == [
        ("partner", "Northside Health Clinic", "check-up")
    ]


def test_expiry_ends_access_at_once(api) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    refer(api, student, api.clinic, scope=["attendance_summary", "plan"], expires_on="2025-05-31")
    api.clock.now = dt.datetime(2025, 5, 31, 23, 59, tzinfo=dt.UTC)  # its last day in force
    assert _reach(api, "clinic", student) == {"listed": 1, "record": 200, "action": 201}
    api.clock.now = dt.datetime(2025, 6, 1, 0, 1, tzinfo=dt.UTC)
    assert _reach(api, "clinic", student) == {"listed": 0, "record": 404, "action": 404}
    assert len(student_actions(api.store, student)) == 1  # only the one while in force


def test_withdrawal_ends_access_at_once(api) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    made = refer(api, student, api.clinic, scope=["attendance_summary"])
    assert _reach(api, "clinic", student)["record"] == 200
    withdrawn = api.client("admin").post(f"/api/v1/consents/{made['consent_id']}/withdraw")
    assert withdrawn.status_code == 200
    assert _reach(api, "clinic", student) == {"listed": 0, "record": 404, "action": 404}


def test_school_staff_reach_only_their_schools(api) -> None:  # noqa: ANN001
    theirs = api.fresh(api.schools[0])
    plan = api.client("staff").post(
        f"/api/v1/students/{theirs}/plans", json={"tier": 1, "owner": "staff"}
    )
    assert plan.status_code == 201
    made = refer(api, theirs, api.clinic)
    other = api.client("staff2")  # works at another school
    listed = other.get("/api/v1/students?limit=5000").json()["students"]
    assert theirs not in {s["student_id"] for s in listed}
    assert {s["school_id"] for s in listed} == {api.schools[1]}
    base = f"/api/v1/students/{theirs}"
    assert other.get(base).json() == NO_STUDENT
    calls = [
        other.post(f"{base}/plans", json={"tier": 1, "owner": "staff2"}),
        other.post(f"{base}/actions", json={"kind": "call"}),
        other.post(f"{base}/referrals", json={"partner": api.clinic, "consent": {}}),
    ]
    assert [c.status_code for c in calls] == [404, 404, 404]
    assert all(c.json() == NO_STUDENT for c in calls)
    assert other.post(f"/api/v1/consents/{made['consent_id']}/withdraw").status_code == 404
    items = other.get("/api/v1/caseload").json()["items"]
    assert plan.json()["plan_id"] not in {i["plan_id"] for i in items}
    assert current_plan(api.store, theirs).owner == "staff"
    assert student_actions(api.store, theirs) == []


def test_a_partner_lists_exactly_its_consented_students_and_may_narrow_by_school(api) -> None:  # noqa: ANN001
    here, there = api.fresh(api.schools[2]), api.fresh(api.schools[3])
    for student in (here, there):
        refer(api, student, api.mentors, scope=["plan"])
    client = api.client("mentors")
    listed = client.get("/api/v1/students").json()
    assert [s["student_id"] for s in listed["students"]] == sorted([here, there])
    assert listed["total"] == 2
    narrowed = client.get(f"/api/v1/students?school={api.schools[3]}").json()["students"]
    assert [(s["student_id"], s["school_id"]) for s in narrowed] == [(there, api.schools[3])]
