"""The realistic generator against published findings (homeroom.synth.realism.FIGURES), and the
measurement itself on a hand-made dataset."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from homeroom.synth import generate
from homeroom.synth.realism import FIGURES, figures, measure, student_years


@pytest.fixture(scope="module")
def realistic(tmp_path_factory) -> dict[str, float]:
    """6,000 students over three years: each figure moves by under a fifth of its range from
    one seed to the next at this size (benchmarks/realism.py --students 6000 --seeds 4)."""
    folder = tmp_path_factory.mktemp("realistic")
    generate(folder, students=6000, schools=6, years=3, seed=21, behaviour="realistic")
    return measure(folder)


@pytest.mark.parametrize("figure", FIGURES, ids=[f.key for f in FIGURES])
def test_each_figure_is_inside_its_published_range(realistic, figure):
    assert figure.low <= realistic[figure.key] <= figure.high, figure.words


def test_grade_pattern_is_a_u_lowest_in_grades_3_to_5_highest_in_grade_12(realistic):
    grade = {k[6:]: v for k, v in realistic.items() if k.startswith("grade_") and len(k) <= 8}
    lowest = min(grade, key=grade.__getitem__)
    assert lowest in ("03", "04", "05")
    assert max(grade, key=grade.__getitem__) == "12"
    assert grade["KG"] > grade["03"] and grade["09"] < grade["11"] < grade["12"]


def test_the_chronic_rate_is_settable(tmp_path):
    generate(tmp_path, students=3000, schools=4, years=1, seed=3, behaviour="realistic",
             chronic_rate=0.12)  # fmt: skip
    assert 0.10 <= measure(tmp_path)["chronic_rate"] <= 0.14


def test_the_simple_behaviour_fails_the_september_finding(tmp_path):
    """The ranges catch a generator without dynamics: in the simple behaviour a student's
    year is one habit, so September foretells the year far more than in Baltimore (~400×)."""
    generate(tmp_path, students=3000, schools=4, years=2, seed=3, behaviour="simple")
    over_4 = next(f for f in FIGURES if f.key == "september_over_4_odds")
    assert measure(tmp_path)["september_over_4_odds"] > over_4.high


def _folder(tmp_path: Path, absences: dict[str, list[tuple[str, str]]]) -> Path:
    """Two school years of one calendar, 20 school days each (10 in September, 10 in
    December), students enrolled all through; `absences` per student: (date, code)."""
    days = {
        2024: [dt.date(2023, 9, d) for d in range(4, 16) if dt.date(2023, 9, d).weekday() < 5]
        + [dt.date(2023, 12, d) for d in range(4, 16) if dt.date(2023, 12, d).weekday() < 5],
        2025: [dt.date(2024, 9, d) for d in range(2, 14) if dt.date(2024, 9, d).weekday() < 5]
        + [dt.date(2024, 12, d) for d in range(2, 14) if dt.date(2024, 12, d).weekday() < 5],
    }
    pd.DataFrame(
        [("C", y, d, True) for y, ds in days.items() for d in ds],
        columns=["calendar_id", "school_year", "date", "instructional"],
    ).to_parquet(tmp_path / "calendar.parquet")
    pd.DataFrame({"school_id": ["A"], "calendar_id": ["C"]}).to_parquet(
        tmp_path / "schools.parquet"
    )
    students = sorted(absences)
    pd.DataFrame(
        [(s, "A", y, "04", ds[0], None) for s in students for y, ds in days.items()],
        columns=["student_id", "school_id", "school_year", "grade_level", "entry_date",
                 "exit_date"],
    ).to_parquet(tmp_path / "enrollments.parquet")  # fmt: skip
    rows = [
        (s, "A", dt.date.fromisoformat(d), code, 0.5 if code == "H" else None)
        for s, found in absences.items()
        for d, code in found
    ]
    frame = pd.DataFrame(
        rows, columns=["student_id", "school_id", "date", "code", "absent_fraction"]
    )
    frame["category"] = None
    frame.to_parquet(tmp_path / "attendance.parquet")
    pd.DataFrame({"code": ["E", "H", "T"], "category": ["excused", "excused", "tardy"]}).to_parquet(
        tmp_path / "codes.parquet"
    )
    return tmp_path


def test_student_years_count_days_september_and_half_days_by_hand(tmp_path):
    folder = _folder(
        tmp_path,
        {
            # 2024: 2 days of 20 (10%: chronic), both in September; 2025: a half day, a tardy.
            "S1": [("2023-09-05", "E"), ("2023-09-06", "E"), ("2024-12-03", "H"),
                   ("2024-12-04", "T")],
            # 2024: one day; 2025: three December days (15%: chronic, after 30 November).
            "S2": [("2023-12-05", "E"), ("2024-12-03", "E"), ("2024-12-04", "E"),
                   ("2024-12-05", "E")],
        },
    )  # fmt: skip
    years = student_years(folder).set_index(["student_id", "school_year"])
    assert years.loc[("S1", 2024), "days"] == 20
    assert years.loc[("S1", 2024), "amount"] == 2.0 and years.loc[("S1", 2024), "sept"] == 2.0
    assert bool(years.loc[("S1", 2024), "chronic"])
    assert years.loc[("S1", 2025), "amount"] == 0.5  # the tardy counts nothing
    assert not bool(years.loc[("S1", 2025), "chronic"])
    assert years.loc[("S2", 2025), "amount"] == 3.0 and years.loc[("S2", 2025), "nov"] == 0.0
    found = figures(years.reset_index())
    assert found["chronic_rate"] == 0.5  # 2 of 4 student-years
    assert found["persistence"] == 0.0  # S1 chronic in 2024, not in 2025
    # S2 in 2025: not chronic in 2024, no September day, under 10% on 30 November.
    assert found["no_warning_share"] == 1.0
