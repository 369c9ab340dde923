"""District and school pages, against the hand-computed numbers of district.py (15 Nov 2024)."""

from __future__ import annotations

import datetime as dt

import pytest

from homeroom.web.data import district_overview, school_overview
from homeroom.web.scope import Scope, ScopeError

ADMIN = Scope.of("admin", "district_admin")
STAFF_S2 = Scope.of("staff", "school_staff", ["S2"])
VIEWER = Scope.of("viewer", "district_viewer")


def test_district_headline_tiers_and_ada(serving):
    page = district_overview(serving, VIEWER)
    assert page.as_of == dt.date(2024, 11, 15) and page.school_year == 2025
    assert page.school_year_label == "2024-25"
    assert page.district_name == "District D1"
    assert page.definition_label.startswith("web (version ")
    h = page.headline
    assert (h.students_enrolled, h.students_eligible, h.chronically_absent_count) == (10, 10, 2)
    assert h.chronic_absence_rate == pytest.approx(0.2)
    assert h.level == "high"
    # Days enrolled 514, days absent 2.5+3+3+3+4+0+4+6+0+1 = 26.5.
    assert h.ada == pytest.approx((514 - 26.5) / 514)
    # The prior year (full year): A02 8 of 80 days, 1 of 4 students.
    assert h.prior_chronic_absence_rate == pytest.approx(0.25)
    assert h.change == pytest.approx(-0.05)
    assert (
        page.ada_line
        == "ADA 94.8% — yet 20.0% of students (1 in 5 students) missed 10% or more of their days."
    )
    assert [(t.tier, t.count) for t in page.tiers] == [
        ("satisfactory", 4),
        ("at_risk", 4),
        ("moderate_chronic", 2),
        ("severe_chronic", 0),
    ]


def test_district_schools_by_level(serving):
    page = district_overview(serving, ADMIN)
    schools = page.schools
    assert list(schools["school_id"]) == ["S2", "S1"]  # highest rate first
    assert list(schools["school_name"]) == ["School S2", "School S1"]
    assert list(schools["students_eligible"]) == [4, 7]
    assert list(schools["chronic_absence_rate"]) == pytest.approx([1 / 4, 1 / 7])
    assert list(schools["level"]) == ["high", "significant"]
    assert not schools["suppressed"].any()
    assert [(c.level, c.count) for c in page.school_levels] == [
        ("low", 0),
        ("modest", 0),
        ("significant", 1),
        ("high", 1),
        ("extreme", 0),
    ]


def test_month_by_month_trend_and_the_same_point_last_year(serving):
    page = district_overview(serving, ADMIN)
    trend = page.trend
    assert [(r.as_of, r.point) for r in trend.itertuples()] == [
        (dt.date(2023, 9, 30), "month_end"),
        (dt.date(2023, 10, 31), "month_end"),
        (dt.date(2023, 11, 30), "month_end"),
        (dt.date(2023, 12, 22), "year_end"),
        (dt.date(2024, 9, 30), "month_end"),
        (dt.date(2024, 10, 31), "month_end"),
        (dt.date(2024, 11, 15), "as_of"),
    ]
    # 2023-24: nobody chronic in September, then A02 (1 of 4). 2024-25: A01 and M01 of 8
    # eligible on 30 September; A04 and A05 of 10 on 31 October; A05 and B01 of 10 now.
    assert list(trend["chronic_absence_rate"]) == pytest.approx(
        [0, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2]
    )
    assert list(trend["students_eligible"]) == [4, 4, 4, 4, 8, 10, 10]
    assert list(trend["month"]) == ["Sep", "Oct", "Nov", "Dec", "Sep", "Oct", "Nov"]
    assert list(trend["school_year_label"][:1]) == ["2023-24"]
    same = page.same_point
    assert len(same) == 1
    row = same.iloc[0]
    assert (row["school_year"], row["as_of"]) == (2024, dt.date(2023, 11, 15))
    assert row["chronic_absence_rate"] == pytest.approx(0.25)  # A02: 8 of 53 days
    assert row["change"] == pytest.approx(-0.05)


def test_an_earlier_month_end_shows_that_month_and_the_same_month_a_year_before(serving):
    page = district_overview(serving, ADMIN, dt.date(2024, 9, 30))
    assert page.headline.chronic_absence_rate == pytest.approx(0.25)
    assert page.trend["as_of"].iloc[-1] == dt.date(2024, 9, 30)
    assert list(page.same_point["as_of"]) == [dt.date(2023, 9, 30)]
    assert page.same_point["change"].iloc[0] == pytest.approx(0.25)


def test_school_page_numbers_grades_groups_and_watch_list(serving):
    page = school_overview(serving, ADMIN, "S1")
    h = page.headline
    assert (h.students_enrolled, h.students_eligible, h.chronically_absent_count) == (7, 7, 1)
    assert h.level == "significant"
    assert [(t.tier, t.count) for t in page.tiers] == [
        ("satisfactory", 2),
        ("at_risk", 4),
        ("moderate_chronic", 1),
        ("severe_chronic", 0),
    ]
    # Grade 06 has one student (hidden: small), so grade 05 is hidden too (complementary).
    grades = {g.value: (g.students_eligible, g.suppression) for g in page.grades.groups}
    assert grades == {"05": (None, "complementary"), "06": (None, "small")}
    sex = next(t for t in page.groups if t.column == "sex")
    assert [(g.value, g.students_eligible, g.chronically_absent_count) for g in sex.groups] == [
        ("F", 3, 1),
        ("M", 4, 0),
    ]
    homeless = next(t for t in page.groups if t.column == "homeless")
    assert [g.suppression for g in homeless.groups] == ["small", "complementary"]
    # At risk or worse, highest rate first; a tie (A02, A03: 3 of 55) by id.
    assert list(page.watch_list["student_id"]) == ["A05", "A04", "M01", "A02", "A03"]
    assert list(page.watch_list["tier"]) == [
        "moderate_chronic",
        "at_risk",
        "at_risk",
        "at_risk",
        "at_risk",
    ]
    assert page.watch_list["last_name"].iloc[0] == "Stone"
    # M01's row at S1 counts S1's days only: 3 of 44.
    m01 = page.watch_list.set_index("student_id").loc["M01"]
    assert (m01["days_enrolled"], m01["days_absent"]) == (44, 3.0)


def test_school_page_for_staff_of_that_school_and_for_aggregate_roles(serving):
    page = school_overview(serving, STAFF_S2, "S2")
    assert list(page.watch_list["student_id"]) == ["B01", "M01"]  # 6/55, then 1/11
    with pytest.raises(ScopeError):
        school_overview(serving, STAFF_S2, "S1")
    aggregate = school_overview(serving, VIEWER, "S1")
    assert aggregate.watch_list is None
    assert aggregate.headline.students_eligible == 7
