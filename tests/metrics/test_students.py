"""Student rows: rate, eligibility, chronic absence, tier, truancy and the definitions' knobs,
and the school's name and the year as people write it (metrics/students.py).

Every dataset is written to CSV files and goes through `metrics_for_folder`, like a user's
(tests/metrics/helpers.py); the arithmetic is worked out in each comment.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from datasets import Builder
from homeroom.metrics import STUDENT_COLUMNS

from .helpers import (
    START,
    YEAR,
    approx,
    by_school,
    by_student,
    day,
    metrics,
    school_with_calendar,
    variant,
)


def test_student_rows_name_the_school_and_the_year(tmp_path: Path) -> None:
    # P1 in 2024-25 at S1 then S2 (latest), P2 in 2009-10 at S1: the year 2010 is `2009-10`.
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.school("S2", "D1", calendar_id="C1")
    b.calendar("C1", 2025, START, 10)
    b.calendar("C1", 2010, dt.date(2009, 9, 1), 10)
    b.stay("P1", "S1", 2025, day(0), day(3))
    b.stay("P1", "S2", 2025, day(4))
    b.stay("P2", "S1", 2010, dt.date(2009, 9, 1))
    assert {"school_name", "school_year_label"} <= set(STUDENT_COLUMNS)
    rows = by_student(tmp_path, b, per="district")
    assert (rows["P1"]["school_year_label"], rows["P1"]["school_name"]) == ("2024-25", "School S2")
    assert (rows["P2"]["school_year_label"], rows["P2"]["school_name"]) == ("2009-10", "School S1")


def test_one_point_nine_of_nineteen_is_exactly_ten_percent(tmp_path: Path) -> None:
    # 19 days. P1: 1 + 0.9 = 1.9 days = exactly 10%: chronic, moderate. P2: 1.8: at risk.
    b = school_with_calendar(19)
    for p in ("P1", "P2"):
        b.stay(p, "S1", YEAR, day(0))
        b.absent(p, "S1", day(1), "excused")
    b.absent("P1", "S1", day(2), "excused", fraction="0.9")
    b.absent("P2", "S1", day(2), "excused", fraction="0.8")
    rows = by_student(tmp_path, b)
    assert rows["P1"]["absence_rate"] == approx(0.1)
    assert rows["P1"]["chronically_absent"] and rows["P1"]["tier"] == "moderate_chronic"
    assert not rows["P2"]["chronically_absent"] and rows["P2"]["tier"] == "at_risk"


def test_seventeen_and_a_half_of_180_is_not_chronic_eighteen_is(tmp_path: Path) -> None:
    # 180 days. P1: 17 whole days and a half = 17.5 (9.72%): not chronic. P2: 18 (10%): chronic.
    b = school_with_calendar(180)
    for p in ("P1", "P2"):
        b.stay(p, "S1", YEAR, day(0))
        for i in range(17):
            b.absent(p, "S1", day(i), "unexcused")
    b.absent("P1", "S1", day(17), "excused", fraction="0.5")
    b.absent("P2", "S1", day(17), "excused")
    rows = by_student(tmp_path, b)
    assert rows["P1"]["days_absent"] == 17.5 and not rows["P1"]["chronically_absent"]
    assert rows["P2"]["days_absent"] == 18 and rows["P2"]["chronically_absent"]


def test_tiers_change_exactly_at_5_10_and_20_percent(tmp_path: Path) -> None:
    # 20 days: 0 and 0.9 (4.5%) satisfactory; 1 (5%) and 1.9 (9.5%) at risk; 2 (10%) and 3.9
    # (19.5%) moderate; 4 (20%) severe.
    absent = {"P0": "0", "P1": "0.9", "P2": "1", "P3": "1.9", "P4": "2", "P5": "3.9", "P6": "4"}
    b = school_with_calendar(20)
    for p, amount in absent.items():
        b.stay(p, "S1", YEAR, day(0))
        whole, _, part = amount.partition(".")
        for i in range(int(whole)):
            b.absent(p, "S1", day(i), "excused")
        if part:
            b.absent(p, "S1", day(10), "excused", fraction=f"0.{part}")
    tiers = {p: r["tier"] for p, r in by_student(tmp_path, b).items()}
    assert tiers == {
        "P0": "satisfactory",
        "P1": "satisfactory",
        "P2": "at_risk",
        "P3": "at_risk",
        "P4": "moderate_chronic",
        "P5": "moderate_chronic",
        "P6": "severe_chronic",
    }


def test_eligibility_at_exactly_the_minimum_days(tmp_path: Path) -> None:
    # Default minimum 10 of a 20-day calendar: P9 enters day 11 (9 days; 5 absences: 55% but
    # not eligible, so neither chronic nor in a tier); P10 enters day 10 (10 days).
    b = school_with_calendar(20)
    b.stay("P9", "S1", YEAR, day(11))
    b.stay("P10", "S1", YEAR, day(10))
    for i in range(11, 16):
        b.absent("P9", "S1", day(i), "excused")
    rows = by_student(tmp_path, b)
    assert (rows["P9"]["days_enrolled"], rows["P9"]["eligible"]) == (9, False)
    assert not rows["P9"]["chronically_absent"] and rows["P9"]["tier"] is None
    assert (rows["P10"]["days_enrolled"], rows["P10"]["eligible"]) == (10, True)
    assert rows["P10"]["tier"] == "satisfactory"


def test_california_needs_31_days(tmp_path: Path) -> None:
    # 40 days: P31 enters day 9 (31 days, eligible); P30 enters day 10 (30 days, not).
    b = school_with_calendar(40)
    b.stay("P31", "S1", YEAR, day(9))
    b.stay("P30", "S1", YEAR, day(10))
    rows = by_student(tmp_path, b, "california")
    assert (rows["P31"]["days_enrolled"], rows["P31"]["eligible"]) == (31, True)
    assert (rows["P30"]["days_enrolled"], rows["P30"]["eligible"]) == (30, False)


def test_crdc_fifteen_days_with_the_half_day_rule(tmp_path: Path) -> None:
    # 40 days, 15 or more days absent. P1: 14 days and 0.4 -> 14: no. P2: 14 and 0.5 -> 15
    # under the half-day rule: yes. P3: 15 days: yes. P4: one day enrolled: eligible (min 1).
    # With fractional partial days, P2 has 14.5: no.
    b = school_with_calendar(40)
    for p in ("P1", "P2", "P3"):
        b.stay(p, "S1", YEAR, day(0))
        for i in range(14):
            b.absent(p, "S1", day(i), "excused")
    b.absent("P1", "S1", day(20), "excused", fraction="0.4")
    b.absent("P2", "S1", day(20), "excused", fraction="0.5")
    b.absent("P3", "S1", day(20), "excused")
    b.stay("P4", "S1", YEAR, day(39))
    rows = by_student(tmp_path, b, "crdc")
    assert (rows["P1"]["days_absent"], rows["P1"]["chronically_absent"]) == (14, False)
    assert (rows["P2"]["days_absent"], rows["P2"]["chronically_absent"]) == (15, True)
    assert (rows["P3"]["days_absent"], rows["P3"]["chronically_absent"]) == (15, True)
    assert rows["P4"]["eligible"] and rows["P4"]["days_enrolled"] == 1
    fractional = variant(tmp_path, "crdc", chronic={"partial_days": "fractional"})
    p2 = by_student(tmp_path, b, fractional)["P2"]
    assert (p2["days_absent"], p2["chronically_absent"]) == (14.5, False)


def test_edfacts_counts_a_mover_in_each_school(tmp_path: Path) -> None:
    # 20 days. P1: S1 days 0..9 (10 days, 1 absent = 10%) then S2 days 10..19 (10 days, 1
    # absent): chronic in each school's count, and once (2 of 20) in the district's.
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.school("S2", "D1", calendar_id="C1")
    b.calendar("C1", YEAR, START, 20)
    b.stay("P1", "S1", YEAR, day(0), day(9))
    b.stay("P1", "S2", YEAR, day(10))
    b.absent("P1", "S1", day(3), "unexcused")
    b.absent("P1", "S2", day(13), "unexcused")
    schools = by_school(tmp_path, b, "edfacts")
    for school in ("S1", "S2"):
        row = schools[(YEAR, school)]
        assert (row["students_enrolled"], row["chronically_absent_count"]) == (1, 1), school
    (district,) = metrics(tmp_path, b, "edfacts", level="district")
    assert (district["students_enrolled"], district["chronically_absent_count"]) == (1, 1)
    assert district["ada"] == approx(18 / 20)


def test_california_counts_grades_k_to_8_and_not_in_school_suspension(tmp_path: Path) -> None:
    # 40 days. P8 in grade 08: 2 ISS days (not absences), 3 excused and 1 out-of-school
    # suspension: 4 of 40 = 10%, chronic. P9 in grade 09: outside the indicator, no row.
    b = school_with_calendar(40)
    b.stay("P8", "S1", YEAR, day(0), grade="08")
    b.stay("P9", "S1", YEAR, day(0), grade="09")
    for i in (1, 2):
        b.absent("P8", "S1", day(i), "in_school_suspension")
    for i in (3, 4, 5):
        b.absent("P8", "S1", day(i), "excused")
    b.absent("P8", "S1", day(6), "suspension")
    b.absent("P9", "S1", day(1), "excused")
    rows = by_student(tmp_path, b, "california")
    assert set(rows) == {"P8"}
    assert (rows["P8"]["days_absent"], rows["P8"]["days_suspended"]) == (4, 1)
    assert rows["P8"]["chronically_absent"]
    (school,) = metrics(tmp_path, b, "california", level="school")
    assert school["students_enrolled"] == 1


def test_a_stay_outside_the_grades_leaves_its_absences_out(tmp_path: Path) -> None:
    # Engine regression: P1 is in grade 08 at S1 on days 0..19 (1 absence) and in grade 09 at
    # the same school on days 20..39 (3 absences). California counts only the grade 08 stay:
    # 20 days, 1 absent (not the 4 of both stays).
    b = school_with_calendar(40)
    b.stay("P1", "S1", YEAR, day(0), day(19), grade="08")
    b.stay("P1", "S1", YEAR, day(20), grade="09")
    b.absent("P1", "S1", day(5), "excused")
    for i in (21, 22, 23):
        b.absent("P1", "S1", day(i), "excused")
    row = by_student(tmp_path, b, "california")["P1"]
    assert (row["days_enrolled"], row["days_absent"], row["grade_level"]) == (20, 1, "08")
