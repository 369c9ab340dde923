"""The model's features on hand-made histories (model_district.py explains the calendar).

As of school day 30 (Friday 11 October 2024), worked out by hand:

A, at S1 from day 1, grade 05. Absent: day 1 excused (a Monday), day 5 excused (Friday), days 6-9
unexcused (Monday-Thursday), day 20 suspension (Friday), day 25 half a day excused (Friday),
day 35 unexcused (after D: not counted). Last year 3 of 20 days absent (15%: chronic); two years
back 0 of 10.
  days absent 1 + 1 + 4 + 1 + 0.5 = 7.5 of 30 (25%): excused 2.5, unexcused 4, suspended 1;
  last 10 school days (21-30): 0.5; last 20 (11-30): 1.5 of 20 days (7.5%); before them
  6 of 10 (60%), so the trend is 0.075 - 0.6 = -0.525; longest run: days 5-9 (a Friday, then
  Monday to Thursday: the weekend is not a school day) = 5; Monday/Friday: days 1, 5, 6, 20 and
  half of 25 = 4.5 of 7.5 = 0.6; year elapsed 30 of 40 school days.

B arrives on day 11 at S1, leaves after day 18, and is at S2 from day 19 (a mover). Absent day
12 at S1 (a Tuesday), days 25 and 26 at S2 (Friday, Monday), all unexcused.
  enrolled 8 + 12 = 20, absent 3 (15%); last 10: 2; last 20: 3 of 20 (15%); nothing before the
  window, so no trend; longest run 2 (days 25 and 26, across a weekend); Monday/Friday 2 of 3;
  first day number 11, 20 school days since entry; 2 schools, the latest S2; no last year.

C at S1 days 1-10 only, absent day 2: left before D, so not enrolled now; 10 days, 1 absent.

Q at S1 all year, never absent.
"""

from __future__ import annotations

import datetime as dt
import math

import ibis.expr.operations as ops
import pytest

from datasets import Builder
from homeroom.definitions import load_definition
from homeroom.engine import to_frame
from homeroom.signals.features import (
    FEATURE_NAMES,
    PROTECTED,
    feature_expression,
    student_features,
    year_end_outcomes,
)
from signals.model_district import (
    PRIOR_DAYS,
    PRIOR_START,
    YEAR,
    calendar,
    day,
    school_days,
    tables_of,
)

DEFINITION = load_definition("default")


def district() -> Builder:
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.school("S2", "D1", calendar_id="C1")
    calendar(b, YEAR, [day(n) for n in range(1, 41)])
    calendar(b, YEAR - 1, PRIOR_DAYS)
    two_back = school_days(dt.date(2022, 9, 5), 10)
    calendar(b, YEAR - 2, two_back)

    b.student(
        "A",
        race_ethnicity="black",
        sex="F",
        economically_disadvantaged="true",
        students_with_disabilities="true",
    )
    b.stay("A", "S1", YEAR, day(1))
    b.absent("A", "S1", day(1), "excused")
    b.absent("A", "S1", day(5), "excused")
    for n in (6, 7, 8, 9):
        b.absent("A", "S1", day(n), "unexcused")
    b.absent("A", "S1", day(20), "suspension")
    b.absent("A", "S1", day(25), "excused", fraction="0.5")
    b.absent("A", "S1", day(35), "unexcused")
    b.stay("A", "S1", YEAR - 1, PRIOR_START, grade="04")
    for date in PRIOR_DAYS[:3]:
        b.absent("A", "S1", date, "excused")
    b.stay("A", "S1", YEAR - 2, two_back[0], grade="03")

    b.stay("B", "S1", YEAR, day(11), day(18))
    b.stay("B", "S2", YEAR, day(19))
    b.absent("B", "S1", day(12), "unexcused")
    b.absent("B", "S2", day(25), "unexcused")
    b.absent("B", "S2", day(26), "unexcused")

    b.stay("C", "S1", YEAR, day(1), day(10))
    b.absent("C", "S1", day(2), "unexcused")

    b.stay("Q", "S1", YEAR, day(1))
    return b


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory):
    tables, con = tables_of(district(), tmp_path_factory.mktemp("district"), DEFINITION)
    yield tables
    con.close()


def rows_at(tables, as_of: dt.date) -> dict[str, dict]:
    frame = student_features(tables, DEFINITION, as_of)
    return {row["student_id"]: row for row in frame.to_dict(orient="records")}


