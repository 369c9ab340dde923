"""Casework on a student's page: make, change and close a plan, log actions with follow-ups,
refer to a partner with the family's consent, withdraw it. Refused forms come back with the
message beside the field, what was typed kept, and nothing written; every form needs its
CSRF token and a student within the user's reach."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import duckdb
import pytest

from homeroom.casebook.actions import student_actions
from homeroom.casebook.audit import CliActor, audit_entries
from homeroom.casebook.casework import today
from homeroom.casebook.consents import student_referrals
from homeroom.casebook.partners import add_partner
from homeroom.casebook.plans import current_plan, student_plans
from homeroom.casebook.supports import list_supports
from homeroom.casebook.users import add_user, get_user
from web.conftest import PASSWORD, csrf_of, links_of, read_csv, student_key
from web.partner_support import students_of

ERROR = re.compile(r'<span class="field-error" id="([^"]+)-error" role="alert">([^<]*)</span>')


@pytest.fixture(scope="module")
def pupils(district) -> list[str]:  # noqa: ANN001
    """Students of the staff user's school no test has worked on yet: each test takes its
    own, so their plans and actions never meet."""
    return students_of(district, 100, 10)


@pytest.fixture(scope="module")
def outsider(district) -> str:  # noqa: ANN001
    """A student never enrolled at the staff user's school."""
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        return con.execute(
            "SELECT min(student_id) FROM enrollments WHERE student_id NOT IN "
            "(SELECT student_id FROM enrollments WHERE school_id = ?)",
            [district.staff_school],
        ).fetchall()[0][0]
    finally:
        con.close()


def errors_of(html: str) -> dict[str, str]:
    return {field: unescape(message) for field, message in ERROR.findall(html)}


def form_of(client, key: str) -> str:  # noqa: ANN001
    answer = client.get(f"/students/{key}/plan")
    assert answer.status_code == 200, answer.text[:300]
    return csrf_of(answer.text)


def support_ids(district, tier: int) -> list[int]:  # noqa: ANN001
    return [s.id for s in list_supports(district.store) if s.tier == tier]


