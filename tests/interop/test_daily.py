"""Period and minute attendance folded into one row per student, school and date.

The same period data is checked under `default` (partial days count by their fraction) and
`edfacts` (a day counts absent when half or more of it is missed), against hand-computed days.
"""

from __future__ import annotations

from pathlib import Path

import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import given, settings

from homeroom.definitions import load_definition
from homeroom.interop import ImportResult, write_import
from homeroom.interop.daily import daily_attendance, fraction_text
from homeroom.pipeline import metrics_for_folder

DAYS = pd.bdate_range("2024-09-02", "2024-09-27")  # 20 school days, Mon 2 to Fri 27 Sept
D = [d.strftime("%Y-%m-%d") for d in DAYS]


def _periods(student: str, date: str, scheduled: int, categories: list[str], line0: int = 2):
    return [
        {
            "student_id": student,
            "school_id": "S1",
            "date": date,
            "period": str(p + 1),
            "category": category,
            "periods_scheduled": str(scheduled),
            "source_file": "periods.csv",
            "source_line": str(line0 + p),
        }
        for p, category in enumerate(categories)
    ]


U, E, S, ISS, T, P = (
    "unexcused",
    "excused",
    "suspension",
    "in_school_suspension",
    "tardy",
    "present",
)


def _period_rows() -> pd.DataFrame:
    rows = []
    # Student A: six periods a day (65 minutes each of the school's 390).
    rows += _periods("A", D[0], 6, [U, U, U, E, P, P])  # 3 U + 1 E: unexcused, 4/6
    rows += _periods("A", D[1], 6, [E, E, U, U, P, P])  # tie 2-2: unexcused first, 4/6
    rows += _periods("A", D[2], 6, [T, P, P, P, P, P])  # tardy, nothing missed
    rows += _periods("A", D[3], 6, [U, U, P, P, P, P])  # 2/6, under half
    rows += _periods("A", D[4], 6, [S, S, S, P, P, P])  # 3/6, exactly half
    # Student B: seven periods (390/7 minutes is not whole: written as a fraction).
    rows += _periods("B", D[0], 7, [U, U, P, P, P, P, P])  # 2/7 -> 0.2857
    rows += _periods("B", D[1], 7, [E, E, E, E, P, P, P])  # 4/7 -> 0.5714
    rows += _periods("B", D[2], 7, [ISS] * 7)  # in-school suspension all day
    rows += _periods("B", D[3], 7, [ISS, ISS, ISS, U, P, P, P])  # ISS does not count: U 1/7
    frame = pd.DataFrame(rows)
    frame["source_line"] = [str(n + 2) for n in range(len(frame))]  # as lines of one file
    return frame


def _dataset(attendance: pd.DataFrame, students=("A", "B")) -> ImportResult:
    schools = pd.DataFrame(
        {
            "school_id": ["S1"],
            "school_name": ["Lincoln"],
            "district_id": ["D1"],
            "district_name": ["Dist"],
            "day_minutes": ["390"],
        }
    )
    enrollments = pd.DataFrame(
        {
            "student_id": list(students),
            "school_id": "S1",
            "school_year": "2025",
            "grade_level": "05",
            "entry_date": D[0],
            "exit_date": "",
        }
    )
    calendar = pd.DataFrame(
        {"calendar_id": "S1", "school_year": "2025", "date": D, "instructional": "true"}
    )
    tables = {
        "schools": schools,
        "students": pd.DataFrame({"student_id": list(students)}),
        "enrollments": enrollments,
        "calendar": calendar,
        "attendance": attendance,
    }
    return ImportResult("test", tables)


def _days_absent(result: ImportResult, folder: Path, definition: str) -> dict[str, float]:
    written = write_import(result, folder, definition=load_definition(definition))
    assert written.quarantine.empty, written.quarantine.to_dict("records")
    frame = metrics_for_folder(folder, definition=load_definition(definition))
    return dict(zip(frame["student_id"], frame["days_absent"], strict=True))


