"""The synthetic generator: contract, determinism, and realistic shares (checked with pandas)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from homeroom.contract.schema import (
    CATEGORIES,
    GRADE_LEVELS,
    RACE_ETHNICITY,
    SEX,
    STUDENT_FLAGS,
    TABLES,
)
from homeroom.synth import SynthSummary, demo_dataset, generate

FILES = ("schools", "students", "enrollments", "calendar", "attendance", "codes")
ABSENCE = ("excused", "unexcused", "suspension", "tardy", "early_departure")  # default profile


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(folder / f"{name}.parquet")


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> tuple[Path, SynthSummary]:
    """A mid-size district over two school years: enough students for stable shares."""
    folder = tmp_path_factory.mktemp("district")
    return folder, generate(folder, students=20_000, schools=14, years=2, seed=11)


@pytest.fixture(scope="module")
def tables(district) -> dict[str, pd.DataFrame]:
    folder, _ = district
    return {name: read(folder, name) for name in FILES}


@pytest.fixture(scope="module")
def enrolled(tables) -> pd.DataFrame:
    """Per stay: the last day enrolled and the days enrolled (instructional days in the stay)."""
    t = tables
    cal = t["calendar"][t["calendar"].instructional].copy()
    cal["n"] = cal.groupby(["calendar_id", "school_year"]).cumcount()
    last = cal.groupby(["calendar_id", "school_year"]).date.max().rename("year_end")
    enr = t["enrollments"].merge(t["schools"][["school_id", "calendar_id"]], on="school_id")
    enr = enr.merge(last.reset_index(), on=["calendar_id", "school_year"])
    enr["last_day"] = enr.exit_date.fillna(enr.year_end)
    day_n = cal[["calendar_id", "school_year", "date", "n"]]
    enr = enr.merge(day_n.rename(columns={"date": "entry_date", "n": "n0"}))
    enr = enr.merge(day_n.rename(columns={"date": "last_day", "n": "n1"}))
    enr["days"] = enr.n1 - enr.n0 + 1
    return enr


@pytest.fixture(scope="module")
def stays(tables, enrolled) -> pd.DataFrame:
    """Eligible stays (10+ days) with days absent, rate, chronic flag and student groups."""
    att = absent_amounts(tables)
    enr = enrolled
    rows = att.merge(enr[["student_id", "school_id", "school_year", "entry_date", "last_day"]])
    rows = rows[(rows.date >= rows.entry_date) & (rows.date <= rows.last_day)]
    absent = rows.groupby(["student_id", "school_id", "school_year"]).absent.sum()
    out = enr.merge(absent.reset_index(), how="left").fillna({"absent": 0.0})
    out = out[out.days >= 10]
    out["rate"] = out.absent / out.days
    out["chronic"] = out.rate >= 0.10
    return out.merge(tables["students"], on="student_id")


def absent_amounts(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each attendance row's absent fraction, as the default definition counts it."""
    codes = t["codes"].rename(columns={"category": "code_category", "absent_fraction": "code_f"})
    att = t["attendance"].merge(codes, on="code", how="left")
    att = att.merge(t["schools"][["school_id", "day_minutes"]], on="school_id")
    att["cat"] = att.category.fillna(att.code_category)
    fraction = att.absent_fraction.fillna(att.minutes_absent / att.day_minutes).fillna(att.code_f)
    att["absent"] = np.where(att.cat.isin(ABSENCE), fraction, 0.0)
    return att


def chronic_share(df: pd.DataFrame, column: str) -> pd.Series:
    return df.groupby(column).chronic.mean()


def nth_weekday(year: int, month: int, weekday: str, n: int) -> np.datetime64:
    return np.busday_offset(f"{year}-{month:02d}", n - 1, roll="forward", weekmask=weekday)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# --- determinism and API --------------------------------------------------------------------


def test_same_arguments_give_byte_identical_files(tmp_path):
    kwargs = dict(students=900, schools=8, years=2, seed=5, districts=2)
    generate(tmp_path / "a", **kwargs)
    generate(tmp_path / "b", **kwargs)
    generate(tmp_path / "c", **{**kwargs, "seed": 6})
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert (
        digest(tmp_path / "a")["attendance.parquet"] != digest(tmp_path / "c")["attendance.parquet"]
    )


def test_summary_files_and_progress(tmp_path):
    calls: list[tuple[int, int]] = []
    summary = generate(tmp_path, students=700, schools=5, progress=lambda *a: calls.append(a))
    assert set(summary.files) == set(FILES)
    assert all(path.exists() and path.suffix == ".parquet" for path in summary.files.values())
    assert calls and calls[-1][0] == calls[-1][1]
    assert summary.school_years == [2025] and summary.districts == 1 and summary.schools == 5
    assert summary.attendance_rows == pq.ParquetFile(summary.files["attendance"]).metadata.num_rows
    assert summary.stays == len(read(tmp_path, "enrollments"))
    assert summary.students == len(read(tmp_path, "students"))


def test_csv_holds_the_same_data_as_parquet(tmp_path):
    generate(tmp_path / "p", students=300, schools=4, years=2, seed=2)
    generate(tmp_path / "c", students=300, schools=4, years=2, seed=2, fmt="csv")
    for name in FILES:
        parquet = read(tmp_path / "p", name)
        csv = pd.read_csv(tmp_path / "c" / f"{name}.csv", dtype=str, keep_default_na=False)
        assert list(csv.columns) == list(parquet.columns)
        assert len(csv) == len(parquet)
    att = pd.read_csv(tmp_path / "c" / "attendance.csv", dtype=str, keep_default_na=False)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", att.date.iloc[0])


