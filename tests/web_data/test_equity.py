"""The equity page: rates by group, gaps and ratios, suppression (district.py, 15 Nov 2024)."""

from __future__ import annotations

import pytest

from homeroom.web.data import equity
from homeroom.web.scope import Scope, ScopeError

VIEWER = Scope.of("viewer", "district_viewer")
STAFF_S2 = Scope.of("staff", "school_staff", ["S2"])


def table(page, column):
    return next(t for t in page.tables if t.column == column)


def test_gaps_to_all_students_and_to_the_lowest_group_and_the_ratio(serving):
    page = equity(serving, VIEWER)
    assert page.chronic_absence_rate == pytest.approx(0.2)  # 2 of 10
    assert page.students_eligible == 10 and page.minimum_group_size == 3
    sex = table(page, "sex")
    female, male = sex.groups
    assert (female.label, female.students_eligible, female.chronically_absent_count) == (
        "Female",
        5,
        2,
    )
    assert female.chronic_absence_rate == pytest.approx(0.4)
    assert female.gap_to_all == pytest.approx(0.2)
    assert female.gap_to_lowest == pytest.approx(0.4)
    assert female.ratio_to_all == pytest.approx(2.0)
    assert (male.chronic_absence_rate, male.gap_to_all, male.gap_to_lowest, male.ratio_to_all) == (
        0.0,
        pytest.approx(-0.2),
        0.0,
        0.0,
    )
    assert sex.lowest == male


def test_small_groups_are_blanked_with_the_reason(serving):
    page = equity(serving, VIEWER)
    race = {g.value: g for g in table(page, "race_ethnicity").groups}
    assert race["asian"].suppression == "small"  # B02, B03
    assert race["asian"].suppression_reason == "fewer than 3 eligible students"
    # White (3) is hidden too, or 10 - 5 - 3 would give the Asian group back.
    assert race["white"].suppression == "complementary"
    assert race["white"].chronic_absence_rate is None and race["white"].gap_to_all is None
    assert race["white"].suppression_reason.startswith("hidden so that a smaller group")
    shown = race["hispanic_latino"]
    assert (shown.students_eligible, shown.chronic_absence_rate) == (5, pytest.approx(0.2))
    assert (shown.gap_to_all, shown.gap_to_lowest, shown.ratio_to_all) == (
        pytest.approx(0),
        0,
        pytest.approx(1),
    )
    homeless = table(page, "homeless")
    assert [g.suppression for g in homeless.groups] == ["small", "complementary"]
    assert homeless.lowest is None
    frame = page.frame()
    hidden = frame[frame["suppression"].notna()]
    assert hidden["chronic_absence_rate"].isna().all() and hidden["students_eligible"].isna().all()


def test_one_school_and_scope(serving):
    page = equity(serving, STAFF_S2, school_id="S2")
    assert page.unit_name == "School S2" and page.students_eligible == 4
    with pytest.raises(ScopeError):
        equity(serving, STAFF_S2, school_id="S1")
