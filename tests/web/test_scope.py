"""Who sees which students: school staff only their schools' students, wherever they look, and
the aggregate-only roles no student rows at all."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import duckdb
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from web.conftest import (
    STUDENT_ID,
    Expected,
    csrf_of,
    read_csv,
    read_xlsx,
    sign_in,
    student_key,
)

AGGREGATE_ROLES = ["viewer", "analyst"]
WITHHELD = "The student rows behind this finding are for school and district staff."


@pytest.fixture(scope="session")
def roster(district) -> pd.DataFrame:  # noqa: ANN001
    """Each student's names and every school they have had a stay at (any year)."""
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        return con.execute(
            "SELECT s.student_id, any_value(s.first_name) AS first_name, "
            "any_value(s.last_name) AS last_name, list(DISTINCT e.school_id) AS schools "
            "FROM students s JOIN enrollments e USING (student_id) GROUP BY s.student_id"
        ).df()
    finally:
        con.close()


def never_at(roster: pd.DataFrame, school: str) -> pd.DataFrame:
    return roster[[school not in list(s) for s in roster["schools"]]]


def matches(row: pd.Series, words: list[str]) -> bool:
    """The search's rule: every word starts the first or the last name."""
    names = [str(row.first_name).lower(), str(row.last_name).lower()]
    return all(any(n.startswith(w) for n in names) for w in words)


@pytest.fixture(scope="session")
def outsider(district, roster: pd.DataFrame) -> pd.Series:  # noqa: ANN001
    """A student never at the staff user's school, whose full name no student there shares."""
    own = roster[[district.staff_school in list(s) for s in roster["schools"]]]
    for row in never_at(roster, district.staff_school).sort_values("student_id").itertuples():
        words = [str(row.first_name).lower(), str(row.last_name).lower()]
        if not any(matches(r, words) for r in own.itertuples()):
            return pd.Series(row._asdict())
    raise AssertionError("every outside student shares a name with a student at the school")


def search(client, text: str):  # noqa: ANN001, ANN201
    token = csrf_of(client.get("/students").text)
    return client.post("/students/search", data={"text": text, "csrf_token": token})


def found_ids(html: str) -> list[str]:
    return re.findall(r'<span class="hint">(S\d{7})</span>', html)


# -- school staff ------------------------------------------------------------------------------


def test_staff_district_page_names_schools_but_no_student(client_for, district) -> None:  # noqa: ANN001
    html = client_for("staff").get("/").text
    assert not STUDENT_ID.search(html)
    linked = set(re.findall(r'href="/schools/([^"?]+)', html))
    assert linked == {district.staff_school}
    # Its downloads are aggregates: schools, tiers, trend.
    for sheet in read_xlsx(client_for("staff").get("/?format=xlsx")).values():
        assert not STUDENT_ID.search(str(sheet))


def test_staff_cannot_open_another_school_or_its_downloads(client_for, district) -> None:  # noqa: ANN001
    staff = client_for("staff")
    for school in district.schools:
        if school == district.staff_school:
            continue
        for query in ("", "?format=csv", "?format=xlsx", "?format=csv&table=watch+list"):
            answer = staff.get(f"/schools/{school}{query}")
            assert answer.status_code == 403, (school, query)
            assert "not one of yours" in answer.text
            assert not STUDENT_ID.search(answer.text)
        assert staff.get("/equity", params={"school": school}).status_code == 403
        assert staff.get("/students", params={"school": school}).status_code == 403
        assert staff.get("/students", params={"school": school, "format": "csv"}).status_code == 403


