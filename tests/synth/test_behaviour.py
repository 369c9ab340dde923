"""synth/behaviour: attendance rows, and absence patterns near national figures."""

from __future__ import annotations

import pandas as pd

from synth.generated import (
    absent_amounts,
    chronic_share,
)


def test_attendance_only_on_instructional_days_inside_stays_one_row_per_date(tables, enrolled):
    t = tables
    a = t["attendance"]
    assert not a.duplicated(["student_id", "school_id", "date"]).any()
    order = a.sort_values(["school_id", "student_id", "date"], kind="stable").index
    assert (order == a.index).all()
    cal = t["calendar"].merge(t["schools"][["school_id", "calendar_id"]], on="calendar_id")
    on_day = a.merge(cal, on=["school_id", "date"], how="left")
    assert on_day.instructional.fillna(False).all()
    enr = enrolled[["student_id", "school_id", "entry_date", "last_day"]]
    inside = a.reset_index().merge(enr, on=["student_id", "school_id"])
    inside = inside[(inside.date >= inside.entry_date) & (inside.date <= inside.last_day)]
    assert inside["index"].nunique() == len(a)


def test_chronic_absence_and_mean_rate_are_near_national_figures(stays):
    assert 0.22 <= stays.chronic.mean() <= 0.33
    assert 0.065 <= stays.rate.mean() <= 0.095
    assert 0.04 <= (stays.rate >= 0.20).mean() <= 0.14  # severe chronic


def test_groups_differ_in_the_national_direction(stays):
    for flag in ("economically_disadvantaged", "students_with_disabilities", "homeless"):
        share = chronic_share(stays, flag)
        assert share[True] > share[False] + 0.05, flag
    race = chronic_share(stays, "race_ethnicity")
    for group in ("black", "hispanic_latino", "american_indian_alaska_native"):
        assert race[group] > race["white"], group
    assert race["asian"] < race["white"]


def test_kindergarten_and_grades_11_12_miss_more_than_grade_3(stays):
    grade = chronic_share(stays, "grade_level")
    assert grade["KG"] > grade["03"] + 0.05
    assert grade["11"] > grade["03"] + 0.05 and grade["12"] > grade["03"] + 0.05


def test_mondays_fridays_and_winter_months_see_more_absences(tables):
    a = absent_amounts(tables)
    days = pd.to_datetime(a.date[a.cat.isin(("excused", "unexcused"))])
    per_weekday = days.dt.day_of_week.value_counts()
    cal = tables["calendar"][tables["calendar"].instructional]
    school_days = pd.to_datetime(cal.date).dt.day_of_week.value_counts()
    rate = per_weekday / school_days
    assert min(rate[0], rate[4]) > 1.1 * max(rate[1], rate[2], rate[3])
    month = days.dt.month.value_counts() / pd.to_datetime(cal.date).dt.month.value_counts()
    assert month[[12, 1, 2]].mean() > month[[9, 10]].mean() * 1.15


def test_absence_persists_from_year_to_year(stays):
    rate = stays.groupby(["student_id", "school_year"]).rate.mean().unstack().dropna()
    assert len(rate) > 5000
    assert rate[2024].corr(rate[2025]) > 0.4


def test_codes_tardies_half_days_and_suspensions(tables, stays):
    a = absent_amounts(tables)
    assert a.minutes_absent[a.code == "T"].between(5, 40).all()
    assert (a.absent_fraction[a.code == "H"] == 0.5).all()
    assert (a.code == "ED").any() and (a.code == "FT").any() and (a.code == "R").any()
    assert a.category.notna().mean() < 0.1
    filled = a[a.category.notna()]
    assert (filled.category == filled.code_category).all()  # second-source rows agree
    full = a[a.cat.isin(("excused", "unexcused")) & (a.code != "H")]
    assert 0.35 <= (full.cat == "unexcused").mean() <= 0.65
    level = full.merge(tables["schools"], on="school_id").school_id.str[4]
    unexcused = (full.cat == "unexcused").groupby(level.to_numpy()).mean()
    assert unexcused["H"] > unexcused["E"]
    suspended = set(a.student_id[a.code == "S"])
    s = tables["students"].set_index("student_id")
    oss = s.index.isin(suspended)
    assert 0.01 <= oss.mean() <= 0.08
    assert s.students_with_disabilities[oss].mean() > s.students_with_disabilities.mean()
    assert (s.race_ethnicity[oss] == "black").mean() > (s.race_ethnicity == "black").mean()
