"""A community partner's pages: its consented students, one student's page showing only the
sections the family's consent covers (and downloads of those only), and the partner's own
actions, which the school then sees on the student's page."""

from __future__ import annotations

import datetime as dt

from homeroom.casebook.actions import student_actions
from homeroom.casebook.audit import audit_entries
from homeroom.casebook.casework import today
from homeroom.formats import date_text
from web.conftest import csrf_of, read_csv, read_xlsx, student_key
from web.partner_support import consent_to, contacts_of, names_of, new_partner, students_of


def test_the_partner_lands_on_its_students(client_for, district) -> None:  # noqa: ANN001
    summary, bare, other = students_of(district, 150, 3)
    partner_id, username = new_partner(district, "Northside Mentors")
    consent_to(district, partner_id, summary, ["attendance_summary"], days=30)
    consent_to(district, partner_id, bare, ["contacts"], days=10)
    client = client_for(username)
    landing = client.get("/", follow_redirects=False)
    assert landing.status_code in (302, 303, 307) and landing.headers["location"] == "/partner"
    home = client.get("/partner")
    assert home.status_code == 200
    day = today(district.store)
    for student, days in ((summary, 30), (bare, 10)):
        first, last = names_of(district, student)
        assert f"{last}, {first}" in home.text
        assert student_key(district, student) in home.text
        assert date_text(day + dt.timedelta(days=days)) in home.text
    first, last = names_of(district, other)
    assert f"{last}, {first}" not in home.text
    assert home.text.count("not shared") == 2  # rate and tier of the student without summary
    (viewed,) = audit_entries(district.store, username=username, action="student_list_viewed")
    assert sorted(viewed.detail["students"]) == sorted([summary, bare])


def test_a_page_shows_only_what_the_consent_covers(client_for, district) -> None:  # noqa: ANN001
    summary_only, everything = students_of(district, 153, 2)
    partner_id, username = new_partner(district, "Clinic")
    consent_to(district, partner_id, summary_only, ["attendance_summary"])
    consent_to(
        district,
        partner_id,
        everything,
        ["attendance_summary", "attendance_detail", "contacts", "plan"],
    )
    client = client_for(username)

    page = client.get(f"/partner/students/{student_key(district, summary_only)}")
    assert page.status_code == 200
    assert "Attendance summary" in page.text and "of enrolled days missed" in page.text
    assert "The year's attendance" not in page.text and "Each absence" not in page.text
    assert "Family contacts" not in page.text and "Support plan" not in page.text
    for name, phone in contacts_of(district, summary_only):
        assert name not in page.text and (phone is None or phone not in page.text)

    full = client.get(f"/partner/students/{student_key(district, everything)}")
    assert "The year's attendance" in full.text and "Each absence" in full.text
    assert "Support plan" in full.text and "Family contacts" in full.text
    for name, _ in contacts_of(district, everything):
        assert name in full.text
    viewed = audit_entries(district.store, username=username, action="student_viewed")
    assert [(e.subject_id, e.reason) for e in viewed] == [
        (summary_only, "partner"),
        (everything, "partner"),
    ]


def test_downloads_hold_only_the_covered_sections(client_for, district) -> None:  # noqa: ANN001
    (student,) = students_of(district, 156, 1)
    partner_id, username = new_partner(district, "Housing Help")
    consent_to(district, partner_id, student, ["attendance_summary"])
    client = client_for(username)
    key = student_key(district, student)
    book = read_xlsx(client.get(f"/partner/students/{key}", params={"format": "xlsx"}))
    assert sorted(book) == ["actions", "student", "summary"]
    first, last = names_of(district, student)
    assert (book["student"][0]["first_name"], book["student"][0]["last_name"]) == (first, last)
    for table in ("calendar", "contacts", "plan", "absences by category"):
        answer = client.get(f"/partner/students/{key}", params={"format": "csv", "table": table})
        assert answer.status_code == 404
    exported = audit_entries(district.store, username=username, action="student_exported")
    assert [(e.subject_id, e.reason, e.detail["table"]) for e in exported] == [
        (student, "partner", "all")
    ]


def test_the_partner_logs_its_work_and_the_school_sees_it(
    client_for,
    district,  # noqa: ANN001
) -> None:
    (student,) = students_of(district, 158, 1)
    partner_id, username = new_partner(district, "Bus Buddies")
    consent_to(district, partner_id, student, ["attendance_summary"])  # no `plan`: still may log
    client = client_for(username)
    key = student_key(district, student)
    page = client.get(f"/partner/students/{key}")
    day = today(district.store).isoformat()
    answer = client.post(
        f"/partner/students/{key}/actions",
        data={
            "csrf_token": csrf_of(page.text),
            "on": day,
            "outcome": "rode the bus",
            "note": "private mentoring note",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == f"/partner/students/{key}?done=action_logged"
    (action,) = student_actions(district.store, student)
    assert (action.kind, action.partner_id, action.by) == ("partner", partner_id, username)
    own = client.get(f"/partner/students/{key}").text
    assert "rode the bus" in own and "private mentoring note" in own

    school = client_for("staff").get(f"/students/{key}").text
    assert (
        "Bus Buddies" in school and "rode the bus" in school and "private mentoring note" in school
    )
    refused = client.post(
        f"/partner/students/{key}/actions",
        data={"csrf_token": csrf_of(page.text), "on": "31/12/2020"},
    )
    assert refused.status_code == 400 and "on must be a date like 2025-01-31" in refused.text
    assert len(student_actions(district.store, student)) == 1


def test_notes_of_others_stay_with_the_school(client_for, district) -> None:  # noqa: ANN001
    (student,) = students_of(district, 160, 1)
    key = student_key(district, student)
    staff = client_for("staff")
    token = csrf_of(staff.get(f"/students/{key}/plan").text)
    day = today(district.store).isoformat()
    staff.post(
        f"/students/{key}/actions",
        data={
            "csrf_token": token,
            "kind": "call",
            "on": day,
            "outcome": "spoke with dad",
            "note": "family is in a shelter",
        },
    )
    partner_id, username = new_partner(district, "Shelter Link")
    consent_to(district, partner_id, student, ["plan"])
    page = client_for(username).get(f"/partner/students/{key}").text
    assert "spoke with dad" in page  # the plan scope covers the actions...
    assert "family is in a shelter" not in page  # ...but not the school's notes
    assert "needs a mentor" not in page  # nor the referral's reason
    rows = read_csv(
        client_for(username).get(
            f"/partner/students/{key}", params={"format": "csv", "table": "actions"}
        )
    )
    assert [(r["outcome"], r["note"]) for r in rows] == [("spoke with dad", "")]
