"""One student's page: days, categories, tiers, stays (district.py, 15 Nov 2024)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from homeroom.web.data import (
    StudentNotFound,
    student_detail,
)
from homeroom.web.scope import Scope

ADMIN = Scope.of("admin", "district_admin")
STAFF_S2 = Scope.of("staff", "school_staff", ["S2"])
STAFF_NONE = Scope.of("nobody", "school_staff")
VIEWER = Scope.of("viewer", "district_viewer")
ANALYST = Scope.of("analyst", "state_analyst")
SEP30 = dt.date(2024, 9, 30)


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


def test_late_arrivals_and_early_departures_are_counted_apart_from_absences(serving):
    # A06's only record is a tardy on 15 November: no day absent, one late arrival.
    standing = student_detail(serving, ADMIN, "A06").standing
    assert (standing.days_absent, standing.absence_rate, standing.tier) == (
        0.0,
        0.0,
        "satisfactory",
    )
    assert (standing.tardies, standing.tardy_days) == (1, 0.0)
    assert (standing.early_departures, standing.early_departure_days) == (0, 0.0)
    other = student_detail(serving, ADMIN, "A01").standing
    assert (other.tardies, other.early_departures) == (0, 0)
