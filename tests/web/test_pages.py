"""Every page answers the roles it should, and shows the numbers the metrics layer computes.

The expected numbers come from `homeroom.pipeline.metrics_for_workspace` over the warehouse
(not the serving file the app reads), for the same as-of date, formatted as the page does.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest

from homeroom.formats import date_text
from web.conftest import STUDENT_ID, Expected, links_of, read_csv, read_xlsx, student_key
from web.page_support import (
    AT_RISK_OR_WORSE,
    TIER_WORDS,
    ids_in,
    level_pct,
    pct,
    points,
    shown_as_of,
    squeeze,
)

ALL = "all"


def role_matrix(district, key: str) -> dict[str, dict[str, int]]:  # noqa: ANN001
    """Each page and download, and the status each role gets."""
    own, other = district.staff_school, district.schools[-1]
    aggregate = ["/", "/schools", f"/schools/{own}", f"/schools/{other}", "/equity"]
    aggregate += [f"/equity?school={other}"]
    aggregate += ["/data"]
    students = ["/students", f"/students/{key}", f"/schools/{own}/signals"]
    students += [f"/schools/{other}/signals"]
    admin = ["/admin/users", "/admin/audit"]
    downloads = [
        f"{path}{'&' if '?' in path else '?'}format={fmt}"
        for path in [*aggregate, "/students", f"/students/{key}", "/admin/audit"]
        for fmt in ("csv", "xlsx")
    ]
    everything = [*aggregate, *students, *admin, *downloads]
    admin_sees = dict.fromkeys(everything, 200)
    staff_sees = {
        path: 403 if other in path or path.startswith("/admin") else 200 for path in everything
    }
    aggregate_only = {
        path: 403 if path.startswith(("/students", "/admin")) or "/signals" in path else 200
        for path in everything
    }
    return {
        "admin": admin_sees,
        "staff": staff_sees,
        "viewer": aggregate_only,
        "analyst": aggregate_only,
    }


@pytest.mark.parametrize("role", ["admin", "staff", "viewer", "analyst"])
def test_each_page_answers_the_roles_it_should(
    role: str,
    district,
    client_for,
    staff_student: str,  # noqa: ANN001
) -> None:
    client = client_for(role)
    wanted = role_matrix(district, student_key(district, staff_student))[role]
    got = {path: client.get(path, follow_redirects=False).status_code for path in wanted}
    assert got == wanted


def test_signed_out_pages_send_the_browser_to_sign_in(app, district) -> None:  # noqa: ANN001
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1") as anonymous:
        for path in ["/", f"/schools/{district.staff_school}", "/students", "/equity", "/data"]:
            answer = anonymous.get(path + "?as_of=2025-01-31", follow_redirects=False)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/login?next=%2F"), path
        # Downloads too: nothing is sent before sign-in.
        answer = anonymous.get("/?format=csv", follow_redirects=False)
        assert answer.status_code == 303
        assert anonymous.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize("as_of", [None, "2024-10-31", "2024-03-31"])
def test_district_headline_is_the_metrics_layers(
    as_of: str | None,
    client_for,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    """Latest, a month end, and a month of the year before (a date with no prepared snapshot:
    test_exports, which reads the same numbers without drawing the charts)."""
    page = client_for("viewer").get("/", params={"as_of": as_of} if as_of else None)
    assert page.status_code == 200
    day = shown_as_of(page.text)
    assert day == (dt.date.fromisoformat(as_of) if as_of else latest)
    d = expected.metrics("district", day).iloc[0]
    html = squeeze(page.text)
    assert f'<span class="big">{level_pct(d.chronic_absence_rate)}</span>' in html
    assert (
        f"of {int(d.students_eligible):,} eligible students are chronically absent "
        f"({int(d.chronically_absent_count):,})"
    ) in html
    assert (
        f'<span class="small">{pct(d.ada)}</span><span class="what">average daily attendance'
        in html
    )
    for tier, word in TIER_WORDS.items():
        count = int(d[f"{tier}_count"])
        share = pct(count / d.students_eligible)
        assert (
            f'<th scope="row">{word}</th><td class="num">{count}</td><td class="num">{share}</td>'
            in html
        )
    assert f"through {date_text(day)}" in html


def test_district_page_lists_every_school_with_its_rate(
    client_for,
    expected: Expected,
    school_names: dict[str, str],  # noqa: ANN001
) -> None:
    page = client_for("admin").get("/")
    html = squeeze(page.text)
    schools = expected.metrics("school", shown_as_of(page.text))
    assert len(schools) == len(school_names)
    for row in schools.itertuples():
        name = school_names[row.school_id]
        cells = (
            f'>{name}</a></th><td><span class="level level-{row.level}">'
            f"{row.level.capitalize()}</span></td>"
            f'<td class="num">{level_pct(row.chronic_absence_rate)}</td>'
            f'<td class="num">{pct(row.ada)}</td><td class="num">{int(row.students_eligible)}'
            f'</td><td class="num">{int(row.chronically_absent_count)}</td>'
        )
        assert cells in html, name
    # Highest rate first.
    order = [
        school_names[s]
        for s in schools.sort_values("chronic_absence_rate", ascending=False)["school_id"]
    ]
    rows = re.findall(r'<th scope="row"><a href="/schools/[^"]+">([^<]+)</a></th>', html)
    assert rows == order


def test_district_page_says_which_definition_and_offers_downloads(client_for) -> None:  # noqa: ANN001
    html = client_for("analyst").get("/").text
    assert "Definition: <strong>default</strong>" in html
    assert "chronic absence is 10% of days enrolled" in html
    assert 'href="/?format=csv&amp;table=schools"' in html
    assert 'href="/?format=xlsx"' in html


def test_school_page_headline_grades_and_watch_list(
    client_for,
    district,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    school = district.staff_school
    page = client_for("staff").get(f"/schools/{school}")
    assert page.status_code == 200
    html = squeeze(page.text)
    row = expected.metrics("school", latest).query("school_id == @school").iloc[0]
    assert f'<span class="big">{level_pct(row.chronic_absence_rate)}</span>' in html
    assert f"of {int(row.students_eligible):,} eligible students" in html

    grades = expected.metrics("school", latest, by=("grade_level",)).query("school_id == @school")
    shown = 0
    for g in grades.itertuples():
        label = (
            "Kindergarten"
            if g.grade_level == "KG"
            else ("Pre-kindergarten" if g.grade_level == "PK" else f"Grade {int(g.grade_level)}")
        )
        cells = (
            f'<th scope="row">{label}</th><td class="num">{int(g.students_eligible)}</td>'
            f'<td class="num">{pct(g.chronic_absence_rate)}</td>'
        )
        if g.students_eligible >= 10:
            assert cells in html, label
            shown += 1
    assert shown >= 3

    students = expected.metrics("student", latest).query("school_id == @school")
    watch = students[students["tier"].isin(AT_RISK_OR_WORSE)]
    neediest = watch.sort_values(
        ["absence_rate", "days_absent", "student_id"], ascending=[False, False, True]
    ).head(25)
    assert len(watch) > 25
    section = html[html.index('id="watch-h"') : html.index('id="tiers-h"')]
    assert (
        f"<caption>{len(watch)} students at risk or chronically absent; "
        "the 25 with the highest rates</caption>"
    ) in section
    assert ids_in(section) == list(neediest["student_id"])
    first = neediest.iloc[0].student_id
    assert f'href="/students/{student_key(district, first)}?via=watch"' in section
    assert f"All {len(watch)} on the student list" in section


def test_school_page_for_aggregate_roles_has_no_watch_list(
    client_for,
    district,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    school = district.schools[-1]
    html = client_for("analyst").get(f"/schools/{school}").text
    row = expected.metrics("school", latest).query("school_id == @school").iloc[0]
    assert f'<span class="big">{level_pct(row.chronic_absence_rate)}</span>' in html
    assert "Watch list" not in html
    assert not STUDENT_ID.search(html)
    assert "/students" not in html


@pytest.mark.parametrize(
    "path",
    ["/schools/NO-SUCH-SCHOOL", "/students?school=NO-SUCH-SCHOOL", "/equity?school=NO-SUCH-SCHOOL"],
)
def test_unknown_school_is_not_found(path: str, client_for) -> None:  # noqa: ANN001
    answer = client_for("admin").get(path)
    assert answer.status_code == 404
    assert "no such school" in answer.text
    assert "NO-SUCH-SCHOOL" not in answer.text


@pytest.mark.parametrize("role", ["admin", "viewer", "analyst"])
def test_schools_list_shows_every_school_with_enrolled_rate_ada_and_level(
    role: str,
    client_for,
    expected: Expected,
    school_names: dict[str, str],  # noqa: ANN001
) -> None:
    page = client_for(role).get("/schools")
    assert page.status_code == 200
    html = squeeze(page.text)
    schools = expected.metrics("school", shown_as_of(page.text))
    assert len(schools) == len(school_names)
    for row in schools.itertuples():
        cells = (
            f'>{school_names[row.school_id]}</a></th><td><span class="level level-{row.level}">'
            f'{row.level.capitalize()}</span></td><td class="num">{int(row.students_enrolled)}'
            f'</td><td class="num">{level_pct(row.chronic_absence_rate)}</td>'
            f'<td class="num">{pct(row.ada)}</td>'
        )
        assert cells in html, row.school_id
    assert not STUDENT_ID.search(html)


def test_schools_list_of_school_staff_holds_their_school_only(client_for, district) -> None:  # noqa: ANN001
    html = client_for("staff").get("/schools").text
    linked = set(re.findall(r'href="/schools/([^"?/]+)\?', html))
    assert linked == {district.staff_school}
    rows = read_csv(client_for("staff").get("/schools", params={"format": "csv"}))
    assert [r["School ID"] for r in rows] == [district.staff_school]


def test_every_page_links_to_the_schools_list_which_answers(client_for, district) -> None:  # noqa: ANN001
    viewer = client_for("viewer")
    for path in ("/", f"/schools/{district.staff_school}", "/equity", "/data"):
        assert 'href="/schools"' in viewer.get(path).text, path
    assert viewer.get("/schools").status_code == 200


def test_equity_page_rates_gaps_and_suppression(
    client_for,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    html = squeeze(client_for("viewer").get("/equity").text)
    everyone = expected.metrics("district", latest).iloc[0]
    assert (
        f"all students: {pct(everyone.chronic_absence_rate)} of "
        f"{int(everyone.students_eligible):,} eligible"
    ) in html
    flag = expected.metrics("district", latest, by=("economically_disadvantaged",))
    words = {True: "Economically disadvantaged", False: "Not economically disadvantaged"}
    lowest = flag["chronic_absence_rate"].min()
    for g in flag.itertuples():
        ratio = g.chronic_absence_rate / everyone.chronic_absence_rate
        above = g.chronic_absence_rate - lowest
        cells = (
            f'<th scope="row">{words[g.economically_disadvantaged]}</th>'
            f'<td class="num">{int(g.students_eligible)}</td>'
            f'<td class="num">{int(g.chronically_absent_count)}</td>'
            f'<td class="num">{pct(g.chronic_absence_rate)}</td>'
            f'<td class="num">{points(g.chronic_absence_rate - everyone.chronic_absence_rate)}</td>'
            f'<td class="num">{points(above) if above else "lowest"}</td>'
            f'<td class="num">{ratio:.2f}</td>'
        )
        assert cells in html, g.economically_disadvantaged
    # Nonbinary students are too few to show, and then the smaller of the other two groups is
    # hidden as well, or it could be worked out from the total.
    by_sex = expected.metrics("district", latest, by=("sex",)).set_index("sex")
    assert by_sex.loc["X", "students_eligible"] < 10
    smaller = (
        "Female"
        if by_sex.loc["F", "students_eligible"] < by_sex.loc["M", "students_eligible"]
        else "Male"
    )
    larger = "Male" if smaller == "Female" else "Female"
    assert (
        '<th scope="row">Nonbinary (X)</th><td colspan="6" class="suppressed">fewer than 10' in html
    )
    assert (
        f'<th scope="row">{smaller}</th><td colspan="6" class="suppressed">hidden so that' in html
    )
    assert f'<th scope="row">{larger}</th><td class="num">' in html


def test_data_page_shows_the_load_and_its_quarantine(client_for, district) -> None:  # noqa: ANN001
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        loads = con.execute("SELECT load_id, status FROM load_history ORDER BY load_id").fetchall()
        quarantined = con.execute("SELECT count(*) FROM quarantine").fetchall()[0][0]
    finally:
        con.close()
    html = squeeze(client_for("analyst").get("/data").text)
    load_id, status = loads[-1]
    assert f'<p class="meta">Load {load_id} of ' in html
    assert f'<td class="num">{load_id}</td>' in html and f"<td>{status}</td>" in html
    assert f"<p>{quarantined} rows of the latest load were set aside." in html
    assert "Data-quality checks on the latest load" in html


@pytest.fixture
def named_quarantine(app, monkeypatch):  # noqa: ANN001, ANN201
    """The district's load with a quarantine of an older load: a last name in race_ethnicity."""
    import pandas as pd

    from homeroom.web.data import datapage

    real = datapage._load_facts

    def with_names(serving, limit):  # noqa: ANN001, ANN202
        history, _rows, _total, _reasons, found = real(serving, limit)
        reason = "race_ethnicity 'Okonkwo' is not one of asian, black"
        rows = pd.DataFrame(
            [("students", "students.csv", 7, "race_ethnicity", reason)],
            columns=list(datapage.QUARANTINE_COLUMNS),
        )
        reasons = pd.DataFrame(
            [("students", "race_ethnicity", reason, 1)],
            columns=["table", "column", "reason", "rows"],
        )
        return history, rows, 1, reasons, found

    serving = app.state.homeroom.serving
    monkeypatch.setattr(datapage, "_load_facts", with_names)
    serving.forget_results()
    yield
    serving.forget_results()