def test_a_plan_is_made_changed_and_closed(client_for, district, pupils) -> None:  # noqa: ANN001
    student = pupils[0]
    key = student_key(district, student)
    staff = client_for("staff")
    day = today(district.store)
    form = staff.get(f"/students/{key}/plan")
    assert "Make a plan" in form.text
    assert f'name="review_on" value="{(day + dt.timedelta(weeks=6)).isoformat()}"' in form.text
    assert '<option value="staff" selected>' in form.text
    two = support_ids(district, 2)[:2]
    answer = staff.post(
        f"/students/{key}/plan",
        data={
            "csrf_token": csrf_of(form.text),
            "tier": "2",
            "owner": "staff",
            "supports": [str(i) for i in two],
            "goal": "Miss at most 2 days a month",
            "start_on": day.isoformat(),
            "review_on": (day + dt.timedelta(days=30)).isoformat(),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/students/{key}?done=plan_opened"
    plan = current_plan(district.store, student)
    assert (plan.tier, plan.owner, [s.id for s in plan.supports]) == (2, "staff", two)
    assert plan.goal == "Miss at most 2 days a month"
    assert plan.review_on == day + dt.timedelta(days=30)
    shown = staff.get(answer.headers["location"])
    assert "The plan is made." in shown.text and "Change the plan" in shown.text
    files = [href for href in links_of(shown.text) if "format=" in href]
    assert files and not [href for href in files if "done=" in href]
    assert "Miss at most 2 days a month" in shown.text

    token = form_of(staff, key)
    one = support_ids(district, 3)[:1]
    changed = staff.post(
        f"/students/{key}/plan",
        data={
            "csrf_token": token,
            "tier": "3",
            "owner": "staff",
            "supports": [str(one[0])],
            "goal": "Back every day",
            "review_on": (day + dt.timedelta(days=9)).isoformat(),
        },
        follow_redirects=False,
    )
    assert changed.headers["location"] == f"/students/{key}?done=plan_changed"
    plan = current_plan(district.store, student)
    assert (plan.tier, [s.id for s in plan.supports], plan.goal) == (3, one, "Back every day")

    closed = staff.post(
        f"/students/{key}/plan/close",
        data={"csrf_token": token, "outcome": "improved", "note": "better since March"},
        follow_redirects=False,
    )
    assert closed.headers["location"] == f"/students/{key}?done=plan_closed"
    assert current_plan(district.store, student) is None
    (only,) = student_plans(district.store, student)
    assert (only.outcome, only.outcome_note, only.closed_on) == (
        "improved",
        "better since March",
        day,
    )
    page = staff.get(f"/students/{key}")
    assert "Closed plans (1)" in page.text and "Make a plan" in page.text
    actions = [e.action for e in audit_entries(district.store, student=student, username="staff")]
    assert {"plan_opened", "plan_changed", "plan_closed"} <= set(actions)


def test_a_refused_plan_keeps_what_was_typed_and_writes_nothing(
    client_for,
    district,
    pupils,  # noqa: ANN001
) -> None:
    student = pupils[1]
    key = student_key(district, student)
    staff = client_for("staff")
    token = form_of(staff, key)
    day = today(district.store)
    base = {
        "csrf_token": token,
        "tier": "2",
        "owner": "staff",
        "goal": "A goal typed in",
        "start_on": day.isoformat(),
        "review_on": (day - dt.timedelta(days=1)).isoformat(),
    }
    answer = staff.post(f"/students/{key}/plan", data=base)
    assert answer.status_code == 400
    assert errors_of(answer.text) == {"review_on": "review_on must be on or after the start date"}
    assert ">A goal typed in</textarea>" in answer.text
    assert current_plan(district.store, student) is None

    assert errors_of(staff.post(f"/students/{key}/plan", data=base | {"tier": "7"}).text) == {
        "tier": "tier must be 1, 2 or 3"
    }
    if get_user(district.store, "staff_elsewhere") is None:
        add_user(
            district.store,
            "staff_elsewhere",
            "school_staff",
            password=PASSWORD,
            schools=[district.schools[1]],
        )
    refused = staff.post(
        f"/students/{key}/plan",
        data=base | {"owner": "staff_elsewhere", "review_on": day.isoformat()},
    )
    assert refused.status_code == 400
    assert errors_of(refused.text) == {
        "owner": "owner 'staff_elsewhere' does not work at this student's school"
    }
    assert current_plan(district.store, student) is None


def test_actions_with_follow_ups_and_what_they_complete(
    client_for,
    district,
    pupils,  # noqa: ANN001
) -> None:
    student = pupils[2]
    key = student_key(district, student)
    staff = client_for("staff")
    token = form_of(staff, key)
    day = today(district.store)
    first = staff.post(
        f"/students/{key}/actions",
        data={
            "csrf_token": token,
            "kind": "call",
            "on": (day - dt.timedelta(days=10)).isoformat(),
            "outcome": "no answer",
            "note": "left a message",
            "follow_up_on": (day - dt.timedelta(days=5)).isoformat(),
        },
        follow_redirects=False,
    )
    assert first.headers["location"] == f"/students/{key}?done=action_logged"
    (call,) = student_actions(district.store, student)
    assert (call.kind, call.outcome, call.note) == ("call", "no answer", "left a message")
    page = staff.get(f"/students/{key}")
    assert "overdue since" in page.text
    assert f'name="completes" value="{call.id}"' in page.text

    second = staff.post(
        f"/students/{key}/actions",
        data={
            "csrf_token": token,
            "kind": "home visit",
            "on": day.isoformat(),
            "outcome": "met the mother",
            "completes": [str(call.id)],
            "follow_up_on": (day + dt.timedelta(days=7)).isoformat(),
        },
        follow_redirects=False,
    )
    assert second.status_code == 303
    visit, call = student_actions(district.store, student)
    assert visit.kind == "home_visit" and call.follow_up_done_on == day
    assert visit.follow_up_open()

    marked = staff.post(
        f"/students/{key}/actions/{visit.id}/done",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert marked.headers["location"] == f"/students/{key}?done=follow_up_done"
    assert student_actions(district.store, student)[0].follow_up_done_on == day
    assert "The follow-up is marked done." in staff.get(marked.headers["location"]).text


def test_a_refused_action_names_its_field(client_for, district, pupils) -> None:  # noqa: ANN001
    student = pupils[3]
    key = student_key(district, student)
    staff = client_for("staff")
    token = form_of(staff, key)
    day = today(district.store)
    future = staff.post(
        f"/students/{key}/actions",
        data={
            "csrf_token": token,
            "kind": "call",
            "on": (day + dt.timedelta(days=5)).isoformat(),
            "note": "typed note",
        },
    )
    assert future.status_code == 400
    assert errors_of(future.text) == {
        "on": "on is in the future: log what was done, when it was done"
    }
    assert ">typed note</textarea>" in future.text
    partner_kind = staff.post(
        f"/students/{key}/actions", data={"csrf_token": token, "kind": "partner", "on": ""}
    )
    assert errors_of(partner_kind.text) == {
        "kind": "only a community partner logs actions of kind partner"
    }
    assert student_actions(district.store, student) == []


def test_a_referral_with_consent_and_its_withdrawal(
    client_for,
    district,
    pupils,  # noqa: ANN001
) -> None:
    student = pupils[4]
    key = student_key(district, student)
    partner = add_partner(district.store, "Eastside Health Clinic", "health", by=CliActor("cli:t"))
    staff = client_for("staff")
    form = staff.get(f"/students/{key}/referral")
    assert f'<option value="{partner.id}"' in form.text
    day = today(district.store)
    data = {
        "csrf_token": csrf_of(form.text),
        "partner": str(partner.id),
        "reason": "asthma",
        "given_by": "R. Parent",
        "relationship": "parent",
        "given_on": (day - dt.timedelta(days=30)).isoformat(),
        "expires_on": (day - dt.timedelta(days=1)).isoformat(),
        "scope": ["attendance_summary", "contacts"],
    }
    expired = staff.post(f"/students/{key}/referral", data=data)
    assert expired.status_code == 400
    assert errors_of(expired.text) == {"consent-expires_on": "this consent has already expired"}
    assert 'value="R. Parent"' in expired.text
    assert student_referrals(district.store, student) == []

    data["given_on"] = (day - dt.timedelta(days=1)).isoformat()
    data["expires_on"] = (day + dt.timedelta(days=90)).isoformat()
    made = staff.post(f"/students/{key}/referral", data=data, follow_redirects=False)
    assert made.headers["location"] == f"/students/{key}?done=referred"
    (referral,) = student_referrals(district.store, student)
    (consent,) = referral.consents
    assert consent.scope == {"attendance_summary", "contacts"}
    page = staff.get(f"/students/{key}").text
    assert "Eastside Health Clinic" in page and ">in force</td>" in page
    assert "Attendance summary: absence rate, tier and days; Family contacts" in page
    assert f'action="/consents/{consent.id}/withdraw"' in page

    gone = staff.post(
        f"/consents/{consent.id}/withdraw",
        data={"csrf_token": data["csrf_token"]},
        follow_redirects=False,
    )
    assert gone.headers["location"] == f"/students/{key}?done=consent_withdrawn"
    (referral,) = student_referrals(district.store, student)
    assert referral.consents[0].withdrawn_at is not None
    page = staff.get(f"/students/{key}").text
    assert ">withdrawn</td>" in page and f"/consents/{consent.id}/withdraw" not in page
    assert [
        e.action
        for e in audit_entries(district.store, student=student, username="staff")
        if e.action in ("student_referred", "consent_withdrawn")
    ] == ["student_referred", "consent_withdrawn"]


def test_every_form_needs_its_csrf_token(client_for, district, pupils) -> None:  # noqa: ANN001
    student = pupils[5]
    key = student_key(district, student)
    staff = client_for("staff")
    day = today(district.store).isoformat()
    for path, data in [
        (f"/students/{key}/plan", {"tier": "1", "owner": "staff", "start_on": day}),
        (f"/students/{key}/actions", {"kind": "call", "on": day}),
        (f"/students/{key}/referral", {"partner": "1"}),
    ]:
        for token in ({}, {"csrf_token": "forged"}):
            assert staff.post(path, data=data | token).status_code == 403
    assert current_plan(district.store, student) is None
    assert student_actions(district.store, student) == []


def test_the_student_must_be_within_reach(
    client_for,
    district,
    pupils,
    outsider,  # noqa: ANN001
) -> None:
    staff = client_for("staff")
    token = form_of(staff, student_key(district, pupils[6]))
    away = student_key(district, outsider)
    day = today(district.store).isoformat()
    assert staff.get(f"/students/{away}/plan").status_code == 404
    assert staff.get(f"/students/{away}/referral").status_code == 404
    assert staff.get("/students/0123456789abcdef0123/plan").status_code == 404
    posted = staff.post(
        f"/students/{away}/actions", data={"csrf_token": token, "kind": "call", "on": day}
    )
    assert posted.status_code == 404
    assert student_actions(district.store, outsider) == []
    for role in ("viewer", "analyst"):
        assert client_for(role).get(f"/students/{away}/plan").status_code == 403

    # An action or a consent of a student out of reach is not reachable through another.
    admin = client_for("admin")
    admin_token = form_of(admin, away)
    admin.post(
        f"/students/{away}/actions",
        data={"csrf_token": admin_token, "kind": "call", "on": day, "follow_up_on": day},
    )
    (theirs,) = student_actions(district.store, outsider)
    mine = student_key(district, pupils[6])
    done = staff.post(f"/students/{mine}/actions/{theirs.id}/done", data={"csrf_token": token})
    assert done.status_code == 404
    partner = add_partner(district.store, "Far Away Mentors", by=CliActor("cli:t"))
    admin.post(
        f"/students/{away}/referral",
        data={
            "csrf_token": admin_token,
            "partner": str(partner.id),
            "given_by": "G",
            "relationship": "guardian",
            "given_on": day,
            "expires_on": day,
            "scope": ["plan"],
        },
    )
    (referral,) = student_referrals(district.store, outsider)
    consent = referral.consents[0]
    assert (
        staff.post(f"/consents/{consent.id}/withdraw", data={"csrf_token": token}).status_code
        == 404
    )
    assert student_referrals(district.store, outsider)[0].consents[0].withdrawn_at is None


def test_student_page_downloads_plan_actions_and_contacts(
    client_for,
    district,
    pupils,  # noqa: ANN001
) -> None:
    student = pupils[7]
    key = student_key(district, student)
    staff = client_for("staff")
    token = form_of(staff, key)
    day = today(district.store).isoformat()
    staff.post(
        f"/students/{key}/plan",
        data={
            "csrf_token": token,
            "tier": "1",
            "owner": "staff",
            "supports": [str(i) for i in support_ids(district, 1)[:2]],
            "start_on": day,
            "goal": "g",
        },
    )
    staff.post(
        f"/students/{key}/actions",
        data={
            "csrf_token": token,
            "kind": "letter",
            "on": day,
            "outcome": "sent",
            "note": "welcome letter",
        },
    )
    page = staff.get(f"/students/{key}").text
    for table in ("plan", "actions", "contacts"):
        assert f"table={table}" in page
    plan_rows = read_csv(staff.get(f"/students/{key}", params={"format": "csv", "table": "plan"}))
    assert len(plan_rows) == 2 and {r["status"] for r in plan_rows} == {"open"}
    (row,) = read_csv(staff.get(f"/students/{key}", params={"format": "csv", "table": "actions"}))
    assert (row["kind"], row["outcome"], row["note"]) == ("Letter", "sent", "welcome letter")
    contacts = read_csv(
        staff.get(f"/students/{key}", params={"format": "csv", "table": "contacts"})
    )
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        count = con.execute(
            "SELECT count(*) FROM contacts WHERE student_id = ?", [student]
        ).fetchall()[0][0]
    finally:
        con.close()
    assert len(contacts) == count
    exported = [
        e.detail["table"]
        for e in audit_entries(district.store, student=student, action="student_exported")
    ]
    assert exported == ["plan", "actions", "contacts"]
