"""The equity page: rates by group, gaps and ratios, suppression (district.py, 15 Nov 2024)."""

from __future__ import annotations

import pandas as pd
import pytest

from homeroom.definitions import load_definition
from homeroom.metrics.groups import RANKING_MINIMUM
from homeroom.reports import build_summary
from homeroom.web.data import equity
from homeroom.web.data.common import group_tables
from homeroom.web.data.equity import equity_table
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
    assert female.ratio_to_all == pytest.approx(2.0)
    assert (male.chronic_absence_rate, male.gap_to_all, male.ratio_to_all) == (
        0.0,
        pytest.approx(-0.2),
        0.0,
    )
    # Groups of 5 are shown but too small to rank (fewer than 30), as in the printable report:
    # neither is "the lowest group", so there is no gap to it.
    assert page.ranking_minimum == RANKING_MINIMUM
    assert sex.lowest is None
    assert female.gap_to_lowest is None and male.gap_to_lowest is None


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
        None,  # 5 students: not ranked, so no lowest group to measure from
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


# -- the equity page and the printable report name the same lowest group ----------------------
# (race, eligible, chronic): Asian students are 15, none chronically absent: the lowest rate,
# but too few to rank; White students (15%) are the lowest ranked group.
RACE = [("asian", 15, 0), ("black", 100, 30), ("white", 400, 60)]
ELIGIBLE = sum(n for _, n, _ in RACE)
CHRONIC = sum(c for _, _, c in RACE)


def _counts(eligible: int, chronic: int) -> dict[str, object]:
    return {
        "school_year": 2025,
        "district_id": "D1",
        "students_enrolled": eligible,
        "students_eligible": eligible,
        "chronically_absent_count": chronic,
        "chronic_absence_rate": chronic / eligible,
        "chronic_absence_rate_change": None,
        "ada": 0.93,
        "level": "high",
        "satisfactory_count": eligible - chronic,
        "at_risk_count": 0,
        "moderate_chronic_count": chronic,
        "severe_chronic_count": 0,
    }


def _report_metrics(level: str, by: tuple[str, ...] = ()) -> pd.DataFrame:
    if by == ("race_ethnicity",):
        return pd.DataFrame([{**_counts(n, c), "race_ethnicity": v} for v, n, c in RACE])
    if by:
        raise ValueError("not in this district")
    everyone = _counts(ELIGIBLE, CHRONIC)
    return pd.DataFrame([{**everyone, "school_id": "S1"} if level == "school" else everyone])


def test_the_equity_page_and_the_report_agree_on_the_lowest_group():
    definition = load_definition("default")
    summary = build_summary(_report_metrics, definition, group_columns=("race_ethnicity",))
    (gap,) = summary.gaps
    assert (gap.group.value, gap.comparison.value) == ("black", "white")

    rows = pd.DataFrame(
        [{**_counts(ELIGIBLE, CHRONIC), "group_column": "", "group_value": None}]
        + [
            {**_counts(n, c), "group_column": "race_ethnicity", "group_value": v}
            for v, n, c in RACE
        ]
    )
    (race,) = group_tables(rows, definition.minimum_group_size)
    page = equity_table(race, CHRONIC / ELIGIBLE, definition.minimum_group_size)
    assert page.lowest is not None and page.lowest.value == gap.comparison.value == "white"
    by_value = {g.value: g for g in page.groups}
    # The 15-student group is shown with its rate, measured from the lowest ranked group.
    assert by_value["asian"].chronic_absence_rate == 0.0
    assert by_value["asian"].gap_to_lowest == pytest.approx(-0.15)
    assert by_value["black"].gap_to_lowest == pytest.approx(0.15)
