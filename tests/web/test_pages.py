"""Every page answers the roles it should, and shows the numbers the metrics layer computes.

The expected numbers come from `homeroom.pipeline.metrics_for_workspace` over the warehouse
(not the serving file the app reads), for the same as-of date, formatted as the page does.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest

from homeroom.definitions import load_definition
from homeroom.reports.formats import date_text, percent_text
from web.conftest import STUDENT_ID, Expected, csrf_of, read_csv, student_key

DEFINITION = load_definition("default")  # the test district's workspace definition

AT_RISK_OR_WORSE = {"at_risk", "moderate_chronic", "severe_chronic"}
TIER_WORDS = {
    "satisfactory": "Satisfactory",
    "at_risk": "At risk",
    "moderate_chronic": "Moderate chronic",
    "severe_chronic": "Severe chronic",
}


def pct(share: float) -> str:
    """A percentage where no label depends on it (ADA, a group's rate in a chart's table)."""
    return percent_text(share)


def level_pct(share: float) -> str:
    """A chronic absence rate beside a school level: never across a level's cut point."""
    return percent_text(share, DEFINITION.level_cuts)


def tier_pct(share: float) -> str:
    """A student's absence rate beside a tier: never across a tier's cut point."""
    return percent_text(share, (*DEFINITION.tier_cuts, DEFINITION.threshold_share))


def days(value: float) -> str:
    """Days as the pages write them: whole days bare, parts to two places without zeros."""
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0")


def points(change: float) -> str:
    value = round(change * 100, 1)
    return "no change" if value == 0 else f"{value:+.1f} points"


def squeeze(html: str) -> str:
    """The page without the space between tags, so rows can be matched as one string."""
    return re.sub(r">\s+<", "><", html)


def shown_as_of(html: str) -> dt.date:
    return dt.date.fromisoformat(re.search(r'name="as_of" value="([\d-]+)"', html).group(1))


def ids_in(html: str) -> list[str]:
    """Student ids shown in the page's tables (each row's id after the student's name)."""
    return re.findall(r'<span class="hint">(S\d{7})</span>', html)


@pytest.fixture(scope="session")
def school_names(district) -> dict[str, str]:  # noqa: ANN001
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        return dict(con.execute("SELECT school_id, school_name FROM schools").fetchall())
    finally:
        con.close()


@pytest.fixture(scope="session")
def staff_student(district, expected: Expected, latest: dt.date) -> str:  # noqa: ANN001
    """A student at the staff user's school this year, with part-day absences."""
    rows = expected.metrics("student", latest, per="district")
    mine = set(
        expected.metrics("student", latest).query("school_id == @district.staff_school")[
            "student_id"
        ]
    )
    rows = rows[rows["student_id"].isin(mine) & (rows["days_absent"] % 1 != 0)]
    return str(rows.sort_values("student_id")["student_id"].iloc[0])


# -- who may open what ------------------------------------------------------------------------

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


# -- the district overview ----------------------------------------------------------------------


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


# -- a school ----------------------------------------------------------------------------------


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


# -- the schools list --------------------------------------------------------------------------


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


# -- the student list --------------------------------------------------------------------------


def total_of(html: str) -> int:
    return int(re.search(r"· ([\d,]+) students match", html).group(1).replace(",", ""))


def test_student_list_counts_every_student_in_scope(
    client_for,
    district,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    everyone = expected.metrics("student", latest, per="district")
    admin = client_for("admin")
    first = admin.get("/students")
    assert total_of(first.text) == len(everyone)
    pages = -(-len(everyone) // 50)
    assert f"<caption>Page 1 of {pages}</caption>" in first.text
    assert len(ids_in(first.text)) == 50
    last = admin.get("/students", params={"page": pages})
    assert len(ids_in(last.text)) == len(everyone) - 50 * (pages - 1)
    assert not set(ids_in(first.text)) & set(ids_in(last.text))

    staff_rows = expected.metrics("student", latest).query("school_id == @district.staff_school")
    assert total_of(client_for("staff").get("/students").text) == len(staff_rows)


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ({"tier": "severe_chronic"}, lambda f: f["tier"] == "severe_chronic"),
        ({"grade": "05"}, lambda f: f["grade_level"] == "05"),
        ({"group": "sex:F"}, None),
        ({"group": "english_learner:yes"}, None),
    ],
)
def test_student_list_filters(
    query: dict,
    keep,
    client_for,
    district,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    rows = expected.metrics("student", latest, per="district")
    if keep is None:
        column, value = query["group"].split(":")
        con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
        try:
            wanted = {
                r[0]
                for r in con.execute(
                    f"SELECT student_id FROM students WHERE {column} = ?",
                    [True if value == "yes" else value],
                ).fetchall()
            }
        finally:
            con.close()
        rows = rows[rows["student_id"].isin(wanted)]
    else:
        rows = rows[keep(rows)]
    html = client_for("admin").get("/students", params=query).text
    assert total_of(html) == len(rows) > 0
    assert set(ids_in(html)) <= set(rows["student_id"])


def test_student_list_at_one_school_and_sorted(
    client_for,
    district,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    school = district.schools[1]
    rows = expected.metrics("student", latest).query("school_id == @school")
    html = (
        client_for("admin")
        .get("/students", params={"school": school, "sort": "days_absent", "order": "asc"})
        .text
    )
    assert total_of(html) == len(rows)
    least = rows.sort_values(["days_absent", "student_id"]).head(50)
    assert ids_in(html) == list(least["student_id"])


def test_student_list_newly_at_risk_since_a_date(
    client_for,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    since = dt.date(2025, 1, 31)
    now = expected.metrics("student", latest, per="district")
    then = expected.metrics("student", since, per="district")
    was = set(then[then["tier"].isin(AT_RISK_OR_WORSE)]["student_id"])
    newly = now[now["tier"].isin(AT_RISK_OR_WORSE) & ~now["student_id"].isin(was)]
    html = client_for("admin").get("/students", params={"since": since.isoformat()}).text
    assert total_of(html) == len(newly) > 0
    assert set(ids_in(html)) <= set(newly["student_id"])
    assert "who were not on 31 January 2025" in html  # dates in words


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "password"},
        {"tier": "awful"},
        {"page": "x"},
        {"as_of": "yesterday"},
        {"group": "religion:any"},
    ],
)
def test_student_list_refuses_a_filter_it_does_not_know(query: dict, client_for) -> None:  # noqa: ANN001
    answer = client_for("admin").get("/students", params=query)
    assert answer.status_code == 400
    assert "Cannot show that" in answer.text