def test_period_rows_fold_to_one_row_per_day():
    daily = daily_attendance(_period_rows(), school_day_minutes={"S1": 390})
    assert daily.rejected == [] and daily.rows_in == daily.rows_folded == 58
    a = daily.attendance.set_index(["student_id", "date"])
    assert len(a) == 9
    # (category, absent_fraction, minutes_absent)
    expected = {
        ("A", D[0]): ("unexcused", None, "260"),  # 4 periods x 65 minutes
        ("A", D[1]): ("unexcused", None, "260"),
        ("A", D[2]): ("tardy", None, None),
        ("A", D[3]): ("unexcused", None, "130"),
        ("A", D[4]): ("suspension", None, "195"),
        ("B", D[0]): ("unexcused", "0.2857", None),  # 2/7 = 0.285714...
        ("B", D[1]): ("excused", "0.5714", None),  # 4/7 = 0.571428...
        ("B", D[2]): ("in_school_suspension", None, "390"),
        ("B", D[3]): ("unexcused", "0.1429", None),  # 1/7 = 0.142857...
    }
    for key, (category, fraction, minutes) in expected.items():
        row = a.loc[key]
        assert (row["category"], row["absent_fraction"], row["minutes_absent"]) == (
            category,
            fraction,
            minutes,
        ), key
    # The day cites the first source line of its rows.
    assert a.loc[("A", D[1]), "source_line"] == 8
    assert any("rounded half-even" in n for n in daily.notes)


def test_period_days_under_default_and_edfacts(tmp_path):
    daily = daily_attendance(_period_rows(), school_day_minutes={"S1": 390})
    result = _dataset(daily.attendance)
    default = _days_absent(result, tmp_path / "default", "default")
    # A: 4/6 + 4/6 + 0 + 2/6 + 3/6 = 13/6 days (tardy period misses nothing).
    assert default["A"] == pytest.approx(13 / 6, abs=1e-9)
    # B: 0.2857 + 0.5714 + (in-school suspension: not absence) + 0.1429 = 1.0000.
    assert default["B"] == pytest.approx(1.0, abs=1e-9)
    edfacts = _days_absent(result, tmp_path / "edfacts", "edfacts")
    # A: 4/6 >= 1/2 -> 1, 4/6 -> 1, 0, 2/6 < 1/2 -> 0, 3/6 = 1/2 -> 1: 3 days.
    assert edfacts["A"] == 3
    # B: 2/7 -> 0, 4/7 -> 1, in-school suspension does not count, 1/7 -> 0: 1 day.
    assert edfacts["B"] == 1


def _minutes(student, date, category, minutes, day_minutes="390", line=2):
    return {
        "student_id": student,
        "school_id": "S1",
        "date": date,
        "category": category,
        "minutes_absent": minutes,
        "day_minutes": day_minutes,
        "source_file": "minutes.csv",
        "source_line": line,
    }


def test_minute_rows_under_default_and_edfacts(tmp_path):
    rows = pd.DataFrame(
        [
            _minutes("A", D[0], U, "200", line=2),  # 200 of 390: more than half
            _minutes("A", D[1], T, "100", line=3),  # late 100 minutes
            _minutes("A", D[2], E, "120", "240", line=4),  # half of a 240-minute short day
            _minutes("A", D[3], U, "60", line=5),  # 60 unexcused + 90 excused: excused,
            _minutes("A", D[3], E, "90", line=6),  # 150 minutes
            _minutes("A", D[4], E, "", line=7),  # no minutes given: the whole day
        ]
    )
    daily = daily_attendance(rows, school_day_minutes={"S1": 390})
    a = daily.attendance.set_index("date")
    assert a.loc[D[2], "minutes_absent"] == "195"  # 120/240 of a 390-minute day, exact
    assert (a.loc[D[3], "category"], a.loc[D[3], "minutes_absent"]) == ("excused", "150")
    assert a.loc[D[4], "minutes_absent"] == "390"
    result = _dataset(daily.attendance, students=("A",))
    default = _days_absent(result, tmp_path / "default", "default")
    # (200 + 195 + 150 + 390) / 390 = 935/390 days: the 100 minutes late are not an absence.
    assert default["A"] == pytest.approx(935 / 390, abs=1e-9)
    edfacts = _days_absent(result, tmp_path / "edfacts", "edfacts")
    # 200/390 >= 1/2 -> 1; 100/390 -> 0; 195/390 = 1/2 -> 1; 150/390 -> 0; whole day -> 1.
    assert edfacts["A"] == 3


