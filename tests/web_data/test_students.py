"""Student list, search and page: hand-computed rows, paging, sorting and scope (district.py)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from homeroom.web.data import (
    StudentNotFound,
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


def test_search_by_id_or_name_within_scope(serving):
    def found(scope, text, **kwargs):  # noqa: ANN001, ANN202
        return student_search(serving, scope, text, **kwargs).rows

    assert list(found(ADMIN, "ana")["student_id"]) == ["A01"]
    assert list(found(ADMIN, "GAR")["student_id"]) == ["A01"]
    assert list(found(ADMIN, "ida moss")["student_id"]) == ["B03"]
    assert list(found(ADMIN, "a0", limit=3)["student_id"]) == [
        "A03",
        "A01",
        "A02",
    ]  # fmt: skip  (by last name: Diaz, Garcia, Lee)
    exact = found(ADMIN, "m01")
    assert list(exact["student_id"]) == ["M01"]
    assert (exact["school_id"].iloc[0], exact["school_year"].iloc[0]) == ("S2", 2025)
    assert found(ADMIN, "%").empty  # a wildcard is a plain character
    assert found(ADMIN, "   ").empty
    assert list(found(STAFF_S2, "mo")["student_id"]) == ["M01", "B03"]
    assert found(STAFF_S2, "ana").empty


def test_search_says_how_many_match_beyond_its_limit(serving):
    cut = student_search(serving, ADMIN, "a0", limit=3)
    assert (len(cut.rows), cut.total, cut.limit, cut.cut) == (3, 6, 3, True)  # A01 to A06
    whole = student_search(serving, ADMIN, "a0")
    assert (len(whole.rows), whole.total, whole.cut) == (6, 6, False)
    assert student_search(serving, STAFF_S2, "a0").total == 0  # A-students are all at S1


def test_student_page_running_rate_calendar_and_categories(serving):
    page = student_detail(serving, ADMIN, "A01")
    assert (page.name, page.school_year, page.school_years) == ("Ana Garcia", 2025, (2024, 2025))
    assert page.data_through == dt.date(2024, 11, 15)
    running = page.running
    assert len(running) == 55
    assert list(running["date"][:7]) == [dt.date(2024, 9, d) for d in (2, 3, 4, 5, 6, 9, 10)]
    # U, U, present x4, then half a day excused: the rate through each membership day.
    expected = [Fraction(1, 1), 1, Fraction(2, 3), Fraction(2, 4), Fraction(2, 5), Fraction(2, 6)]
    expected.append(Fraction(5, 14))
    assert list(running["absence_rate"][:7]) == pytest.approx([float(f) for f in expected])
    assert list(running["eligible"][8:10]) == [False, True]  # the 10th day makes it eligible
    assert running["tier"].iloc[9] == "severe_chronic"  # 2.5 of 10
    assert page.threshold_share == pytest.approx(0.1)
    standing = page.standing
    assert (standing.days_enrolled, standing.days_absent, standing.tier) == (
        55,
        2.5,
        "satisfactory",
    )
    assert standing.as_of == dt.date(2024, 11, 15)

    calendar = page.calendar.set_index("date")
    assert len(calendar) == 110  # 2 Sep to 20 Dec 2024, weekends listed as non-school days
    assert calendar["membership"].sum() == 55
    assert not calendar.loc[dt.date(2024, 9, 7), "instructional"]  # a Saturday
    half = calendar.loc[dt.date(2024, 9, 10)]
    assert (half["category"], half["counted_days"], half["school_name"]) == (
        "excused",
        0.5,
        "School S1",
    )
    assert half["counted_units"] * 2 == page.units_per_day
    assert bool(calendar.loc[dt.date(2024, 11, 18), "after_data"])
    assert not calendar.loc[dt.date(2024, 11, 18), "membership"]

    categories = page.categories.set_index("category")
    assert categories.loc["unexcused", "days"] == 2
    assert categories.loc["unexcused", "counted_days"] == 2.0
    assert categories.loc["excused", "counted_days"] == 0.5


def test_student_page_tier_history_enrollments_and_demographics(serving):
    page = student_detail(serving, ADMIN, "A01")
    assert [(r.as_of, r.tier) for r in page.tiers.itertuples()] == [
        (dt.date(2024, 9, 30), "moderate_chronic"),  # 2.5 of 21
        (dt.date(2024, 10, 31), "at_risk"),  # 2.5 of 44
        (dt.date(2024, 11, 15), "satisfactory"),  # 2.5 of 55
    ]
    assert [
        (r.school_year, r.school_name, r.grade_level) for r in page.enrollments.itertuples()
    ] == [
        (2024, "School S1", "04"),
        (2025, "School S1", "05"),
    ]
    demographics = dict(page.demographics)
    assert demographics["Sex"] == "Female"
    assert demographics["Race and ethnicity"] == "Hispanic or Latino"
    assert demographics["Homelessness"] == "Homeless"
    prior = student_detail(serving, ADMIN, "A02", school_year=2024)
    assert prior.standing.days_enrolled == 80 and prior.standing.tier == "moderate_chronic"
    assert [r.as_of for r in prior.tiers.itertuples()] == [
        dt.date(2023, 9, 30),
        dt.date(2023, 10, 31),
        dt.date(2023, 11, 30),
        dt.date(2023, 12, 22),
    ]


def test_each_stay_carries_its_years_last_school_day(serving):
    """A stay with no exit date lasted to the end of its year once that year is over."""
    page = student_detail(serving, ADMIN, "A01")
    stays = [(r.school_year_label, r.exit_date, r.year_end) for r in page.enrollments.itertuples()]
    assert stays == [
        ("2023-24", None, dt.date(2023, 12, 22)),  # over before the data's 15 Nov 2024
        ("2024-25", None, dt.date(2024, 12, 20)),  # still running
    ]


def test_student_rows_carry_the_school_name_and_the_years_label(serving):
    rows = student_list(serving, ADMIN).rows
    assert set(rows["school_year"]) == {2025} and set(rows["school_year_label"]) == {"2024-25"}
    assert set(rows["school_name"]) == {"School S1", "School S2"}
    columns = list(rows.columns)
    assert columns.index("school_year_label") == columns.index("school_year") + 1


def test_a_student_out_of_scope_looks_exactly_like_a_missing_one(serving):
    with pytest.raises(StudentNotFound) as outside:
        student_detail(serving, STAFF_S2, "A01")
    with pytest.raises(StudentNotFound) as missing:
        student_detail(serving, STAFF_S2, "NOPE")
    assert str(outside.value) == str(missing.value)
    assert "A01" not in str(outside.value)
    # A stay at one of their schools opens the student's whole district record.
    mover = student_detail(serving, STAFF_S2, "M01")
    assert list(mover.enrollments["school_id"]) == ["S1", "S2"]
    assert (mover.standing.days_enrolled, mover.standing.days_absent) == (55, 4.0)
