"""The schools list, against the hand-computed numbers of district.py (15 Nov 2024)."""

from __future__ import annotations

import datetime as dt

import pytest

from homeroom.web.data import school_list
from homeroom.web.scope import Scope

ADMIN = Scope.of("admin", "district_admin")
STAFF_S2 = Scope.of("staff", "school_staff", ["S2"])
STAFF_NONE = Scope.of("new", "school_staff", [])
VIEWER = Scope.of("viewer", "district_viewer")
ANALYST = Scope.of("analyst", "state_analyst")


@pytest.mark.parametrize("scope", [ADMIN, VIEWER, ANALYST])
def test_every_school_with_enrolled_rate_ada_and_level(serving, scope):
    page = school_list(serving, scope)
    assert page.as_of == dt.date(2024, 11, 15) and page.school_year_label == "2024-25"
    schools = page.schools
    assert list(schools["school_id"]) == ["S2", "S1"]  # highest rate first
    assert list(schools["students_enrolled"]) == [4, 7]
    assert list(schools["chronic_absence_rate"]) == pytest.approx([1 / 4, 1 / 7])
    assert list(schools["level"]) == ["high", "significant"]
    # ADA: S2 (55+55+55+11 days, 6+1+1 absent), S1 the rest of district.py's days.
    assert schools["ada"].iloc[0] == pytest.approx((176 - 8) / 176)
    assert schools["ada"].iloc[1] == pytest.approx((338 - 18.5) / 338)


def test_school_staff_see_their_schools_only(serving):
    assert list(school_list(serving, STAFF_S2).schools["school_id"]) == ["S2"]
    assert school_list(serving, STAFF_NONE).schools.empty


def test_an_earlier_date_lists_the_numbers_of_that_date(serving):
    page = school_list(serving, VIEWER, dt.date(2024, 9, 30))
    assert page.as_of == dt.date(2024, 9, 30)
    by_school = page.schools.set_index("school_id")
    # A04 enters on 1 October, so S1 has 6 students on 30 September (A05 from 23 September).
    assert by_school.loc["S1", "students_enrolled"] == 6