def test_staff_student_list_holds_only_their_school(
    client_for,
    district,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    staff = client_for("staff")
    own_name = dict(staff.app.state.homeroom.serving_schools())[district.staff_school]
    mine = expected.metrics("student", latest).query("school_id == @district.staff_school")
    page_number, seen = 1, []
    while True:
        html = staff.get("/students", params={"page": page_number}).text
        rows = re.findall(r'<span class="hint">(S\d{7})</span></th>\s*<td>([^<]*)</td>', html)
        if not rows:
            break
        assert {school for _, school in rows} == {own_name}
        seen += [student for student, _ in rows]
        page_number += 1
    assert sorted(seen) == sorted(mine["student_id"])
    # Only their school in the school filter.
    assert re.findall(r'<option value="(D01-[^"]+)"', html) == [district.staff_school]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_staff_student_list_downloads_hold_only_their_school(
    fmt: str,
    client_for,
    district,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    answer = client_for("staff").get("/students", params={"format": fmt})
    rows = read_csv(answer) if fmt == "csv" else read_xlsx(answer)["students"]
    mine = expected.metrics("student", latest).query("school_id == @district.staff_school")
    assert {r["School ID"] for r in rows} == {district.staff_school}
    assert sorted(r["Student ID"] for r in rows) == sorted(mine["student_id"])


def test_staff_school_download_watch_list_is_their_school(
    client_for,
    district,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    sheets = read_xlsx(client_for("staff").get(f"/schools/{district.staff_school}?format=xlsx"))
    watch = sheets["watch list"]
    mine = expected.metrics("student", latest).query("school_id == @district.staff_school")
    at_risk = mine[mine["tier"].isin(["at_risk", "moderate_chronic", "severe_chronic"])]
    assert {r["School ID"] for r in watch} == {district.staff_school}
    assert sorted(r["Student ID"] for r in watch) == sorted(at_risk["student_id"])


def test_staff_search_finds_nobody_at_another_school(
    client_for,
    district,
    outsider: pd.Series,  # noqa: ANN001
) -> None:
    name = f"{outsider.first_name} {outsider.last_name}"
    # The district administrator finds the student by name and by id...
    for text in (name, outsider.student_id):
        assert outsider.student_id in found_ids(search(client_for("admin"), text).text)
    # ...school staff of another school find nobody, by name or id.
    staff = client_for("staff")
    for text in (name, outsider.student_id, outsider.last_name):
        answer = search(staff, text)
        assert answer.status_code == 200
        # The box keeps what they typed; nothing else on the page may name the student.
        typed = f'<input name="text" value="{escape(text)}"'
        assert typed in answer.text
        rest = answer.text.replace(typed, "")
        assert outsider.student_id not in rest
        assert outsider.first_name not in rest or text == outsider.last_name
    assert "Nobody you can see matches." in search(staff, name).text


def test_staff_search_by_last_name_lists_only_their_students(
    client_for,
    district,
    roster: pd.DataFrame,  # noqa: ANN001
) -> None:
    own = roster[[district.staff_school in list(s) for s in roster["schools"]]]
    # A last name that students at the staff's school and elsewhere both have.
    elsewhere = set(never_at(roster, district.staff_school)["last_name"])
    shared = sorted(set(own["last_name"]) & elsewhere)[0]
    ids = found_ids(search(client_for("staff"), shared).text)
    allowed = set(own["student_id"])
    assert ids and set(ids) <= allowed
    everyone = found_ids(search(client_for("admin"), shared).text)
    assert set(everyone) - allowed  # the administrator sees the others


def test_staff_student_page_of_another_school_looks_like_nothing_there(
    client_for,
    district,
    outsider: pd.Series,  # noqa: ANN001
) -> None:
    staff = client_for("staff")
    key = student_key(district, outsider.student_id)
    assert client_for("admin").get(f"/students/{key}").status_code == 200
    theirs = staff.get(f"/students/{key}")
    nothing = staff.get("/students/0123456789abcdef0123")
    assert theirs.status_code == nothing.status_code == 404
    assert theirs.text == nothing.text
    assert outsider.student_id not in theirs.text and outsider.last_name not in theirs.text
    for query in ("?format=csv&table=calendar", "?format=xlsx", "?via=search"):
        assert staff.get(f"/students/{key}{query}").status_code == 404


def test_staff_data_page_withholds_other_schools_monitor_rows(
    monitored,
    district,
    roster: pd.DataFrame,  # noqa: ANN001
) -> None:
    outside = never_at(roster, district.staff_school).iloc[0]
    finding = monitor_with_rows(
        [("S0000001", district.staff_school), (outside.student_id, outside.schools[0])]
    )
    staff = monitored([finding], "staff")
    html = staff.get("/data").text
    assert WITHHELD in html
    assert outside.student_id not in html
    assert outside.student_id not in str(read_xlsx(staff.get("/data?format=xlsx")))
    assert WITHHELD not in monitored([finding], "admin").get("/data").text


# -- the aggregate-only roles ------------------------------------------------------------------


def monitor_with_rows(rows: list[tuple[str, str]]):  # noqa: ANN201
    from homeroom.quality.result import MonitorResult

    return MonitorResult(
        key="overlapping_stays",
        title="Overlapping stays",
        explanation="Two stays of one student that share a date.",
        status="warning",
        summary=f"{len(rows)} students have stays that share a date",
        count=len(rows),
        rows=pd.DataFrame(rows, columns=["student_id", "school_id"]),
    )


@pytest.fixture
def monitored(district, monkeypatch: pytest.MonkeyPatch) -> Iterator:  # noqa: ANN001
    """monitored(findings, username): a client of a new app whose load has these findings.

    A new app each time: the data page's facts are kept per open serving file, and the shared
    app's must stay the real ones."""
    from homeroom.web.app import create_app

    made: list[TestClient] = []

    def make(findings: list, username: str) -> TestClient:
        monkeypatch.setattr(
            "homeroom.web.data.datapage.stored_monitors", lambda con, load: list(findings)
        )
        app = create_app(
            district.workspace,
            store=district.store,
            secure_cookies=False,
            serving_path=district.serving_path,
        )
        client = TestClient(app, base_url="http://127.0.0.1")
        made.append(client)
        return sign_in(client, username)

    yield make
    for client in made:
        client.close()


@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_aggregate_roles_get_no_student_rows(
    role: str,
    client_for,
    district,
    outsider: pd.Series,  # noqa: ANN001
) -> None:
    client = client_for(role)
    key = student_key(district, outsider.student_id)
    refused = [
        "/students",
        "/students?format=csv",
        "/students?format=xlsx",
        f"/students?school={district.staff_school}",
        f"/students/{key}",
        f"/students/{key}?format=csv&table=calendar",
        f"/students/{key}?format=xlsx",
        f"/schools/{district.staff_school}?format=csv&table=watch+list",
    ]
    for path in refused:
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "aggregates only" in answer.text, path
        assert not STUDENT_ID.search(answer.text), path
    home = client.get("/students").text  # the refusal page has no Students link either
    assert 'href="/students"' not in home
    token = csrf_of(client.get("/data").text)
    answer = client.post("/students/search", data={"text": outsider.last_name, "csrf_token": token})
    assert answer.status_code == 403
    assert outsider.student_id not in answer.text


@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_aggregate_roles_see_every_aggregate_page_without_students(
    role: str,
    client_for,
    district,  # noqa: ANN001
) -> None:
    client = client_for(role)
    # Two schools (theirs and another): the others' pages are the same template.
    schools = [district.staff_school, district.schools[-1]]
    pages = ["/", "/equity", "/data", *(f"/schools/{s}" for s in schools)]
    # The app keeps page results between requests: an administrator's view of the same pages
    # just before must not leave its watch list for this role.
    admin = client_for("admin")
    for path in pages:
        assert STUDENT_ID.search(admin.get(path).text) or not path.startswith("/schools/")
    for path in pages:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert not STUDENT_ID.search(answer.text), path
        assert "Watch list" not in answer.text
        assert not re.search(r'href="/students/', answer.text), path
    for path in ["/?format=xlsx", "/equity?format=xlsx", "/data?format=xlsx"] + [
        f"/schools/{s}?format=xlsx" for s in schools
    ]:
        sheets = read_xlsx(client.get(path))
        assert "watch list" not in sheets, path
        assert not STUDENT_ID.search(str(sheets)), path


@pytest.mark.parametrize("role", AGGREGATE_ROLES)
def test_aggregate_roles_data_page_withholds_monitor_rows(
    role: str,
    monitored,
    district,  # noqa: ANN001
) -> None:
    finding = monitor_with_rows(
        [("S0000001", district.staff_school), ("S0000002", district.schools[1])]
    )
    client = monitored([finding], role)
    html = client.get("/data").text
    assert WITHHELD in html
    assert "2 students have stays that share a date" in html
    assert not STUDENT_ID.search(html)
    rows = read_csv(client.get("/data?format=csv&table=monitors"))
    assert rows == [
        {
            "Monitor": "Overlapping stays",
            "Status": "warning",
            "Rows": "2",
            "Finding": "2 students have stays that share a date",
        }
    ]
