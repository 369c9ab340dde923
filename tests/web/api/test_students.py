"""GET /students and GET /students/{student_id}: the caller's students, each once, with the
numbers the metrics give (worked out here from the warehouse, not the serving file), paged;
one record with every part for staff; views audited like the pages'."""

from __future__ import annotations

import pandas as pd
import pytest

from homeroom.casebook.audit import audit_entries
from homeroom.web.data.flags import latest_flags

NO_STUDENT = {"error": "no student with that id among the records you may see", "field": None}


def _all(client, query: str = "") -> list[dict]:  # noqa: ANN001
    """Every page of /students, following "next"."""
    found, address = [], f"/api/v1/students?limit=97{query}"
    while address:
        answer = client.get(address)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        found += body["students"]
        address = body["next"]
    return found


def test_staff_list_their_school_this_year_with_the_district_wide_numbers(
    api,
    expected,
    latest,  # noqa: ANN001
) -> None:
    students = _all(api.client("staff"))
    mine = expected.metrics("student", latest).query("school_id == @api.schools[0]")
    assert sorted(s["student_id"] for s in students) == sorted(mine["student_id"])
    assert len({s["student_id"] for s in students}) == len(students)  # each student once
    assert {s["school_id"] for s in students} == {api.schools[0]}
    district = expected.metrics("student", latest, per="district").set_index("student_id")
    for item in students:
        assert set(item) == {
            "student_id",
            "name",
            "school_id",
            "grade_level",
            "absence_rate",
            "tier",
        }
        row = district.loc[item["student_id"]]
        assert item["absence_rate"] == pytest.approx(row["absence_rate"])
        assert item["tier"] == (None if row["tier"] is None else row["tier"])
        assert (
            item["grade_level"]
            == mine.set_index("student_id").loc[item["student_id"], "grade_level"]
        )
        assert item["name"] and " " in item["name"]


def test_paging_total_next_and_its_limits(api) -> None:  # noqa: ANN001
    client = api.client("admin")
    first = client.get("/api/v1/students?limit=10").json()
    assert first["limit"] == 10 and first["offset"] == 0 and len(first["students"]) == 10
    assert first["next"] == "/api/v1/students?limit=10&offset=10"
    everyone = _all(client)
    assert first["total"] == len(everyone) == len({s["student_id"] for s in everyone})
    assert [s["student_id"] for s in everyone] == sorted(s["student_id"] for s in everyone)
    last = client.get(f"/api/v1/students?limit=10&offset={first['total'] - 3}").json()
    assert len(last["students"]) == 3 and last["next"] is None
    past = client.get(f"/api/v1/students?offset={first['total'] + 5}").json()
    assert past["students"] == [] and past["total"] == first["total"]
    assert client.get("/api/v1/students").json()["limit"] == 500
    for bad in ("limit=0", "limit=5001", "limit=ten", "offset=-1"):
        answer = client.get(f"/api/v1/students?{bad}")
        assert answer.status_code == 400, bad
        assert answer.json()["field"] == bad.split("=")[0]


def test_school_filter_in_and_out_of_scope(api, expected, latest) -> None:  # noqa: ANN001
    other = api.schools[1]
    rows = _all(api.client("admin"), f"&school={other}")
    at_other = expected.metrics("student", latest).query("school_id == @other")
    assert sorted(s["student_id"] for s in rows) == sorted(at_other["student_id"])
    refused = api.client("staff").get(f"/api/v1/students?school={other}")
    assert refused.status_code == 403
    assert refused.json() == {"error": "that school is not one of yours", "field": None}


def test_a_student_record_for_staff_has_every_part(api, expected, latest) -> None:  # noqa: ANN001
    flags = latest_flags(api.workspace)
    student = api.fresh(api.schools[0], among=set(flags.flags["student_id"]))
    answer = api.client("staff").get(f"/api/v1/students/{student}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {
        "student_id",
        "name",
        "school_id",
        "school_name",
        "grade_level",
        "absence_rate",
        "tier",
        "days_enrolled",
        "days_absent",
        "attendance",
        "flags",
        "plan",
        "actions",
        "contacts",
        "referrals",
    } <= set(body)
    assert body["student_id"] == student and body["school_id"] == api.schools[0]
    row = expected.metrics("student", latest, per="district").set_index("student_id").loc[student]
    assert body["days_enrolled"] == row["days_enrolled"]
    assert body["days_absent"] == pytest.approx(row["days_absent"])
    assert body["absence_rate"] == pytest.approx(row["absence_rate"])
    assert body["tier"] == row["tier"]
    # Each absence on its date: their days add up to the days absent.
    assert sum(a["days"] for a in body["attendance"]) == pytest.approx(row["days_absent"])
    assert all(a["date"] <= str(latest) for a in body["attendance"])
    wanted = flags.student_flags(student)
    tiers = [None if pd.isna(t) else int(t) for t in wanted["suggested_tier"]]
    assert [(f["rule"], f["suggested_tier"], f["reason"]) for f in body["flags"]] == list(
        zip(wanted["rule"], tiers, wanted["reason"], strict=True)
    )
    assert body["flags"], "the student was picked among the flagged"
    assert body["plan"] is None and body["actions"] == [] and body["referrals"] == []
    assert isinstance(body["contacts"], list)


def test_a_student_out_of_scope_looks_missing(api) -> None:  # noqa: ANN001
    elsewhere = api.fresh(api.schools[1])
    client = api.client("staff")
    out = client.get(f"/api/v1/students/{elsewhere}")
    missing = client.get("/api/v1/students/S9999999")
    assert out.status_code == missing.status_code == 404
    assert out.json() == missing.json() == NO_STUDENT
    assert elsewhere not in out.text


def test_views_are_audited_with_the_pages_action_names(api) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    client = api.client("staff")
    assert client.get(f"/api/v1/students/{student}").status_code == 200
    viewed = audit_entries(api.store, username="staff", action="student_viewed", subject_id=student)
    assert len(viewed) == 1 and viewed[0].reason == "api"
    assert set(viewed[0].detail["parts"]) == {
        "attendance_summary",
        "attendance_detail",
        "plan",
        "contacts",
    }
    page = client.get("/api/v1/students?limit=5").json()["students"]
    listed = audit_entries(api.store, username="staff", action="student_list_viewed")
    assert listed[-1].reason == "api"
    assert listed[-1].detail["students"] == [s["student_id"] for s in page]
    # An empty page shows no student: nothing to record.
    before = len(audit_entries(api.store, action="student_list_viewed"))
    assert client.get("/api/v1/students?offset=100000").json()["students"] == []
    assert len(audit_entries(api.store, action="student_list_viewed")) == before