# -- one student -------------------------------------------------------------------------------


def test_student_page_shows_the_days_absent(
    client_for,
    district,
    expected: Expected,
    latest: dt.date,
    staff_student: str,  # noqa: ANN001
) -> None:
    row = (
        expected.metrics("student", latest, per="district")
        .query("student_id == @staff_student")
        .iloc[0]
    )
    page = client_for("staff").get(f"/students/{student_key(district, staff_student)}")
    assert page.status_code == 200
    html = squeeze(page.text)
    assert f'<span class="hint">{staff_student}</span>' in html
    assert (
        f'<span class="big">{tier_pct(row.absence_rate)}</span><span class="what">of enrolled days '
        f"missed ({days(row.days_absent)} of {int(row.days_enrolled)})"
    ) in html
    assert (
        f'{TIER_WORDS[row.tier]}</span></span><span class="what">tier through {date_text(latest)}'
        in html
    )
    # The charts are there, with their text alternatives.
    for figure in ("calendar-figure", "running-rate-figure", "tier-history-figure"):
        assert f'id="{figure}"' in html
    assert html.count('role="img"') == 3


def test_student_page_shows_late_arrivals_and_early_departures_apart(
    client_for,
    district,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    rows = expected.metrics("student", latest, per="district")
    late = rows[(rows["tardies"] > 1) & (rows["early_departures"] > 0)].sort_values("student_id")
    row = late.iloc[0]
    html = client_for("admin").get(f"/students/{student_key(district, row.student_id)}").text

    def some_days(value: float) -> str:
        return f"{days(value)} {'day' if value == 1 else 'days'}"

    shown = f"Late arrivals: {int(row.tardies)} ({some_days(row.tardy_days)}); early departures: "
    shown += f"{int(row.early_departures)}"
    if row.early_departure_days:
        shown += f" ({some_days(row.early_departure_days)})"
    assert shown in html


def test_a_past_years_stay_without_an_exit_ends_with_that_year(client_for, district) -> None:  # noqa: ANN001
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        first_year, last_day = con.execute(
            "SELECT school_year, max(date) FILTER (WHERE instructional) FROM calendar "
            "GROUP BY school_year ORDER BY school_year LIMIT 1"
        ).fetchall()[0]
        (student,) = con.execute(
            "SELECT min(student_id) FROM enrollments e WHERE school_year = ? "
            "AND exit_date IS NULL AND student_id IN "
            "(SELECT student_id FROM enrollments WHERE school_year = ? AND exit_date IS NULL)",
            [first_year, first_year + 1],
        ).fetchall()[0]
    finally:
        con.close()
    admin = client_for("admin")
    key = student_key(district, student)
    label = f"{first_year - 1}-{first_year % 100:02d}"
    past = squeeze(admin.get(f"/students/{key}", params={"year": first_year}).text)
    table = past[past.index('id="enr-h"') : past.index('id="about-h"')]
    assert f"<td>{date_text(last_day)} (the end of {label})</td>" in table
    assert f"<td>{label}</td>" in table and "still enrolled" not in table  # the data go on


def test_student_page_of_an_unknown_key_is_not_found(client_for) -> None:  # noqa: ANN001
    answer = client_for("admin").get("/students/0123456789abcdef0123")
    assert answer.status_code == 404


# -- equity and data ---------------------------------------------------------------------------


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


# -- finding a student -------------------------------------------------------------------------


def test_search_says_it_shows_20_of_more_and_keeps_the_text(client_for) -> None:  # noqa: ANN001
    admin = client_for("admin")
    token = csrf_of(admin.get("/students").text)
    answer = admin.post("/students/search", data={"text": "S00", "csrf_token": token})
    assert answer.status_code == 200
    assert "S00" not in str(answer.url)  # the text never goes into an address
    html = answer.text
    total = int(
        re.search(r"Showing 20 of ([\d,]+) — refine the search", html).group(1).replace(",", "")
    )
    assert total > 20 and len(ids_in(html)) == 20
    assert '<input name="text" value="S00"' in html
    few = admin.post("/students/search", data={"text": "S0000010", "csrf_token": token}).text
    assert "Showing" not in few and '<input name="text" value="S0000010"' in few
    escaped = admin.post("/students/search", data={"text": '"><b>x', "csrf_token": token}).text
    assert 'value="&#34;&gt;&lt;b&gt;x"' in escaped
