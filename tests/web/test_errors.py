"""Odd input answers 400 (never 500), and every error page carries the security headers."""

from __future__ import annotations

import pytest

# A summer day between the test district's two school years, and dates long before them (a
# date after the data shows the latest date instead, on purpose).
ODD_DATES = ("2024-07-15", "1900-01-01", "0001-01-01")
DATED_PAGES = ("/", "/schools", "/equity", "/students")
# The headers every page sends (web/security.py); the values must match a normal page's.
SECURITY_HEADERS = (
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "permissions-policy",
    "cross-origin-opener-policy",
    "cache-control",
)


@pytest.mark.parametrize("day", ODD_DATES)
@pytest.mark.parametrize("path", DATED_PAGES)
def test_an_as_of_outside_the_school_years_is_a_400_naming_them(
    path: str, day: str, client_for
) -> None:  # noqa: ANN001
    answer = client_for("admin").get(path, params={"as_of": day})
    assert answer.status_code == 400, answer.text[:300]
    # The school years the data covers, by name, so the next try can succeed.
    assert "2023-24 (2023-08-21 to 2024-05-30)" in answer.text
    assert "2024-25 (2024-08-19 to 2025-05-30)" in answer.text


def test_school_page_with_an_odd_date_is_a_400(client_for, district) -> None:  # noqa: ANN001
    for day in ODD_DATES:
        answer = client_for("admin").get(f"/schools/{district.schools[0]}", params={"as_of": day})
        assert answer.status_code == 400, (day, answer.text[:300])


@pytest.mark.parametrize("day", ODD_DATES)
def test_students_since_an_odd_date_is_a_400(day: str, client_for) -> None:  # noqa: ANN001
    answer = client_for("admin").get("/students", params={"since": day})
    assert answer.status_code == 400, answer.text[:300]


@pytest.mark.parametrize("page", ["100000000000000000000", "99999999999", "1000001"])
def test_a_page_number_past_any_list_is_a_400(page: str, client_for) -> None:  # noqa: ANN001
    answer = client_for("admin").get("/students", params={"page": page})
    assert answer.status_code == 400, answer.text[:300]
    assert "page must be a whole number from 1 to 1,000,000" in answer.text


def test_error_pages_carry_every_security_header_of_a_normal_page(client_for) -> None:  # noqa: ANN001
    client = client_for("admin")
    normal = client.get("/")
    assert normal.status_code == 200
    for path in ("/?as_of=1900-01-01", "/students?page=100000000000000000000", "/no-such-page"):
        answer = client.get(path)
        assert answer.status_code in (400, 404), answer.status_code
        for name in SECURITY_HEADERS:
            assert answer.headers.get(name) == normal.headers[name], (path, name)


def test_an_unexpected_error_is_a_500_page_with_the_security_headers(
    client_for, monkeypatch
) -> None:  # noqa: ANN001
    from homeroom.web.routes import pages

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a message that quotes Jane Doe")

    client = client_for("admin")
    normal = client.get("/")
    monkeypatch.setattr(pages.data, "district_overview", broken)
    answer = client.get("/")  # the test client would raise what reached the server
    assert answer.status_code == 500
    assert "Something went wrong" in answer.text and "Jane Doe" not in answer.text
    for name in SECURITY_HEADERS:
        assert answer.headers.get(name) == normal.headers[name], name


@pytest.mark.parametrize("year", ["1900", "1", "100000000000000000000", "-5"])
def test_a_student_page_of_a_year_outside_the_data_shows_the_latest(
    year: str, client_for, district
) -> None:  # noqa: ANN001
    import duckdb

    from web.conftest import student_key

    con = duckdb.connect(str(district.workspace.warehouse), read_only=True)
    try:
        student = con.execute("SELECT min(student_id) FROM students").fetchall()[0][0]
    finally:
        con.close()
    client = client_for("admin")
    key = student_key(district, student)
    answer = client.get(f"/students/{key}", params={"year": year})
    # A year the student has no record in shows their latest year, as before: never a 500.
    assert answer.status_code == 200, answer.text[:300]