def test_a_day_with_an_unreadable_row_is_rejected_whole():
    rows = pd.DataFrame(
        _periods("A", D[0], 6, [U, "sick", P], line0=2)
        + _periods("A", D[1], 6, [U, U], line0=5)
        + [
            {
                **_periods("A", D[2], 6, [U])[0],
                "periods_scheduled": "",
                "source_line": "7",
            }
        ]
    )
    daily = daily_attendance(rows)
    assert len(daily.attendance) == 1 and daily.attendance.iloc[0]["date"] == D[1]
    reasons = {line: (column, reason) for _t, _f, line, column, reason in daily.rejected}
    assert reasons[3][0] == "category" and "'sick'" in reasons[3][1]
    assert reasons[2][0] == "date" and "(line 3)" in reasons[2][1]
    assert reasons[4][0] == "date"
    assert reasons[7] == (
        "periods_scheduled",
        "periods_scheduled empty is not a whole number above 0",
    )
    # Nothing dropped: 6 rows in = 2 folded + 4 rejected.
    assert daily.rows_in == 6 == daily.rows_folded + len(daily.rejected)


def test_repeated_periods_count_once_and_the_day_is_capped():
    rows = pd.DataFrame(
        _periods("A", D[0], 2, [E, U])
        + _periods("A", D[0], 2, [U], line0=9)  # period 1 again, unexcused
        + [{**_periods("A", D[1], 2, [U])[0], "period": ""}] * 3  # unnamed: 3 of 2 periods
    )
    daily = daily_attendance(rows, school_day_minutes={"S1": 390})
    a = daily.attendance.set_index("date")
    # Period 1 given as E and U: counted once as U; with period 2 (U) the day is 2/2 unexcused.
    assert (a.loc[D[0], "category"], a.loc[D[0], "minutes_absent"]) == ("unexcused", "390")
    assert a.loc[D[1], "minutes_absent"] == "390"  # 3 missed of 2 scheduled: capped
    assert any("counted once" in n for n in daily.notes)
    assert any("whole day absent" in n for n in daily.notes)


def test_rows_missing_a_key_are_passed_on_alone():
    rows = pd.DataFrame(_periods("A", "", 6, [U, U]) + _periods("", D[0], 6, [E]))
    daily = daily_attendance(rows)
    # Three separate rows, so validation names each empty value with its own source line.
    assert sorted(daily.attendance["source_line"].tolist()) == [2, 2, 3]


def test_rows_need_one_of_the_two_shapes():
    with pytest.raises(ValueError, match="either period"):
        daily_attendance(pd.DataFrame(columns=["student_id", "school_id", "date", "category"]))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 20_000), st.integers(1, 20_000))
def test_fraction_text_keeps_the_side_of_one_half(numerator, denominator):
    numerator = min(numerator, denominator)
    text, exact = fraction_text(numerator, denominator)
    value = float(text)
    assert abs(value - numerator / denominator) <= 0.0001
    assert (value * 2 >= 1) == (numerator * 2 >= denominator)
    assert exact == (numerator * 10_000 % denominator == 0)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", ""]),
            st.sampled_from([D[0], D[1], "", "not a date"]),
            st.sampled_from([*(U, E, S, ISS, T, P), "remote_present", "", "??"]),
            st.sampled_from(["1", "2", "3", ""]),
            st.sampled_from(["6", "0", "", "x", "2.5", "7"]),
        ),
        max_size=40,
    )
)
def test_no_period_row_is_lost(records):
    rows = pd.DataFrame(
        [
            {
                "student_id": s,
                "school_id": "S1",
                "date": d,
                "category": c,
                "period": p,
                "periods_scheduled": n,
                "source_line": str(i + 2),
            }
            for i, (s, d, c, p, n) in enumerate(records)
        ],
        columns=[
            "student_id",
            "school_id",
            "date",
            "category",
            "period",
            "periods_scheduled",
            "source_line",
        ],
    )
    daily = daily_attendance(rows, file="x.csv")
    assert daily.rows_in == len(records) == daily.rows_folded + len(daily.rejected)
    keys = daily.attendance[["student_id", "school_id", "date"]]
    complete = keys.notna().all(axis=1)
    assert not keys[complete].duplicated().any()


def test_a_row_without_a_student_first_does_not_shift_the_other_days_lengths():
    """A keyless row is a day of its own numbered after the keyed days; each day keeps its own
    day length (they were once matched by day number, off by one after such a row)."""
    rows = pd.DataFrame(
        [
            ("", "S1", D[0], "unexcused", "100", "400"),
            ("1", "S1", D[0], "unexcused", "100", "400"),
            ("2", "S2", D[0], "unexcused", "100", "200"),
        ],
        columns=["student_id", "school_id", "date", "category", "minutes_absent", "day_minutes"],
    )
    days = daily_attendance(rows, school_day_minutes={"S1": 400, "S2": 200}).attendance
    assert days["minutes_absent"].tolist() == ["100", "100", "100"]
    assert days["absent_fraction"].isna().all()
