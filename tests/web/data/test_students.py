"""The student list: pages, sorts, filters and scope (district.py, 15 Nov 2024)."""

from __future__ import annotations

import datetime as dt

import pytest

from homeroom.web.data import (
    student_detail,
    student_list,
    student_search,
)
from homeroom.web.scope import Scope, ScopeError

ADMIN = Scope.of("admin", "district_admin")
STAFF_S2 = Scope.of("staff", "school_staff", ["S2"])
STAFF_NONE = Scope.of("nobody", "school_staff")
VIEWER = Scope.of("viewer", "district_viewer")
ANALYST = Scope.of("analyst", "state_analyst")
SEP30 = dt.date(2024, 9, 30)


def ids(page) -> list[str]:
    return list(page.rows["student_id"])


def test_pages_of_the_whole_district_by_rate(serving):
    pages = [student_list(serving, ADMIN, page=n, page_size=3) for n in (1, 2, 3, 4, 5)]
    assert [ids(p) for p in pages] == [
        ["B01", "A05", "A04"],
        ["M01", "A02", "A03"],  # A02 and A03 tie at 3 of 55: by id
        ["A01", "B03", "A06"],
        ["B02"],
        [],
    ]
    assert {(p.total, p.pages, p.per) for p in pages} == {(10, 4, "district")}
    first = pages[0].rows.iloc[0]
    assert (first["first_name"], first["last_name"], first["school_name"]) == (
        "Gia",
        "Hale",
        "School S2",
    )
    assert first["absence_rate"] == pytest.approx(6 / 55)
    assert first["days_enrolled"] == 55 and pages[0].rows["days_enrolled"].dtype == "int64"
    # M01 is one district row, at the school of the latest stay.
    assert pages[1].rows.iloc[0]["school_id"] == "S2"


def test_sorting_by_name_grade_and_tier(serving):
    by_name = student_list(serving, ADMIN, sort="name", descending=False)
    assert list(by_name.rows["last_name"]) == [
        "Diaz", "Garcia", "Hale", "Irwin", "Khan", "Lee", "Moss", "Patel", "Stone", "Young",
    ]  # fmt: skip
    by_grade = student_list(serving, ADMIN, sort="grade_level", page_size=1)
    assert ids(by_grade) == ["A06"]  # grade 06 first, descending
    by_tier = student_list(serving, ADMIN, sort="tier", descending=False, page_size=4)
    assert set(ids(by_tier)) == {"A01", "A06", "B02", "B03"}  # satisfactory first
    with pytest.raises(ValueError, match="sort must be one of"):
        student_list(serving, ADMIN, sort="absence_rate; DROP TABLE x")


def test_filters_by_school_grade_tier_and_group(serving):
    assert ids(student_list(serving, ADMIN, tier="at_risk")) == ["A04", "M01", "A02", "A03"]
    assert ids(student_list(serving, ADMIN, grade="06")) == ["A06"]
    assert ids(student_list(serving, ADMIN, group=("sex", "F"))) == [
        "B01", "A05", "A03", "A01", "B03",
    ]  # fmt: skip
    assert ids(student_list(serving, ADMIN, group=("homeless", "yes"))) == ["A02", "A01"]
    assert ids(student_list(serving, ADMIN, group=("race_ethnicity", "asian"))) == ["B03", "B02"]
    school = student_list(serving, ADMIN, school_id="S2")
    assert school.per == "school"
    assert ids(school) == ["B01", "M01", "B03", "B02"]  # M01 at S2: 1 of 11
    assert school.rows.set_index("student_id").loc["M01", "days_enrolled"] == 11
    with pytest.raises(ValueError, match="tier must be one of"):
        student_list(serving, ADMIN, tier="chronic")
    with pytest.raises(ValueError, match="group column"):
        student_list(serving, ADMIN, group=("first_name", "Ana"))


def test_newly_at_risk_since_a_date(serving):
    # At risk or worse now; on 30 September A02 and B01 were satisfactory, A05 had 6 days (not
    # eligible) and A04 was not enrolled. A03 (at risk then) and M01 (chronic then) are not new.
    page = student_list(serving, ADMIN, newly_at_risk_since=SEP30)
    assert ids(page) == ["B01", "A05", "A04", "A02"]
    assert page.newly_at_risk_since == SEP30
    # Per school for staff: M01 was not at S2 on 30 September.
    assert ids(student_list(serving, STAFF_S2, newly_at_risk_since=SEP30)) == ["B01", "M01"]


def test_staff_see_only_their_schools_rows_and_aggregate_roles_none(serving):
    page = student_list(serving, STAFF_S2)
    assert page.per == "school" and set(page.rows["school_id"]) == {"S2"}
    assert ids(page) == ["B01", "M01", "B03", "B02"]
    assert ids(student_list(serving, STAFF_NONE)) == []
    with pytest.raises(ScopeError):
        student_list(serving, STAFF_S2, school_id="S1")
    for scope in (VIEWER, ANALYST):
        with pytest.raises(ScopeError):
            student_list(serving, scope)
        with pytest.raises(ScopeError):
            student_search(serving, scope, "ana")
        with pytest.raises(ScopeError):
            student_detail(serving, scope, "A01")


def test_student_rows_carry_the_school_name_and_the_years_label(serving):
    rows = student_list(serving, ADMIN).rows
    assert set(rows["school_year"]) == {2025} and set(rows["school_year_label"]) == {"2024-25"}
    assert set(rows["school_name"]) == {"School S1", "School S2"}
    columns = list(rows.columns)
    assert columns.index("school_year_label") == columns.index("school_year") + 1


def test_student_rows_carry_late_arrivals_and_early_departures(serving):
    rows = student_list(serving, ADMIN, sort="student_id", descending=False).rows
    late = rows.set_index("student_id")[["tardies", "tardy_days", "early_departures"]]
    assert late.loc["A06"].tolist() == [1, 0.0, 0]
    assert late.drop(index="A06")["tardies"].sum() == 0
