"""The student pages (the list, a student, search) show the numbers the metrics layer computes
for the students the user may see; the expected numbers come from the warehouse, as in
test_pages.py."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest

from homeroom.formats import date_text
from web.conftest import Expected, csrf_of, student_key
from web.page_support import (
    AT_RISK_OR_WORSE,
    TIER_WORDS,
    days,
    ids_in,
    squeeze,
    tier_pct,
)


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


# -- the casework panel beside the calendar (issue 13) ------------------------------------------


def _flag_set(student_id: str, school_id: str):  # noqa: ANN202
    """Two flags of one student, as a saved early-warning run holds them."""
    import pandas as pd

    from homeroom.web.data.flags import FlagSet

    flags = pd.DataFrame(
        {
            "student_id": [student_id, student_id],
            "school_id": [school_id, school_id],
            "rule": ["chronic_now", "september_slide"],
            "suggested_tier": [2, 1],
            "reason": ["Missed 12% of days so far", "Missed 4 days in September"],
            "school_year": [2025, 2025],
            "days_absent": [9.5, 4.0],
            "absence_rate": [0.12, None],
        }
    )
    # The student page reads the flag rows only; the queue's ranking stays empty here.
    return FlagSet(1, dt.date(2025, 3, 1), "default 1", flags, flags.iloc[0:0])


def test_student_page_shows_flags_and_last_years_rate(
    client_for,
    district,
    staff_student: str,
    expected: Expected,
    monkeypatch,  # noqa: ANN001
) -> None:
    from homeroom.web.routes import casework_parts

    flags = _flag_set(staff_student, district.staff_school)
    monkeypatch.setattr(casework_parts, "latest_flags", lambda _workspace: flags)
    page = client_for("staff").get(f"/students/{student_key(district, staff_student)}").text
    text = squeeze(page)
    assert 'Missed 12% of days so far <span class="hint">(suggests tier 2)</span>' in text
    assert 'Missed 4 days in September <span class="hint">(suggests tier 1)</span>' in text
    assert text.index("Missed 12% of days") < text.index("Missed 4 days in September")
    assert "<summary>Rule and evidence</summary>" in page
    assert "<code>chronic_now</code>" in page and "<code>september_slide</code>" in page
    assert "From the early-warning run through 1 March 2025." in text

    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        year, last_day = con.execute(
            "SELECT school_year, max(date) FROM calendar WHERE instructional AND school_year = "
            "(SELECT max(school_year) - 1 FROM calendar) GROUP BY 1"
        ).fetchall()[0]
    finally:
        con.close()
    rows = expected.metrics("student", last_day, per="district")
    row = rows[rows["student_id"] == staff_student].iloc[0]
    assert int(row["school_year"]) == year
    rate, absent = tier_pct(row["absence_rate"]), days(row["days_absent"])
    shown = (
        f"Last year's rate: <strong>{rate}</strong> ({absent} of {int(row['days_enrolled'])} days"
    )
    assert shown in text


def test_student_page_without_a_run_or_last_year_says_so(
    client_for,
    district,
    monkeypatch,  # noqa: ANN001
) -> None:
    from homeroom.web.routes import casework_parts

    monkeypatch.setattr(casework_parts, "latest_flags", lambda _workspace: None)
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        newcomer = con.execute(
            "SELECT min(student_id) FROM enrollments WHERE school_id = ? AND student_id NOT IN "
            "(SELECT student_id FROM enrollments WHERE school_year < "
            "(SELECT max(school_year) FROM enrollments))",
            [district.staff_school],
        ).fetchall()[0][0]
    finally:
        con.close()
    text = squeeze(client_for("staff").get(f"/students/{student_key(district, newcomer)}").text)
    assert "No early-warning flags." in text
    assert "Last year's rate: no data for last year." in text
    for button in ("Make a plan", "Log an action", "Refer to a partner"):
        assert button in text


def test_student_page_shows_the_family_contacts(client_for, district, staff_student) -> None:  # noqa: ANN001
    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        contacts = con.execute(
            "SELECT name, relationship, phone FROM contacts WHERE student_id = ? "
            "ORDER BY is_primary DESC, name",
            [staff_student],
        ).fetchall()
    finally:
        con.close()
    assert contacts, "the synthetic district gives every student one or two contacts"
    page = client_for("staff").get(f"/students/{student_key(district, staff_student)}").text
    section = page[page.index('id="contacts-h"') :]
    positions = [section.index(f"<td>{name}</td>") for name, _, _ in contacts]
    assert positions == sorted(positions)  # primary first, then by name
    for name, relationship, phone in contacts:
        assert f"<td>{name}</td><td>{relationship}</td><td>{phone}</td>" in section