@pytest.mark.parametrize("role", ["viewer", "analyst", "staff"])
def test_data_page_and_its_downloads_hold_no_quarantine_rows_but_for_admins(
    role: str, client_for, named_quarantine
) -> None:  # noqa: ANN001
    client = client_for(role)
    html = squeeze(client.get("/data").text)
    assert "Okonkwo" not in html and "students.csv" not in html
    assert "<p>1 rows of the latest load were set aside." in html
    assert (
        "<td>race_ethnicity</td><td>race_ethnicity &#39;…&#39; is not one of asian, black</td>"
        in html
    )
    assert not [link for link in links_of(html) if "table=quarantine&" in link + "&"]
    refused = client.get("/data", params={"format": "csv", "table": "quarantine"})
    assert refused.status_code == 400
    for fmt in ("csv", "xlsx"):
        answer = client.get("/data", params={"format": fmt, "table": "quarantine reasons"})
        assert answer.status_code == 200 and b"Okonkwo" not in answer.content
    book = read_xlsx(client.get("/data", params={"format": "xlsx"}))
    assert "quarantine" not in book
    assert "Okonkwo" not in str(book) and "students.csv" not in str(book)


def test_district_admins_see_the_quarantine_row_by_row(client_for, named_quarantine) -> None:  # noqa: ANN001
    client = client_for("admin")
    html = squeeze(client.get("/data").text)
    assert '<td>students.csv</td><td class="num">7</td><td>race_ethnicity</td>' in html
    rows = read_csv(client.get("/data", params={"format": "csv", "table": "quarantine"}))
    assert [r["line"] for r in rows] == ["7"]
