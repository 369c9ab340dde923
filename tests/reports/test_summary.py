"""The Summary's numbers, from hand-built aggregate frames whose every figure is known."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from report_frames import FakeMetrics, district_frame, row, state_frames

from homeroom.reports import DEFAULT_GROUP_COLUMNS, build_summary
from homeroom.reports.groups import COMPLEMENTARY, SMALL


def test_headline_is_the_district_in_its_latest_year(summary):
    h = summary.headline
    assert summary.unit_kind == "district"
    assert summary.unit_name == "Riverside Unified"
    assert summary.school_year == 2025 and summary.school_year_label == "2024-25"
    assert (h.students_eligible, h.chronically_absent_count) == (1000, 273)
    assert h.chronic_absence_rate == pytest.approx(0.273)
    assert h.ada == pytest.approx(0.938)
    assert h.level == "high"
    assert h.prior_school_year == 2024
    assert h.change == pytest.approx(0.023)
    assert h.change_line == "Up 2.3 points from 25.0% in 2023-24"
    assert summary.title == "Chronic absence in Riverside Unified, 2024-25"


def test_ada_is_explained_beside_the_chronic_rate(summary):
    assert summary.ada_line.startswith("ADA 93.8% — yet 27.3% of students")
    assert "missed 10% or more of their days" in summary.ada_line


def test_tiers_count_and_share_of_eligible_students(summary):
    tiers = {t.tier: (t.count, t.share) for t in summary.tiers}
    assert tiers == {
        "satisfactory": (500, 0.5),
        "at_risk": (227, 0.227),
        "moderate_chronic": (173, 0.173),
        "severe_chronic": (100, 0.1),
    }
    assert sum(t.count for t in summary.tiers) == summary.headline.students_eligible


def test_schools_by_level_and_sorted_by_rate(summary):
    counts = {c.level: c.count for c in summary.school_levels}
    # S4 has 5 eligible students: not rated rather than counted at a level.
    assert counts == {"low": 0, "modest": 0, "significant": 1, "high": 1, "extreme": 1, None: 1}
    assert [s.unit_id for s in summary.schools] == ["S3", "S2", "S1", "S4"]
    central = summary.schools[0]
    assert central.name == "Central High"
    assert central.change == pytest.approx(140 / 245 - 0.5)
    assert summary.schools[1].change is None  # no prior year for Adams Middle


def test_a_small_school_keeps_its_name_but_no_numbers(summary):
    tiny = summary.schools[-1]
    assert tiny.suppressed and tiny.name == "Tiny Program"
    assert (tiny.students_eligible, tiny.chronic_absence_rate, tiny.ada, tiny.level) == (None,) * 4


def _groups(summary, column):
    table = next(t for t in summary.groups if t.column == column)
    return {g.label: g for g in table.groups}


def test_a_small_group_is_suppressed_and_a_second_one_protects_it(summary):
    race = _groups(summary, "race_ethnicity")
    small = race["American Indian or Alaska Native"]
    assert small.suppression == SMALL
    assert (small.students_eligible, small.chronically_absent_count) == (None, None)
    assert small.chronic_absence_rate is None
    # Asian (95) is the next smallest: hidden so 1,000 - shown groups does not give back the 5.
    assert race["Asian"].suppression == COMPLEMENTARY
    assert race["Asian"].chronic_absence_rate is None
    assert race["Hispanic or Latino"].chronic_absence_rate == pytest.approx(0.35)
    english = _groups(summary, "english_learner")
    assert all(g.suppressed for g in english.values())


def test_no_suppressed_number_is_left_anywhere_in_the_summary(summary):
    hidden = [g for t in summary.groups for g in t.groups if g.suppressed]
    assert len(hidden) == 4
    for group in hidden:
        numbers = dataclasses.astuple(group)[3:7]
        assert numbers == (None, None, None, None)


def test_gaps_are_ranked_widest_first_with_plain_words(summary):
    assert [g.column for g in summary.gaps] == [
        "grade_level",
        "homeless",
        "economically_disadvantaged",
        "race_ethnicity",
        "students_with_disabilities",
    ]
    homeless = summary.gaps[1]
    assert homeless.sentence == (
        "Students experiencing homelessness: 48.0% chronically absent, vs 26.2% of other students"
    )
    assert homeless.difference == pytest.approx(0.48 - 249 / 950)
    race = summary.gaps[3]
    # The suppressed groups take no part: Hispanic or Latino (35%) vs White (20%), not Asian.
    assert race.sentence == (
        "Hispanic or Latino students: 35.0% chronically absent, vs 20.0% of White students"
    )
    grade = summary.gaps[0]
    assert grade.sentence.startswith("Students in Grade 9: 47.2% chronically absent")


def test_a_column_with_its_small_group_hidden_gives_no_gap(summary):
    assert "english_learner" not in {g.column for g in summary.gaps}


def test_grades_are_in_grade_order(summary):
    assert [g.label for g in summary.grades.groups] == [
        "Kindergarten",
        "Grade 1",
        "Grade 3",
        "Grade 6",
        "Grade 9",
    ]


def test_years_are_oldest_first(summary):
    assert [(y.label, y.chronic_absence_rate) for y in summary.years] == [
        ("2023-24", 0.25),
        ("2024-25", 0.273),
    ]


def test_an_unavailable_group_column_becomes_a_note(summary, metrics):
    assert ("district", ("foster_care",)) in metrics.calls
    assert any(note.startswith("Foster care: not shown") for note in summary.notes)
    assert {t.column for t in summary.groups} == set(DEFAULT_GROUP_COLUMNS) - {"foster_care"}


def test_names_fall_back_to_ids(metrics, definition):
    summary = build_summary(metrics, definition, title="My report")
    assert summary.title == "My report"
    assert summary.unit_name == "D1"
    assert {s.name for s in summary.schools} == {"S1", "S2", "S3", "S4"}


def test_several_districts_give_a_state_summary(definition):
    summary = build_summary(
        FakeMetrics(state_frames()),
        definition,
        group_columns=("homeless",),
        names={"CO": "Colorado", "D1": "Riverside Unified"},
    )
    assert summary.unit_kind == "state" and summary.unit_name == "Colorado"
    assert summary.headline.students_eligible == 1040
    assert [d.unit_id for d in summary.districts] == ["D1", "D2"]
    assert {c.level: c.count for c in summary.district_levels}["high"] == 1
    assert len(summary.schools) == 5
    assert summary.schools[0].district_name == "Riverside Unified"
    assert [g.column for g in summary.gaps] == ["homeless"]
    assert len(summary.years) == 1


def test_a_state_without_a_name_is_called_a_state(definition):
    summary = build_summary(FakeMetrics(state_frames()), definition, group_columns=())
    assert summary.unit_name == "State CO"
    assert summary.title == "Chronic absence in State CO, 2024-25"


def test_several_states_are_refused(definition):
    districts = pd.concat(
        [district_frame(), pd.DataFrame([row(year=2025, district_id="D2", eligible=40, chronic=4)])]
    )
    state = pd.DataFrame([row(year=2025, state=s, eligible=100, chronic=10) for s in ("CO", "CT")])
    metrics = FakeMetrics({("district", ()): districts, ("state", ()): state})
    with pytest.raises(ValueError, match="2 states"):
        build_summary(metrics, definition)


def test_no_rows_is_a_clear_error(definition):
    empty = FakeMetrics({("district", ()): district_frame().iloc[0:0]})
    with pytest.raises(ValueError, match="no district rows"):
        build_summary(empty, definition)