def test_demo_dataset_has_two_years_of_ten_schools(tmp_path):
    summary = demo_dataset(tmp_path)
    assert summary.schools == 10 and len(summary.school_years) == 2
    assert 3500 <= len(read(tmp_path, "enrollments").query("school_year == 2025")) <= 5000


# --- contract ---------------------------------------------------------------------------------


def test_columns_types_and_enums_follow_the_schema(district, tables):
    folder, _ = district
    for name in FILES:
        assert set(tables[name].columns) <= set(TABLES[name].names), name
        assert set(TABLES[name].required) <= set(tables[name].columns), name
    types = {n: pq.read_schema(folder / f"{n}.parquet") for n in FILES}
    assert str(types["attendance"].field("date").type) == "date32[day]"
    assert str(types["attendance"].field("student_id").type) == "string"
    assert str(types["enrollments"].field("exit_date").type) == "date32[day]"
    for flag in STUDENT_FLAGS:
        assert str(types["students"].field(flag).type) == "bool"
    s = tables["students"]
    assert s.student_id.is_unique and s.student_id.str.fullmatch(r"S\d{7}").all()
    assert set(s.sex) <= set(SEX) and set(s.race_ethnicity) <= set(RACE_ETHNICITY)
    assert s.home_language.str.fullmatch(r"[a-z]{2}").all()
    assert set(tables["enrollments"].grade_level) <= set(GRADE_LEVELS)
    a = tables["attendance"]
    assert set(a.category.dropna()) <= set(CATEGORIES)
    assert set(a.code) <= set(tables["codes"].code)
    assert set(tables["codes"].category) <= set(CATEGORIES)
    assert a.absent_fraction.dropna().between(0, 1).all()
    sch = tables["schools"]
    assert sch.school_id.str.fullmatch(r"D01-[EMH]\d{2}").all() and set(sch.state) == {"ZZ"}
    assert sch.school_name.str.endswith(("Elementary School", "Middle School", "High School")).all()
    assert sch.day_minutes.between(330, 450).all()


def test_school_levels_are_about_60_20_20_with_their_own_calendars(tables):
    sch = tables["schools"]
    level = sch.school_id.str[4]
    shares = level.value_counts(normalize=True)
    assert shares["E"] == pytest.approx(0.6, abs=0.1)
    assert shares["M"] == pytest.approx(0.2, abs=0.1) and shares["H"] == pytest.approx(0.2, abs=0.1)
    assert set(sch.calendar_id[level == "E"]) == {"D01-ELEM"}
    assert set(sch.calendar_id[level != "E"]) == {"D01-SEC"}
    grades = tables["enrollments"].merge(sch, on="school_id")
    by_level = grades.groupby(grades.school_id.str[4]).grade_level.agg(set)
    assert by_level["E"] <= {"PK", "TK", "KG", "01", "02", "03", "04", "05"}
    assert by_level["M"] == {"06", "07", "08"}
    assert by_level["H"] == {"09", "10", "11", "12"}


def test_calendars_have_175_to_180_days_and_the_usual_holidays(tables):
    cal = tables["calendar"]
    dates = pd.to_datetime(cal.date)
    assert (dates.dt.day_of_week < 5).all()
    for (cid, year), c in cal.groupby(["calendar_id", "school_year"]):
        d = pd.to_datetime(c.date)
        assert 175 <= c.instructional.sum() <= 180, (cid, year)
        assert d.min() >= pd.Timestamp(year - 1, 8, 1) and d.min().month == 8
        assert pd.Timestamp(year, 5, 20) <= d.max() <= pd.Timestamp(year, 6, 20)
        assert len(c) == np.busday_count(d.min().date(), d.max().date()) + 1  # every weekday
        off = set(d[~c.instructional.to_numpy()].dt.date)
        labor = nth_weekday(year - 1, 9, "Mon", 1)
        thanksgiving = nth_weekday(year - 1, 11, "Thu", 4)
        mlk = nth_weekday(year, 1, "Mon", 3)
        for day in (labor, thanksgiving, thanksgiving - 1, thanksgiving + 1, mlk):
            assert day.astype(object) in off, (cid, year, day)
        winter = {x for x in off if (x.month == 12 and x.day >= 20) or (x.month == 1 and x.day < 8)}
        assert len(winter) >= 9
    elem = cal[cal.calendar_id == "D01-ELEM"].set_index(["school_year", "date"]).instructional
    sec = cal[cal.calendar_id == "D01-SEC"].set_index(["school_year", "date"]).instructional
    both = pd.concat([elem, sec], axis=1, join="inner")
    assert (both.iloc[:, 0] != both.iloc[:, 1]).sum() >= 2  # teacher work days differ


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


# --- realism ------------------------------------------------------------------------------------


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


@pytest.mark.parametrize("years", [1, 2])
def test_a_generated_dataset_validates_with_nothing_quarantined(tmp_path, years):
    contract = pytest.importorskip("homeroom.contract")
    if not hasattr(contract, "validate_dataset"):
        pytest.skip("the validator is not there yet")
    import duckdb

    from homeroom.definitions import load_definition

    generate(tmp_path, students=1500, schools=6, years=years, seed=9, districts=2)
    with duckdb.connect() as con:
        report = contract.validate_dataset(tmp_path, con, definition=load_definition("default"))
    assert report.quarantined == 0
