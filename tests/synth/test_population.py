"""synth/population (and geography): stays, movers, student shares and state-mode ids."""

from __future__ import annotations

import numpy as np
import pytest

from homeroom.contract.schema import (
    GRADE_LEVELS,
)
from homeroom.synth import generate
from synth.generated import (
    read,
)


def test_stays_never_overlap_and_follow_grades(tables, enrolled):
    enr = enrolled.sort_values(["student_id", "entry_date"])
    assert (enr.days >= 1).all()
    assert (enr.exit_date.isna() | (enr.exit_date >= enr.entry_date)).all()
    same = enr.student_id.eq(enr.student_id.shift())
    assert (enr.entry_date[same] > enr.last_day.shift()[same]).all()
    # One grade per student and year, one more the next year.
    grade = enr.groupby(["student_id", "school_year"]).grade_level.agg(set)
    assert (grade.map(len) == 1).all()
    rank = {g: i for i, g in enumerate(GRADE_LEVELS)}
    g = grade.map(lambda s: rank[next(iter(s))]).unstack().dropna()
    assert ((g[2025] - g[2024]).isin([1, 2])).all()  # PK→KG skips TK in the rank table
    counts = tables["enrollments"].query("school_year == 2025").grade_level.value_counts()
    assert counts["PK"] == pytest.approx(counts["03"] / 2, rel=0.25)


def test_student_shares_are_near_national_figures(tables):
    s = tables["students"]
    race = s.race_ethnicity.value_counts(normalize=True)
    for group, share, tol in (
        ("white", 0.44, 0.04),
        ("hispanic_latino", 0.28, 0.04),
        ("black", 0.15, 0.03),
        ("asian", 0.055, 0.02),
        ("two_or_more", 0.05, 0.015),
    ):
        assert race[group] == pytest.approx(share, abs=tol), group
    for flag, share, tol in (
        ("economically_disadvantaged", 0.45, 0.05),
        ("english_learner", 0.10, 0.03),
        ("students_with_disabilities", 0.15, 0.03),
        ("section_504", 0.03, 0.01),
        ("homeless", 0.025, 0.01),
        ("foster_care", 0.005, 0.003),
        ("migrant", 0.005, 0.004),
        ("military_connected", 0.02, 0.01),
    ):
        assert s[flag].mean() == pytest.approx(share, abs=tol), flag
    assert s.sex.value_counts(normalize=True)["X"] < 0.01
    ed = s.groupby("race_ethnicity").economically_disadvantaged.mean()
    assert ed["black"] > ed["white"] and ed["hispanic_latino"] > ed["asian"]
    el = s.groupby("race_ethnicity").english_learner.mean()
    assert el["hispanic_latino"] > 3 * el["white"] and el["asian"] > 3 * el["white"]
    assert (s.home_language[s.english_learner] != "en").mean() > 0.8


def test_movers_exit_then_enter_on_the_next_school_day(tables):
    enr = tables["enrollments"]
    per_year = enr.groupby(["school_year", "student_id"]).size()
    assert 0.09 <= (per_year > 1).mean() <= 0.14
    moved = enr[enr.duplicated(["school_year", "student_id"], keep=False)].sort_values(
        ["student_id", "entry_date"]
    )
    first, second = moved.iloc[::2].reset_index(), moved.iloc[1::2].reset_index()
    assert (second.entry_date > first.exit_date).all()
    # B's entry is its calendar's first school day after the exit day at A.
    cal = tables["calendar"][tables["calendar"].instructional]
    cal = cal.merge(tables["schools"][["school_id", "calendar_id"]], on="calendar_id")
    days = cal.groupby(["school_id", "school_year"]).date.agg(lambda d: np.sort(d.to_numpy()))
    for row_a, row_b in zip(first.itertuples(), second.itertuples(), strict=True):
        b_days = days[(row_b.school_id, row_b.school_year)]
        after = b_days[np.searchsorted(b_days, row_a.exit_date, side="right")]
        assert row_b.entry_date == after
    late_or_early = enr[(enr.exit_date.notna()) & ~enr.index.isin(moved.index)]
    assert 0.01 <= len(late_or_early) / len(enr) <= 0.06


def test_state_mode_ids_are_unique_and_some_moves_cross_districts(tmp_path):
    summary = generate(tmp_path, students=6000, schools=40, districts=3, years=2, seed=4)
    assert summary.districts == 3
    sch = read(tmp_path, "schools")
    assert sch.school_id.is_unique and sch.district_id.nunique() == 3
    assert sch.calendar_id.nunique() == 6
    assert set(sch.school_id.str[:3]) == set(sch.district_id)
    enr = read(tmp_path, "enrollments").merge(sch[["school_id", "district_id"]])
    districts = enr.groupby(["school_year", "student_id"]).district_id.nunique()
    assert (districts > 1).any()
    assert read(tmp_path, "students").student_id.is_unique
