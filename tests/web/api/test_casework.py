"""Writes through the API: plans, actions, referrals with consent, consent withdrawal, and the
caseload they make. 201 with exactly the keys the issue names; 400 naming the field for a
malformed body, an unknown field, a bad date or an expired consent, with nothing written."""

from __future__ import annotations

import pytest

from homeroom.casebook.actions import student_actions
from homeroom.casebook.consents import student_referrals
from homeroom.casebook.plans import current_plan
from web.api.conftest import consent, refer


def _post(client, path: str, body) -> tuple[int, dict]:  # noqa: ANN001
    answer = client.post(path, json=body)
    return answer.status_code, answer.json()


def test_a_plan_is_opened_and_shown(api) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    status, body = _post(
        api.client("staff"),
        f"/api/v1/students/{student}/plans",
        {
            "tier": 2,
            "owner": "staff",
            "supports": [4, 7],
            "goal": "Miss no more than 1 day a month",
            "review_on": "2025-06-13",
        },
    )
    assert status == 201 and list(body) == ["plan_id"]
    plan = current_plan(api.store, student)
    assert plan is not None and plan.id == body["plan_id"]
    assert (plan.tier, plan.owner, plan.school_id) == (2, "staff", api.schools[0])
    shown = api.client("admin").get(f"/api/v1/students/{student}").json()["plan"]
    assert shown["plan_id"] == plan.id and shown["tier"] == 2 and shown["owner"] == "staff"
    assert [s["id"] for s in shown["supports"]] == [4, 7]
    assert shown["review_on"] == "2025-06-13" and shown["start_on"] == "2025-05-20"
    assert shown["goal"] == "Miss no more than 1 day a month" and shown["status"] == "open"
    # One open plan per student.
    status, body = _post(
        api.client("admin"), f"/api/v1/students/{student}/plans", {"tier": 1, "owner": "admin"}
    )
    assert status == 400 and body["field"] == "plan"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tier": 2, "owner": "staff", "colour": "red"}, "colour"),
        ({"owner": "staff"}, "tier"),
        ({"tier": 4, "owner": "staff"}, "tier"),
        ({"tier": 2, "owner": "staff", "review_on": "13/06/2025"}, "review_on"),
        ({"tier": 2, "owner": "staff", "review_on": "2025-02-30"}, "review_on"),
        ({"tier": 2, "owner": "staff", "review_on": "2025-05-01"}, "review_on"),  # before start
        ({"tier": 2, "owner": "staff2"}, "owner"),  # works at another school
        ({"tier": 2, "owner": "clinic"}, "owner"),  # a partner owns no plan
        ({"tier": 2, "owner": "nobody"}, "owner"),
        ({"tier": 2, "owner": "staff", "supports": [999]}, "supports"),
        ({"tier": 2, "owner": "staff", "supports": "4"}, "supports"),
        ({"tier": 2, "owner": "staff", "goal": 7}, "goal"),
    ],
)
def test_a_bad_plan_is_refused_naming_the_field_and_nothing_is_written(api, body, field) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    status, answer = _post(api.client("staff"), f"/api/v1/students/{student}/plans", body)
    assert status == 400 and answer["field"] == field, answer
    assert field.rstrip("s") in answer["error"]  # the message names it too
    assert current_plan(api.store, student) is None


@pytest.mark.parametrize("raw", ['{"tier": 2,', "[1, 2]", "tier=2", '"text"'])
def test_malformed_json_is_400(api, raw: str) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    for path in ("plans", "actions", "referrals"):
        answer = api.client("admin").post(
            f"/api/v1/students/{student}/{path}",
            content=raw,
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 400 and "JSON" in answer.json()["error"], answer.text
    assert current_plan(api.store, student) is None
    assert student_actions(api.store, student) == []


def test_an_action_with_a_follow_up_and_the_one_that_completes_it(api) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    client = api.client("staff")
    path = f"/api/v1/students/{student}/actions"
    status, first = _post(
        client,
        path,
        {
            "kind": "home visit",
            "on": "2025-05-12",
            "outcome": "nobody home",
            "note": "left a card",
            "follow_up_on": "2025-05-15",
        },
    )
    assert status == 201 and list(first) == ["action_id"]
    shown = api.client("staff").get(f"/api/v1/students/{student}").json()["actions"]
    assert len(shown) == 1
    assert shown[0]["action_id"] == first["action_id"]
    assert {k: shown[0][k] for k in ("kind", "on", "outcome", "note", "follow_up_on", "by")} == {
        "kind": "home_visit",
        "on": "2025-05-12",
        "outcome": "nobody home",
        "note": "left a card",
        "follow_up_on": "2025-05-15",
        "by": "staff",
    }
    status, second = _post(
        client,
        path,
        {
            "kind": "call",
            "on": "2025-05-16",
            "outcome": "spoke",
            "follow_up_on": None,
            "completes": [first["action_id"]],
        },
    )
    assert status == 201
    done = {a.id: a for a in student_actions(api.store, student)}
    assert done[first["action_id"]].follow_up_done_on.isoformat() == "2025-05-16"
    assert done[second["action_id"]].follow_up_on is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "carrier pigeon"}, "kind"),
        ({"on": "2025-05-12"}, "kind"),
        ({"kind": "partner"}, "kind"),  # staff never log a partner's work
        ({"kind": "call", "on": "yesterday"}, "on"),
        ({"kind": "call", "on": "2025-06-30"}, "on"),  # in the future
        ({"kind": "call", "on": "2025-05-12", "follow_up_on": "2025-05-01"}, "follow_up_on"),
        ({"kind": "call", "follow_up_on": "someday"}, "follow_up_on"),
        ({"kind": "call", "when": "2025-05-12"}, "when"),
        ({"kind": "call", "completes": ["1"]}, "completes"),
        ({"kind": "call", "completes": [987654]}, "completes"),
    ],
)
def test_a_bad_action_is_refused_naming_the_field(api, body, field) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    status, answer = _post(api.client("staff"), f"/api/v1/students/{student}/actions", body)
    assert status == 400 and answer["field"] == field, answer
    assert student_actions(api.store, student) == []