EXPECTED_A = {
    "days_enrolled": 30,
    "days_absent": 7.5,
    "days_excused": 2.5,
    "days_unexcused": 4,
    "days_suspended": 1,
    "absence_rate": 0.25,
    "absent_last_10": 0.5,
    "absent_last_20": 1.5,
    "enrolled_last_20": 20,
    "rate_last_20": 0.075,
    "trend": -0.525,
    "longest_run": 5,
    "monday_friday_share": 0.6,
    "first_day_number": 1,
    "days_since_entry": 30,
    "schools_this_year": 1,
    "grade": 5,
    "year_elapsed": 0.75,
    "prior_rate": 0.15,
    "prior_chronic": 1,
    "prior_days_enrolled": 20,
    "prior2_rate": 0,
    "prior2_chronic": 0,
}
EXPECTED_B = {
    "days_enrolled": 20,
    "days_absent": 3,
    "days_excused": 0,
    "days_unexcused": 3,
    "days_suspended": 0,
    "absence_rate": 0.15,
    "absent_last_10": 2,
    "absent_last_20": 3,
    "enrolled_last_20": 20,
    "rate_last_20": 0.15,
    "trend": math.nan,
    "longest_run": 2,
    "monday_friday_share": 2 / 3,
    "first_day_number": 11,
    "days_since_entry": 20,
    "schools_this_year": 2,
    "grade": 5,
    "year_elapsed": 0.75,
    "prior_rate": math.nan,
    "prior_chronic": math.nan,
    "prior_days_enrolled": math.nan,
    "prior2_rate": math.nan,
    "prior2_chronic": math.nan,
}


def assert_features(row: dict, expected: dict) -> None:
    for name, value in expected.items():
        got = row[name]
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(got), f"{name}: expected missing, got {got}"
        else:
            assert got == pytest.approx(value, abs=1e-9), f"{name}: {got} != {value}"


@pytest.mark.parametrize("as_of", [day(30), day(30) + dt.timedelta(days=1)])
def test_features_by_hand(tables, as_of: dt.date) -> None:
    """Day 30, and the Saturday after it (no school day: the same figures)."""
    rows = rows_at(tables, as_of)
    assert set(rows) == {"A", "B", "C", "Q"}
    assert_features(rows["A"], EXPECTED_A)
    assert_features(rows["B"], EXPECTED_B)
    assert rows["B"]["school_id"] == "S2"
    assert rows["A"]["grade_level"] == "05"
    assert [rows[s]["enrolled_now"] for s in "ABCQ"] == [True, True, False, True]
    c = rows["C"]
    assert (c["days_enrolled"], c["days_absent"], c["enrolled_last_20"]) == (10, 1, 0)
    assert math.isnan(c["rate_last_20"]) and math.isnan(c["trend"])
    q = rows["Q"]
    assert (q["days_absent"], q["longest_run"], q["absence_rate"]) == (0, 0, 0)
    assert math.isnan(q["monday_friday_share"])  # no absences: no share to speak of


def test_before_the_student_arrives(tables) -> None:
    """As of day 10, B has not arrived (no row); A's window is days 1-10 with 6 of them absent."""
    rows = rows_at(tables, day(10))
    assert "B" not in rows
    a = rows["A"]
    assert (a["days_enrolled"], a["days_absent"], a["absent_last_10"]) == (10, 6, 6)
    assert (a["enrolled_last_20"], a["absent_last_20"], a["longest_run"]) == (10, 6, 5)
    assert a["year_elapsed"] == pytest.approx(0.25)
    assert math.isnan(a["trend"])  # every day so far is in the window


def test_features_agree_with_the_metrics(tables) -> None:
    """Days enrolled and absent are the district-level student metrics as of the same date."""
    from homeroom.pipeline import metrics_expression

    as_of = day(30)
    metrics = to_frame(metrics_expression(tables, DEFINITION, per="district", as_of=as_of))
    metrics = metrics[metrics["school_year"] == YEAR].set_index("student_id")
    for student, row in rows_at(tables, as_of).items():
        assert row["days_enrolled"] == metrics.loc[student, "days_enrolled"]
        assert row["days_absent"] == pytest.approx(metrics.loc[student, "days_absent"])


def test_year_end_outcomes(tables) -> None:
    """Whole year: A 8.5 of 40 (21%), B 3 of 30 (10%, exactly the line), C 1 of 10 (10%), Q 0."""
    frame = to_frame(year_end_outcomes(tables, DEFINITION, YEAR)).set_index("student_id")
    assert frame["chronic"].to_dict() == {"A": True, "B": True, "C": True, "Q": False}
    assert frame.loc["A", "final_rate"] == pytest.approx(8.5 / 40)
    assert frame.loc["B", "final_days_enrolled"] == 30


def test_no_protected_attribute_is_a_feature(tables, tmp_path) -> None:
    """No feature is named after a student attribute, and the students table is never read."""
    assert not set(FEATURE_NAMES) & PROTECTED
    assert {"race_ethnicity", "sex", "economically_disadvantaged", "english_learner"} <= PROTECTED
    expr = feature_expression(tables, DEFINITION, day(30))
    read = {op.name for op in expr.op().find(ops.DatabaseTable)}
    assert read == {"schools", "enrollments", "calendar", "attendance"}
    # The same district with A's race, sex and programme flags changed: the same features.
    other = district()
    other.tables["students"] = [
        {"student_id": "A", "race_ethnicity": "white", "sex": "M", "english_learner": "true"}
    ]
    changed, con = tables_of(other, tmp_path, DEFINITION)
    try:
        assert rows_at(changed, day(30))["A"] == rows_at(tables, day(30))["A"]
    finally:
        con.close()
