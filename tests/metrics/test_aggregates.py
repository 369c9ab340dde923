"""School, district and state aggregates: counts, rates, tiers, ADA, levels, groups and the prior
year (metrics/aggregates.py).

Every dataset is written to CSV files and goes through `metrics_for_folder`, like a user's
(tests/metrics/helpers.py); the arithmetic is worked out in each comment.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from datasets import Builder

from .helpers import (
    START,
    YEAR,
    approx,
    by_school,
    by_student,
    day,
    metrics,
    school_with_calendar,
)


def test_school_aggregate_counts_rates_tiers_and_ada(tmp_path: Path) -> None:
    # 10 days. P1 0 absent (satisfactory; a tardy is not an absence), P2 1 (10%, moderate), P3
    # 2.5 (25%, severe), P4 0.5 (5%, at risk); P5 enters day 5: 5 days, 1 absent, not eligible.
    # Enrolled 5, eligible 4, chronic 2 (P2, P3): 50%, extreme.
    # ADA over all five: (10*4 + 5 - (0 + 1 + 2.5 + 0.5 + 1)) / 45 = 40/45.
    b = school_with_calendar(10)
    for p in ("P1", "P2", "P3", "P4"):
        b.stay(p, "S1", YEAR, day(0))
    b.stay("P5", "S1", YEAR, day(5))
    b.absent("P2", "S1", day(1), "excused")
    b.absent("P3", "S1", day(1), "excused")
    b.absent("P3", "S1", day(2), "unexcused")
    b.absent("P3", "S1", day(3), "suspension", fraction="0.5")
    b.absent("P1", "S1", day(1), "tardy", fraction="0.5")
    b.absent("P4", "S1", day(1), "excused", fraction="0.5")
    b.absent("P5", "S1", day(6), "excused")
    (row,) = metrics(tmp_path, b, level="school")
    assert (row["school_year"], row["district_id"], row["school_id"]) == (YEAR, "D1", "S1")
    assert (row["students_enrolled"], row["students_eligible"]) == (5, 4)
    assert row["chronically_absent_count"] == 2
    assert row["chronic_absence_rate"] == approx(0.5)
    counts = [
        row[f"{t}_count"] for t in ("satisfactory", "at_risk", "moderate_chronic", "severe_chronic")
    ]
    assert counts == [1, 1, 1, 1]
    assert row["ada"] == approx(40 / 45)
    assert row["level"] == "extreme"
    assert row["prior_chronic_absence_rate"] is None
    assert row["chronic_absence_rate_change"] is None


def test_school_levels_change_exactly_at_the_cut_points(tmp_path: Path) -> None:
    # Schools of 20 eligible students, k of them chronic (1 day of 10 absent):
    # 0 low, 1 = 5% modest, 2 = 10% significant, 3 = 15% significant, 4 = 20% high,
    # 5 = 25% high, 6 = 30% extreme. And 1 of 21 (4.76%) is low, where 1 of 20 is modest.
    b = Builder()
    b.calendar("C1", YEAR, START, 10)
    plan = {f"K{k}": (20, k) for k in range(7)} | {"L1": (21, 1)}
    for school, (size, chronic) in plan.items():
        b.school(school, "D1", calendar_id="C1")
        for i in range(size):
            student = f"{school}-{i:02d}"
            b.stay(student, school, YEAR, day(0))
            if i < chronic:
                b.absent(student, school, day(4), "excused")
    levels = {key[1]: row["level"] for key, row in by_school(tmp_path, b).items()}
    assert levels == {
        "K0": "low",
        "K1": "modest",
        "K2": "significant",
        "K3": "significant",
        "K4": "high",
        "K5": "high",
        "K6": "extreme",
        "L1": "low",
    }


def test_no_eligible_student_gives_empty_rate_and_level(tmp_path: Path) -> None:
    # 10 days; P1 enters day 5: 5 days, not eligible. Enrolled 1, eligible 0: no rate, no level;
    # ADA still counts the student: (5 - 1) / 5.
    b = school_with_calendar(10)
    b.stay("P1", "S1", YEAR, day(5))
    b.absent("P1", "S1", day(6), "excused")
    (row,) = metrics(tmp_path, b, level="school")
    assert (row["students_enrolled"], row["students_eligible"]) == (1, 0)
    assert row["chronic_absence_rate"] is None and row["level"] is None
    assert row["ada"] == approx(0.8)


def _three_students() -> Builder:
    # 10 days. P1 grade 03 asian, chronic (1 absent); P2 grade 03 black, 0; P3 grade 04 asian,
    # chronic (2 absent).
    b = school_with_calendar(10)
    b.student("P1", race_ethnicity="asian")
    b.student("P2", race_ethnicity="black")
    b.student("P3", race_ethnicity="asian")
    b.stay("P1", "S1", YEAR, day(0), grade="03")
    b.stay("P2", "S1", YEAR, day(0), grade="03")
    b.stay("P3", "S1", YEAR, day(0), grade="04")
    b.absent("P1", "S1", day(1), "excused")
    b.absent("P3", "S1", day(1), "excused")
    b.absent("P3", "S1", day(2), "excused")
    return b


def test_by_grade_level(tmp_path: Path) -> None:
    # Grade 03: 2 enrolled, 1 chronic (50%), ADA 19/20; grade 04: 1 enrolled, 1 chronic, 8/10.
    rows = by_school(tmp_path, _three_students(), by=("grade_level",))
    g3, g4 = rows[(YEAR, "S1", "03")], rows[(YEAR, "S1", "04")]
    assert (g3["students_enrolled"], g3["chronically_absent_count"]) == (2, 1)
    assert g3["chronic_absence_rate"] == approx(0.5) and g3["ada"] == approx(0.95)
    assert (g4["students_enrolled"], g4["chronically_absent_count"]) == (1, 1)
    assert g4["ada"] == approx(0.8)
    assert set(rows) == {(YEAR, "S1", "03"), (YEAR, "S1", "04")}


def test_by_a_student_column_and_by_two_columns(tmp_path: Path) -> None:
    # asian: P1 and P3, both chronic; black: P2, not. By grade and race: (03, asian) 1 of 1,
    # (03, black) 0 of 1, (04, asian) 1 of 1.
    rows = by_school(tmp_path, _three_students(), by=("race_ethnicity",))
    assert {
        k[2]: (r["students_enrolled"], r["chronically_absent_count"]) for k, r in rows.items()
    } == {"asian": (2, 2), "black": (1, 0)}
    both = by_school(tmp_path, _three_students(), by=("grade_level", "race_ethnicity"))
    assert {k[2:]: r["chronically_absent_count"] for k, r in both.items()} == {
        ("03", "asian"): 1,
        ("03", "black"): 0,
        ("04", "asian"): 1,
    }


def test_by_a_column_of_a_per_year_students_table(tmp_path: Path) -> None:
    # Two years of 10 days. P1 is economically disadvantaged in 2024 (chronic: 1 absent) and
    # not in 2025 (no absence); P2 never is, and is never absent.
    # 2024: True 1 of 1 chronic, False 0 of 1. 2025: False 0 of 2 (no True group); the False
    # group's prior rate is 2024's 0, change 0.
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.calendar("C1", 2024, dt.date(2023, 9, 4), 10)
    b.calendar("C1", 2025, START, 10)
    b.student("P1", school_year=2024, economically_disadvantaged="Y")
    b.student("P1", school_year=2025, economically_disadvantaged="N")
    b.student("P2", school_year=2024, economically_disadvantaged="no")
    b.student("P2", school_year=2025, economically_disadvantaged="false")
    for p in ("P1", "P2"):
        b.stay(p, "S1", 2024, dt.date(2023, 9, 4))
        b.stay(p, "S1", 2025, START)
    b.absent("P1", "S1", dt.date(2023, 9, 5), "excused")
    rows = by_school(tmp_path, b, by=("economically_disadvantaged",))
    got = {
        (k[0], k[2]): (r["students_enrolled"], r["chronically_absent_count"])
        for k, r in rows.items()
    }
    assert got == {(2024, True): (1, 1), (2024, False): (1, 0), (2025, False): (2, 0)}
    later = rows[(2025, "S1", False)]
    assert later["prior_chronic_absence_rate"] == 0
    assert later["chronic_absence_rate_change"] == 0


@pytest.mark.parametrize(
    "students_by_year", [False, True], ids=["one-students-row", "students-row-per-year"]
)
def test_several_years_with_the_prior_years_rate_and_change(
    tmp_path: Path, students_by_year: bool
) -> None:
    # S1 2024: 4 students, 1 chronic (25%). S1 2025: 5 students, 2 chronic (40%): prior 0.25,
    # change +0.15. S2 exists only in 2025: no prior. 2024 has no prior year in the data.
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.school("S2", "D1", calendar_id="C1")
    b.calendar("C1", 2024, dt.date(2023, 9, 4), 10)
    b.calendar("C1", 2025, START, 10)
    for i in range(4):
        b.stay(f"A{i}", "S1", 2024, dt.date(2023, 9, 4))
    b.absent("A0", "S1", dt.date(2023, 9, 6), "excused")
    for i in range(5):
        b.stay(f"A{i}", "S1", 2025, START)
    b.absent("A0", "S1", day(1), "excused")
    b.absent("A1", "S1", day(1), "excused")
    b.stay("B0", "S2", 2025, START)
    if students_by_year:
        for student, years in {f"A{i}": (2024, 2025) for i in range(4)}.items():
            for year in years:
                b.student(student, school_year=year)
        b.student("A4", school_year=2025).student("B0", school_year=2025)
    rows = by_school(tmp_path, b)
    assert rows[(2024, "S1")]["chronic_absence_rate"] == approx(0.25)
    assert rows[(2024, "S1")]["prior_chronic_absence_rate"] is None
    now = rows[(2025, "S1")]
    assert now["chronic_absence_rate"] == approx(0.4)
    assert now["prior_chronic_absence_rate"] == approx(0.25)
    assert now["chronic_absence_rate_change"] == approx(0.15)
    assert rows[(2025, "S2")]["prior_chronic_absence_rate"] is None
    assert rows[(2025, "S2")]["chronic_absence_rate_change"] is None


def test_district_and_state_levels(tmp_path: Path) -> None:
    # 10 days, all in CA. D1: S1 (P1 chronic with 1 absent, P2) and S2 (P3 chronic, 2 absent);
    # D2: S3 (P4, P5, P6 chronic with 1 absent). P7 moves from S1 (days 0..4) to S3 (days
    # 5..9) and is absent on day 6, at S3.
    # D1 per-district rows: P1, P2, P3 and P7 (5 days, ineligible): enrolled 4, eligible 3,
    # chronic 2, ADA (35 - 3) / 35. D2: P4, P5, P6, P7 (5 days, 1 absent, ineligible):
    # enrolled 4, eligible 3, chronic 1, ADA (35 - 2) / 35.
    # State per-state rows: 7 students of 10 days; P7 has 1 of 10, chronic: 4 of 7 chronic,
    # ADA (70 - 5) / 70.
    b = Builder()
    for school, district in (("S1", "D1"), ("S2", "D1"), ("S3", "D2")):
        b.school(school, district, calendar_id="C1", state="CA")
    b.calendar("C1", YEAR, START, 10)
    for p, school in (
        ("P1", "S1"),
        ("P2", "S1"),
        ("P3", "S2"),
        ("P4", "S3"),
        ("P5", "S3"),
        ("P6", "S3"),
    ):
        b.stay(p, school, YEAR, day(0))
    b.stay("P7", "S1", YEAR, day(0), day(4))
    b.stay("P7", "S3", YEAR, day(5))
    b.absent("P1", "S1", day(1), "excused")
    b.absent("P3", "S2", day(1), "excused")
    b.absent("P3", "S2", day(2), "excused")
    b.absent("P6", "S3", day(1), "excused")
    b.absent("P7", "S3", day(6), "unexcused")
    districts = {r["district_id"]: r for r in metrics(tmp_path, b, level="district")}
    d1, d2 = districts["D1"], districts["D2"]
    assert (d1["students_enrolled"], d1["students_eligible"], d1["chronically_absent_count"]) == (
        4,
        3,
        2,
    )
    assert d1["chronic_absence_rate"] == approx(2 / 3) and d1["ada"] == approx(32 / 35)
    assert (d2["students_enrolled"], d2["students_eligible"], d2["chronically_absent_count"]) == (
        4,
        3,
        1,
    )
    assert d2["chronic_absence_rate"] == approx(1 / 3) and d2["ada"] == approx(33 / 35)
    (state,) = metrics(tmp_path, b, level="state")
    assert state["state"] == "CA"
    assert (state["students_enrolled"], state["students_eligible"]) == (7, 7)
    assert state["chronically_absent_count"] == 4
    assert state["chronic_absence_rate"] == approx(4 / 7) and state["ada"] == approx(65 / 70)
    assert state["level"] == "extreme"


def test_a_missing_group_value_is_a_group_with_its_prior_year(tmp_path: Path) -> None:
    # P1 has no race_ethnicity (an empty cell), P2 is asian; both at S1 in 2024 and 2025.
    # 2024: P1 chronic (1 of 10 absent). 2025: nobody. The empty-race group has 2024's rate 1.0
    # as its prior in 2025, and a change of -1.0, like any other group.
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.calendar("C1", 2024, dt.date(2023, 9, 4), 10)
    b.calendar("C1", 2025, START, 10)
    b.student("P1", race_ethnicity="")
    b.student("P2", race_ethnicity="asian")
    for p in ("P1", "P2"):
        b.stay(p, "S1", 2024, dt.date(2023, 9, 4))
        b.stay(p, "S1", 2025, START)
    b.absent("P1", "S1", dt.date(2023, 9, 5), "excused")
    rows = by_school(tmp_path, b, by=("race_ethnicity",))
    assert set(rows) == {(y, "S1", race) for y in (2024, 2025) for race in (None, "asian")}
    missing = rows[(2025, "S1", None)]
    assert missing["chronic_absence_rate"] == 0
    assert missing["prior_chronic_absence_rate"] == 1
    assert missing["chronic_absence_rate_change"] == -1
    assert rows[(2025, "S1", "asian")]["prior_chronic_absence_rate"] == 0


def test_calendar_id_defaults_to_the_school_id(tmp_path: Path) -> None:
    # S1 gives no calendar_id: its calendar is the one named S1 (10 days, day 2 off): 9 days.
    b = Builder()
    b.school("S1", "D1")
    b.calendar("S1", YEAR, START, 10, off=[2])
    b.stay("P1", "S1", YEAR, day(0))
    assert by_student(tmp_path, b)["P1"]["days_enrolled"] == 9


def test_grouping_by_an_unknown_column_names_it(tmp_path: Path) -> None:
    from homeroom.pipeline import MetricsRequestError

    b = school_with_calendar(10)
    b.stay("P1", "S1", YEAR, day(0))
    with pytest.raises(MetricsRequestError, match="favourite_colour"):
        metrics(tmp_path, b, level="school", by=("favourite_colour",))


def test_identifiers_stay_text(tmp_path: Path) -> None:
    # Identifiers are strings (DESIGN.md section 4): leading zeros survive into the rows.
    b = Builder()
    b.school("010", "0042", calendar_id="007")
    b.calendar("007", YEAR, START, 10)
    b.stay("00123", "010", YEAR, day(0))
    (row,) = metrics(tmp_path, b)
    assert (row["student_id"], row["school_id"], row["district_id"]) == ("00123", "010", "0042")
    assert row["days_enrolled"] == 10