def test_caseload_overdue_first_and_only_the_owner_s(api) -> None:  # noqa: ANN001
    late, calm = api.fresh(api.schools[1]), api.fresh(api.schools[1])
    staff2 = api.client("staff2")
    plans = {}
    for student in (calm, late):
        status, body = _post(
            staff2,
            f"/api/v1/students/{student}/plans",
            {"tier": 2, "owner": "staff2", "start_on": "2025-05-01"},
        )
        assert status == 201
        plans[student] = body["plan_id"]
    follow = {late: "2025-05-19", calm: "2025-05-27"}  # the store's day is 2025-05-20
    for student, day in follow.items():
        assert (
            _post(
                staff2,
                f"/api/v1/students/{student}/actions",
                {"kind": "call", "on": "2025-05-05", "follow_up_on": day},
            )[0]
            == 201
        )
    items = staff2.get("/api/v1/caseload").json()["items"]
    assert [i["student_id"] for i in items[:1]] == [late]
    mine = {i["student_id"]: i for i in items}
    assert {k: mine[late][k] for k in ("student_id", "plan_id", "follow_up_on", "overdue")} == {
        "student_id": late,
        "plan_id": plans[late],
        "follow_up_on": "2025-05-19",
        "overdue": True,
    }
    assert (mine[calm]["follow_up_on"], mine[calm]["overdue"]) == ("2025-05-27", False)
    # Another member of staff sees none of it; an administrator may ask for it.
    assert not {late, calm} & {
        i["student_id"] for i in api.client("staff").get("/api/v1/caseload").json()["items"]
    }
    assert api.client("staff").get("/api/v1/caseload?owner=staff2").status_code == 403
    asked = api.client("admin").get("/api/v1/caseload?owner=staff2").json()["items"]
    assert {late, calm} <= {i["student_id"] for i in asked}


def test_a_referral_with_consent_and_its_withdrawal(api) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    made = refer(api, student, api.clinic, scope=["attendance_summary", "plan"])
    assert list(made) == ["referral_id", "consent_id"]
    shown = api.client("staff").get(f"/api/v1/students/{student}").json()["referrals"]
    assert shown[0]["referral_id"] == made["referral_id"]
    assert shown[0]["partner_id"] == api.clinic
    assert shown[0]["consents"][0] | {"withdrawn_at": None} == {
        "consent_id": made["consent_id"],
        "partner_id": api.clinic,
        "given_by": "A. Guardian",
        "relationship": "mother",
        "given_on": "2025-05-01",
        "expires_on": "2025-12-31",
        "scope": ["attendance_summary", "plan"],
        "status": "in force",
        "withdrawn_at": None,
    }
    # Staff of another school cannot reach the consent; its own school's staff can.
    path = f"/api/v1/consents/{made['consent_id']}/withdraw"
    assert api.client("staff2").post(path).status_code == 404
    answer = api.client("staff").post(path)
    assert answer.status_code == 200 and answer.json()["status"] == "withdrawn"
    assert api.client("staff").post("/api/v1/consents/999999/withdraw").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"consent": consent(given_on="2025-01-01", expires_on="2025-05-19")},
            "consent.expires_on",
        ),  # expired the day before
        ({"consent": consent(expires_on="31 December 2025")}, "consent.expires_on"),
        ({"consent": consent(given_on="2025-13-01")}, "consent.given_on"),
        ({"consent": consent() | {"signed": True}}, "consent.signed"),
        ({"consent": consent(scope=["grades"])}, "consent.scope"),
        ({"consent": "yes"}, "consent"),
        ({"partner": 424242}, "partner"),
        ({"partner": "1"}, "partner"),
        ({"partner": None}, "partner"),
        ({"why": "health"}, "why"),
    ],
)
def test_a_bad_referral_is_refused_and_nothing_is_written(api, change, field) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    body = {"partner": api.clinic, "reason": "asthma", "consent": consent()} | change
    status, answer = _post(api.client("staff"), f"/api/v1/students/{student}/referrals", body)
    assert status == 400 and answer["field"] == field, answer
    assert student_referrals(api.store, student) == []


def test_partners_may_not_plan_refer_withdraw_or_read_a_caseload(api) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    made = refer(api, student, api.clinic, scope=["plan"])
    client = api.client("clinic")
    base = f"/api/v1/students/{student}"
    assert client.post(f"{base}/plans", json={"tier": 1, "owner": "staff"}).status_code == 403
    referral = {"partner": api.clinic, "consent": consent()}
    assert client.post(f"{base}/referrals", json=referral).status_code == 403
    assert client.post(f"/api/v1/consents/{made['consent_id']}/withdraw").status_code == 403
    assert client.get("/api/v1/caseload").status_code == 403
    assert current_plan(api.store, student) is None
    assert len(student_referrals(api.store, student)) == 1
