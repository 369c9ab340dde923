"""Issue 13's acceptance for the pages and downloads: a partner reaches no student without a
consent in force, through any page or download; expired and withdrawn consents end access at
once; a consent's scope limits the fields in every page and download; school staff reach only
their schools' plans. (The JSON API's side is tested with the API, tests/web/api.)"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest
from sqlalchemy import update

from homeroom.casebook.casework import today
from homeroom.casebook.consents import withdraw_consent
from homeroom.casebook.partner_tables import Consent
from homeroom.casebook.plans import current_plan
from web.conftest import STUDENT_ID, csrf_of, read_xlsx, student_key
from web.partner_support import BY, consent_to, contacts_of, names_of, new_partner, students_of

PARAM = re.compile(r"\{([^}]+)\}")


def page_routes(app) -> list[tuple[str, str]]:  # noqa: ANN001
    """Every (method, path template) of the app, through included routers."""
    found: list[tuple[str, str]] = []

    def walk(routes) -> None:  # noqa: ANN001
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)
            elif getattr(route, "methods", None):
                found.extend((m, route.path) for m in sorted(route.methods) if m != "HEAD")

    walk(app.routes)
    return found


def fill(path: str, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: values.get(m.group(1), "1"), path)


@pytest.fixture(scope="module")
def setting(district):  # noqa: ANN001, ANN201
    """A partner with one consented student (every scope) and one student not referred."""
    consented, stranger = students_of(district, 170, 2)
    partner_id, username = new_partner(district, "Scoping Partner")
    consent_to(
        district,
        partner_id,
        consented,
        ["attendance_summary", "attendance_detail", "contacts", "plan"],
    )
    return consented, stranger, partner_id, username


# The partner's own addresses, and the ones the API's tests own; everything else is refused.
PARTNER_OWN = ("/partner", "/logout", "/login", "/account", "/healthz", "/static", "/auth")


def test_no_page_or_download_of_the_district_opens_to_a_partner(
    app,
    client_for,
    district,
    setting,  # noqa: ANN001
) -> None:
    consented, stranger, _, username = setting
    client = client_for(username)
    token = csrf_of(client.get("/partner").text)
    tried = 0
    for method, template in page_routes(app):
        if template.startswith(PARTNER_OWN) or template.startswith("/api/"):
            continue
        for student in (consented, stranger):
            values = {
                "key": student_key(district, student),
                "school_id": district.staff_school,
                "student_id": student,
                "username": "admin",
                "change": "disable",
            }
            path = fill(template, values)
            for query in ({}, {"format": "csv"}, {"format": "xlsx"}):
                if method == "GET":
                    answer = client.get(path, params=query, follow_redirects=False)
                else:
                    answer = client.post(path, data={"csrf_token": token}, follow_redirects=False)
                tried += 1
                if template == "/":
                    assert answer.status_code in (302, 303, 307), path
                    assert answer.headers["location"] == "/partner"
                    continue
                assert answer.status_code in (403, 404), (method, template, answer.status_code)
                assert not STUDENT_ID.search(answer.text), (method, template)
    assert tried > 100


def test_a_student_without_consent_is_not_found(client_for, district, setting) -> None:  # noqa: ANN001
    consented, stranger, _, username = setting
    client = client_for(username)
    token = csrf_of(client.get("/partner").text)
    key = student_key(district, stranger)
    assert client.get(f"/partner/students/{key}").status_code == 404
    for query in ({"format": "csv", "table": "student"}, {"format": "xlsx"}):
        assert client.get(f"/partner/students/{key}", params=query).status_code == 404
    posted = client.post(f"/partner/students/{key}/actions", data={"csrf_token": token, "on": ""})
    assert posted.status_code == 404
    home = client.get("/partner").text
    first, last = names_of(district, stranger)
    assert f"{last}, {first}" not in home
    assert client.get(f"/partner/students/{student_key(district, consented)}").status_code == 200


@pytest.mark.parametrize("ending", ["expired", "withdrawn"])
def test_an_ended_consent_ends_access_at_once(client_for, district, ending: str) -> None:  # noqa: ANN001
    (student,) = students_of(district, 175 if ending == "expired" else 176, 1)
    partner_id, username = new_partner(district, f"Ending {ending}")
    consent_id = consent_to(district, partner_id, student, ["attendance_summary"])
    client = client_for(username)
    key = student_key(district, student)
    assert client.get(f"/partner/students/{key}").status_code == 200
    if ending == "withdrawn":
        withdraw_consent(district.store, consent_id, by=BY)
    else:  # its last day in force was yesterday
        yesterday = today(district.store) - dt.timedelta(days=1)
        with district.store.session() as session:
            session.execute(
                update(Consent).where(Consent.id == consent_id).values(expires_on=yesterday)
            )
    # The same signed-in session: nothing cached survives the change.
    assert client.get(f"/partner/students/{key}").status_code == 404
    assert client.get(f"/partner/students/{key}", params={"format": "xlsx"}).status_code == 404
    first, last = names_of(district, student)
    assert f"{last}, {first}" not in client.get("/partner").text


@pytest.mark.parametrize(
    ("scope", "sheets"),
    [
        (["attendance_summary"], ["actions", "student", "summary"]),
        (["attendance_detail"], ["absences by category", "actions", "calendar", "student"]),
        (["contacts"], ["actions", "contacts", "student"]),
        (["plan"], ["actions", "plan", "student"]),
    ],
)
def test_the_scope_limits_every_page_and_download(
    client_for,
    district,
    scope: list[str],
    sheets: list[str],  # noqa: ANN001
) -> None:
    index = {"attendance_summary": 180, "attendance_detail": 181, "contacts": 182, "plan": 183}
    (student,) = students_of(district, index[scope[0]], 1)
    partner_id, username = new_partner(district, f"Scope {scope[0]}")
    consent_to(district, partner_id, student, scope)
    client = client_for(username)
    key = student_key(district, student)
    page = client.get(f"/partner/students/{key}").text
    book = read_xlsx(client.get(f"/partner/students/{key}", params={"format": "xlsx"}))
    assert sorted(book) == sheets
    shown = {
        "attendance_summary": "of enrolled days missed" in page,
        "attendance_detail": "Each absence" in page,
        "contacts": "Family contacts" in page,
        "plan": "Support plan" in page,
    }
    assert shown == {s: s in scope for s in shown}
    names = [name for name, _ in contacts_of(district, student)]
    assert all((name in page) == ("contacts" in scope) for name in names)
    home = client.get("/partner").text
    assert ("not shared" in home) == ("attendance_summary" not in scope)


def test_school_staff_reach_only_their_schools_plans(client_for, district) -> None:  # noqa: ANN001
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        elsewhere = con.execute(
            "SELECT max(student_id) FROM enrollments WHERE student_id NOT IN "
            "(SELECT student_id FROM enrollments WHERE school_id = ?)",
            [district.staff_school],
        ).fetchall()[0][0]
    finally:
        con.close()
    key = student_key(district, elsewhere)
    admin = client_for("admin")
    token = csrf_of(admin.get(f"/students/{key}/plan").text)
    day = today(district.store).isoformat()
    made = admin.post(
        f"/students/{key}/plan",
        data={
            "csrf_token": token,
            "tier": "2",
            "owner": "admin",
            "goal": "secret goal",
            "start_on": day,
        },
        follow_redirects=False,
    )
    assert made.status_code == 303 and current_plan(district.store, elsewhere) is not None
    staff = client_for("staff")
    staff_token = csrf_of(staff.get("/students").text)
    for path in (f"/students/{key}", f"/students/{key}/plan", f"/students/{key}/referral"):
        answer = staff.get(path)
        assert answer.status_code == 404 and "secret goal" not in answer.text
    for path in (f"/students/{key}/plan", f"/students/{key}/plan/close"):
        answer = staff.post(
            path,
            data={"csrf_token": staff_token, "tier": "1", "owner": "staff", "outcome": "other"},
        )
        assert answer.status_code == 404
    assert current_plan(district.store, elsewhere).tier == 2
