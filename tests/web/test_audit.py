"""Every view and export of student records appends who, when, what and why to the audit log;
aggregate pages do not; administrators read and export the log (and that export is logged).
The sign-in and audit path also runs on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from homeroom.casebook.audit import audit_entries
from homeroom.formats import date_text
from web.conftest import PASSWORD, csrf_of, read_csv, read_xlsx, sign_in, student_key

ROW = re.compile(
    r'href="/students/([0-9a-f]{20})\?via=(\w+)"[^>]*>[^<]*</a> <span class="hint">(S\d{7})</span>'
)


def log_of(store, after: int = 0, **filters) -> list:  # noqa: ANN001
    from homeroom.casebook.audit import audit_entries

    return [e for e in audit_entries(store, **filters) if e.id > after]


def last_id(store) -> int:  # noqa: ANN001
    from homeroom.casebook.audit import audit_entries

    found = audit_entries(store, limit=1)
    return found[-1].id if found else 0


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def moment(entry) -> dt.datetime:  # noqa: ANN001
    at = entry.at
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def rows_of(html: str) -> list[tuple[str, str, str]]:
    """(key, via, student id) of each student linked from a page."""
    return ROW.findall(html)


# -- student views -----------------------------------------------------------------------------


def test_student_list_view_is_logged_with_the_students_shown(client_for, district) -> None:  # noqa: ANN001
    staff = client_for("staff")
    mark = last_id(district.store)
    before = now() - dt.timedelta(seconds=1)
    html = staff.get("/students", params={"tier": "at_risk", "page": 1}).text
    after = now() + dt.timedelta(seconds=1)
    shown = [sid for _, _, sid in rows_of(html)]
    assert shown
    (entry,) = log_of(district.store, mark, username="staff")
    assert (entry.role, entry.action, entry.reason) == (
        "school_staff",
        "student_list_viewed",
        "student list",
    )
    assert before <= moment(entry) <= after
    assert entry.detail["students"] == shown
    assert entry.detail["filters"] == {"tier": "at_risk"}
    assert entry.detail["page"] == 1


def test_an_empty_list_is_not_a_view_of_anyone(client_for, district) -> None:  # noqa: ANN001
    staff = client_for("staff")
    mark = last_id(district.store)
    html = staff.get("/students", params={"page": 999}).text
    assert "No students match these filters." in html
    assert log_of(district.store, mark, username="staff") == []


@pytest.mark.parametrize(
    ("via", "why"),
    [
        ("list", "student list"),
        ("watch", "school watch list"),
        ("search", "search"),
        (None, "opened directly"),
    ],
)
def test_student_page_view_is_logged_with_why(
    via: str | None, why: str, client_for, district
) -> None:  # noqa: ANN001
    admin = client_for("admin")
    key, _, student = rows_of(admin.get("/students").text)[3]
    mark = last_id(district.store)
    answer = admin.get(f"/students/{key}", params={"via": via} if via else None)
    assert answer.status_code == 200
    (entry,) = log_of(district.store, mark, username="admin")
    assert (entry.action, entry.subject_type, entry.subject_id, entry.reason) == (
        "student_viewed",
        "student",
        student,
        why,
    )
    assert entry.role == "district_admin"
    assert entry.detail == {"school_year": 2025}


def test_watch_list_view_is_logged(client_for, district) -> None:  # noqa: ANN001
    staff = client_for("staff")
    mark = last_id(district.store)
    html = staff.get(f"/schools/{district.staff_school}").text
    watched = [sid for _, via, sid in rows_of(html) if via == "watch"]
    assert len(watched) == 25  # the neediest shown; the log names those, not the rest
    (entry,) = log_of(district.store, mark, username="staff")
    assert (entry.action, entry.subject_type, entry.subject_id, entry.reason) == (
        "student_list_viewed",
        "school",
        district.staff_school,
        "school watch list",
    )
    assert entry.detail["students"] == watched


def test_search_with_results_is_logged_and_without_is_not(client_for, district) -> None:  # noqa: ANN001
    admin = client_for("admin")
    token = csrf_of(admin.get("/data").text)
    mark = last_id(district.store)
    found = admin.post("/students/search", data={"text": "S000010", "csrf_token": token}).text
    ids = [sid for _, _, sid in rows_of(found)]
    assert ids and all(i.startswith("S000010") for i in ids)
    (entry,) = log_of(district.store, mark, username="admin")
    assert (entry.action, entry.reason, entry.subject_type) == (
        "student_search",
        "search",
        "student",
    )
    assert sorted(entry.detail["students"]) == sorted(ids)
    mark = last_id(district.store)
    nothing = admin.post("/students/search", data={"text": "zzqx", "csrf_token": token}).text
    assert "Nobody you can see matches." in nothing
    assert log_of(district.store, mark, username="admin") == []


# -- exports -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_student_list_export_is_logged_with_every_student_in_it(
    fmt: str, client_for, district
) -> None:  # noqa: ANN001
    staff = client_for("staff")
    mark = last_id(district.store)
    answer = staff.get("/students", params={"format": fmt, "grade": "03"})
    rows = read_csv(answer) if fmt == "csv" else read_xlsx(answer)["students"]
    (entry,) = log_of(district.store, mark, username="staff")
    assert (entry.action, entry.reason) == ("student_list_exported", "student list download")
    assert entry.detail["format"] == fmt
    assert entry.detail["filters"] == {"grade": "03"}
    assert sorted(entry.detail["students"]) == sorted(r["Student ID"] for r in rows)


@pytest.mark.parametrize("query", [{"format": "csv", "table": "calendar"}, {"format": "xlsx"}])
def test_student_export_is_logged(query: dict, client_for, district) -> None:  # noqa: ANN001
    staff = client_for("staff")
    key, _, student = rows_of(staff.get("/students").text)[0]
    mark = last_id(district.store)
    assert staff.get(f"/students/{key}", params={**query, "via": "list"}).status_code == 200
    (entry,) = log_of(district.store, mark, username="staff")
    assert (entry.action, entry.subject_id, entry.reason) == (
        "student_exported",
        student,
        "student list",
    )
    assert entry.detail["format"] == query["format"]
    assert entry.detail["table"] == query.get("table", "all")


def test_school_download_is_logged_only_when_it_holds_the_watch_list(client_for, district) -> None:  # noqa: ANN001
    staff = client_for("staff")
    school = f"/schools/{district.staff_school}"
    mark = last_id(district.store)
    tiers = read_csv(staff.get(school, params={"format": "csv", "table": "tiers"}))
    assert [r["Tier"] for r in tiers][0] == "Satisfactory"
    default = staff.get(school, params={"format": "csv"})  # the first table: tiers, no student
    assert read_csv(default) == tiers
    assert log_of(district.store, mark, username="staff") == []
    watch = read_csv(staff.get(school, params={"format": "csv", "table": "watch list"}))
    workbook = read_xlsx(staff.get(school, params={"format": "xlsx"}))
    logged = log_of(district.store, mark, username="staff")
    assert [(e.action, e.subject_id, e.reason, e.detail["format"]) for e in logged] == [
        ("student_list_exported", district.staff_school, "school watch list download", "csv"),
        ("student_list_exported", district.staff_school, "school watch list download", "xlsx"),
    ]
    assert logged[0].detail["students"] == [r["Student ID"] for r in watch]
    assert logged[1].detail["students"] == [r["Student ID"] for r in workbook["watch list"]]


def test_a_download_refused_for_its_format_is_not_logged(client_for, district) -> None:  # noqa: ANN001
    staff = client_for("staff")
    key, _, _ = rows_of(staff.get("/students").text)[0]
    mark = last_id(district.store)
    for path in ["/students", f"/students/{key}", f"/schools/{district.staff_school}"]:
        answer = staff.get(path, params={"format": "pdf", "table": "watch list"})
        assert answer.status_code == 400, path
        assert "format must be csv or xlsx" in answer.text
    assert log_of(district.store, mark, username="staff") == []


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_aggregate_pages_and_downloads_are_not_logged(role: str, client_for, district) -> None:  # noqa: ANN001
    client = client_for(role)
    mark = last_id(district.store)
    other = district.schools[-1]
    paths = [
        "/",
        "/?format=xlsx",
        "/equity",
        "/equity?format=csv",
        "/data",
        "/data?format=xlsx",
        f"/equity?school={other}",
    ]
    if role == "viewer":  # a school page has a watch list for those who see students
        paths += [f"/schools/{other}", f"/schools/{other}?format=xlsx"]
    for path in paths:
        assert client.get(path).status_code == 200, path
    assert log_of(district.store, mark, username=role) == []


# -- reading the log -----------------------------------------------------------------------------


def test_the_audit_page_lists_the_latest_entries_newest_first(client_for, district) -> None:  # noqa: ANN001
    admin = client_for("admin")
    for _ in range(3):
        admin.get("/students")
    html = admin.get("/admin/audit").text
    assert "newest first" in html
    shown = re.findall(r"<tr><td>(\d+ \w+ \d{4} \d\d:\d\d|\d+ \w+ \d{4})</td>", html)
    newest = audit_entries(district.store, limit=200)
    assert len(shown) == len(newest)
    assert shown[0] == date_text(newest[-1].at) + newest[-1].at.strftime(" %H:%M")
    moments = [moment(e) for e in audit_entries(district.store, limit=200, newest_first=True)]
    assert moments == sorted(moments, reverse=True)


def test_admin_reads_and_filters_the_log(client_for, district) -> None:  # noqa: ANN001
    staff = client_for("staff")
    key, _, student = rows_of(staff.get("/students").text)[1]
    staff.get(f"/students/{key}", params={"via": "list"})
    admin = client_for("admin")
    html = re.sub(
        r">\s+<",
        "><",
        admin.get("/admin/audit", params={"user": "staff", "action": "student_viewed"}).text,
    )
    assert (
        "<td>staff</td><td>school_staff</td><td>student_viewed</td>"
        f"<td>student {student}</td><td>student list</td>" in html
    )
    assert "<td>admin</td>" not in html
    since = admin.get("/admin/audit", params={"since": "2999-01-01"}).text
    assert "No entries." in since
    assert admin.get("/admin/audit", params={"since": "soon"}).status_code == 400


def test_the_student_filter_finds_the_lists_that_showed_the_student(client_for, district) -> None:  # noqa: ANN001
    staff = client_for("staff")
    shown = [sid for _, _, sid in rows_of(staff.get("/students", params={"page": 1}).text)][:3]
    assert len(shown) == 3
    admin = client_for("admin")
    for student in shown:
        html = admin.get("/admin/audit", params={"student": student, "user": "staff"}).text
        assert "<td>student_list_viewed</td>" in html, student
        assert f'name="student" value="{student}"' in html
    other = admin.get("/admin/audit", params={"student": "S-nobody"}).text
    assert "No entries." in other


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_admin_exports_the_log_and_the_export_is_logged(fmt: str, client_for, district) -> None:  # noqa: ANN001
    staff = client_for("staff")
    key, _, student = rows_of(staff.get("/students").text)[2]
    staff.get(f"/students/{key}", params={"via": "list"})
    admin = client_for("admin")
    mark = last_id(district.store)
    answer = admin.get("/admin/audit", params={"format": fmt, "user": "staff"})
    assert answer.headers["content-disposition"].startswith('attachment; filename="homeroom-audit-')
    rows = read_csv(answer) if fmt == "csv" else read_xlsx(answer)["audit log"]
    assert rows and {r["username"] for r in rows} == {"staff"}
    viewed = [r for r in rows if r["action"] == "student_viewed" and r["subject_id"] == student]
    assert viewed and viewed[-1]["reason"] == "student list"
    assert str(viewed[-1]["at"])[:4] == str(dt.datetime.now(dt.UTC).year)
    (entry,) = log_of(district.store, mark, username="admin")
    assert (entry.action, entry.subject_type) == ("audit_exported", "audit_log")
    assert entry.detail == {"rows": len(rows), "format": fmt}


# -- on PostgreSQL -------------------------------------------------------------------------------

PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_problem() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_DSN) as connection:
            connection.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means: skip, and say why
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"PostgreSQL is not reachable at 127.0.0.1:5432 ({first})"
    return None


@pytest.fixture(scope="module")
def pg_store(district) -> Iterator[object]:  # noqa: ANN001
    """The casebook in a schema of its own in the `test` database, dropped afterwards."""
    problem = postgres_problem()
    if problem:
        pytest.skip(problem)
    import psycopg

    from homeroom.casebook.store import open_store
    from homeroom.casebook.users import add_user

    schema = f"homeroom_web_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    store = open_store(f"{PG_URL}?options=-csearch_path%3D{schema}")
    try:
        add_user(
            store, "pg.staff", "school_staff", password=PASSWORD, schools=[district.staff_school]
        )
        yield store
    finally:
        store.close()
        with psycopg.connect(PG_DSN, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.mark.postgres
def test_sign_in_and_audit_on_postgresql(pg_store, district) -> None:  # noqa: ANN001
    from homeroom.web.app import create_app

    app = create_app(
        district.workspace, store=pg_store, secure_cookies=False, serving_path=district.serving_path
    )
    with TestClient(app, base_url="http://127.0.0.1") as client:
        token = csrf_of(client.get("/login").text)
        wrong = client.post(
            "/login",
            data={
                "username": "pg.staff",
                "password": "not it at all",
                "csrf_token": token,
                "next": "/",
            },
        )
        assert wrong.status_code == 401
        sign_in(client, "pg.staff")
        key, _, student = rows_of(client.get("/students").text)[0]
        assert key == student_key(district, student)
        assert client.get(f"/students/{key}", params={"via": "list"}).status_code == 200
        export = {"format": "csv", "table": "calendar", "via": "list"}
        assert client.get(f"/students/{key}", params=export).status_code == 200
        logout = client.post(
            "/logout",
            data={"csrf_token": csrf_of(client.get("/data").text)},
            follow_redirects=False,
        )
        assert logout.status_code == 303
        assert client.get("/students", follow_redirects=False).status_code == 303
    actions = [(e.action, e.subject_id, e.reason) for e in log_of(pg_store, username="pg.staff")]
    assert actions == [
        ("sign_in_failed", None, None),
        ("sign_in", None, None),
        ("student_list_viewed", None, "student list"),
        ("student_viewed", student, "student list"),
        ("student_exported", student, "student list"),
        ("sign_out", None, None),
    ]
    # The log there refuses to be rewritten.
    import sqlalchemy

    with pytest.raises(sqlalchemy.exc.DBAPIError), pg_store.session() as session:
        session.execute(sqlalchemy.text("UPDATE audit_log SET username = 'someone else'"))
