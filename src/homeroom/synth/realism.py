"""How real a synthetic district's attendance looks: the figures published research reports.

`measure(folder)` reads a generated dataset (one district, Parquet) and works out, with pandas
and independently of homeroom.metrics, the figures docs/synthetic-data.md sets beside their
sources; `FIGURES` holds each figure's source and the range the generator must stay in.
benchmarks/realism.py prints them; tests/synth/test_realism.py fails when one drifts out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ABSENCE = ("excused", "unexcused", "suspension")  # the default definition's categories
# Enrolled from the first weeks: 55+ school days by 30 November (a year starts in August).
SEPTEMBER_STUDENT_DAYS = 55


@dataclass(frozen=True)
class Figure:
    key: str
    words: str
    published: str  # the published value, as the source says it
    source: str
    low: float  # the range the synthetic figure must stay in
    high: float


FIGURES: tuple[Figure, ...] = (
    Figure(
        "chronic_rate",
        "students chronically absent (10%+ of days enrolled)",
        "27.8% (2022-23)",
        "U.S. Department of Education data for 2022-23, Attendance Works and Everyone "
        "Graduates Center (Johns Hopkins), 'Rising Tide of Chronic Absence' analysis",
        0.25,
        0.31,
    ),
    Figure(
        "persistence",
        "of students chronic in one year, share chronic again the next",
        "about half",
        "Attendance Works and state longitudinal studies (e.g. Utah Education Policy Center, "
        "'Research Brief: Chronic Absenteeism', 2012; Connecticut and Oregon year-to-year "
        "analyses): roughly half stay chronically absent the next year",
        0.40,
        0.62,
    ),
    Figure(
        "september_2_4_odds",
        "odds ratio of ending chronic: 2-4 days missed in September vs fewer than 2",
        "about 5",
        "Olson, L. S. (2014), 'Why September Matters: Improving Student Attendance', Baltimore "
        "Education Research Consortium",
        3.0,
        8.0,
    ),
    Figure(
        "september_over_4_odds",
        "odds ratio of ending chronic: more than 4 days missed in September vs fewer than 2",
        "about 16",
        "Olson (2014), Baltimore Education Research Consortium, as above",
        10.0,
        26.0,
    ),
    Figure(
        "kindergarten_over_grade_4",
        "chronic rate in kindergarten minus grades 3-5 (points)",
        "higher in kindergarten, lowest in grades 3-5",
        "Attendance Works and Everyone Graduates Center, chronic absence by grade (U.S. "
        "Department of Education data); Chang and Romero (2008), 'Present, Engaged and "
        "Accounted For', NCCP",
        0.02,
        0.15,
    ),
    Figure(
        "grade_12_over_grade_4",
        "chronic rate in grade 12 minus grades 3-5 (points); grade 12 the highest",
        "highest in grade 12, rising through high school",
        "same as above; Balfanz and Byrnes (2012), 'The Importance of Being in School', "
        "Everyone Graduates Center",
        0.10,
        0.35,
    ),
    Figure(
        "no_warning_share",
        "of chronic students with a prior year here: not chronic that year, under 2 days "
        "missed in September and under 10% on 30 November",
        "a real share (no single published figure)",
        "Olson (2014) finds chronic absence that September does not foretell; Attendance "
        "Works: about half of each year's chronically absent students were not the year "
        "before. The range is this project's, not a source's",
        0.08,
        0.35,
    ),
)


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(Path(folder) / f"{name}.parquet")


def _stays(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per stay: calendar day numbers of its first and last day; and the numbered calendar."""
    cal = read(folder, "calendar")
    cal = cal[cal.instructional].sort_values(["calendar_id", "school_year", "date"]).copy()
    cal["n"] = cal.groupby(["calendar_id", "school_year"]).cumcount()
    enr = read(folder, "enrollments").merge(
        read(folder, "schools")[["school_id", "calendar_id"]], on="school_id"
    )
    end = cal.groupby(["calendar_id", "school_year"]).date.max().rename("year_end").reset_index()
    enr = enr.merge(end, on=["calendar_id", "school_year"])
    enr["last_day"] = enr.exit_date.fillna(enr.year_end)
    numbers = cal[["calendar_id", "school_year", "date", "n"]]
    enr = enr.merge(numbers.rename(columns={"date": "entry_date", "n": "n0"}))
    enr = enr.merge(numbers.rename(columns={"date": "last_day", "n": "n1"}))
    # The last school day on or before 30 November, per calendar and year.
    fall = pd.to_datetime((cal.school_year - 1).astype(str) + "-11-30")
    autumn = cal[pd.to_datetime(cal.date) <= fall]
    last_nov = autumn.groupby(["calendar_id", "school_year"]).n.max().rename("n_nov")
    enr = enr.merge(last_nov.reset_index(), on=["calendar_id", "school_year"], how="left")
    enr["days"] = enr.n1 - enr.n0 + 1
    enr["days_nov"] = (np.minimum(enr.n1, enr.n_nov.fillna(-1)) - enr.n0 + 1).clip(lower=0)
    return enr, cal


def _absences(folder: Path) -> pd.DataFrame:
    """Each attendance row's absent amount under the default definition (half days count .5)."""
    att = read(folder, "attendance")
    codes = read(folder, "codes")[["code", "category"]].rename(columns={"category": "by_code"})
    att = att.merge(codes, on="code", how="left")
    category = att.category.fillna(att.by_code)
    amount = att.absent_fraction.fillna(1.0).where(category.isin(ABSENCE), 0.0)
    return att.assign(amount=amount)[amount > 0][["student_id", "school_id", "date", "amount"]]


def student_years(folder: Path) -> pd.DataFrame:
    """Per student and school year: days enrolled, days absent (all, September, through 30
    November), the grade of the last stay; eligible (10+ days) rows only."""
    enr, _ = _stays(folder)
    att = _absences(folder)
    rows = att.merge(
        enr[["student_id", "school_id", "school_year", "entry_date", "last_day"]],
        on=["student_id", "school_id"],
    )
    rows = rows[(rows.date >= rows.entry_date) & (rows.date <= rows.last_day)].copy()
    when = pd.to_datetime(rows.date)
    rows["sept"] = rows.amount.where(when.dt.month == 9, 0.0)
    nov = pd.to_datetime((rows.school_year - 1).astype(str) + "-11-30")
    rows["nov"] = rows.amount.where(when <= nov, 0.0)
    keys = ["student_id", "school_year"]
    absent = rows.groupby(keys)[["amount", "sept", "nov"]].sum()
    last = enr.sort_values("entry_date").groupby(keys).grade_level.last()
    days = enr.groupby(keys)[["days", "days_nov"]].sum()
    out = days.join(absent, how="left").join(last).fillna(0.0).reset_index()
    out = out[out.days >= 10].copy()
    out["rate"] = out.amount / out.days
    out["chronic"] = out.amount >= 0.1 * out.days
    out["chronic_nov"] = (out.days_nov > 0) & (out.nov >= 0.1 * out.days_nov)
    return out


def _odds(chronic: pd.Series) -> float:
    share = float(chronic.mean())
    return share / (1 - share) if 0 < share < 1 else float("nan")


def figures(years: pd.DataFrame) -> dict[str, float]:
    """The figures of FIGURES (and a few more for the record) from `student_years`."""
    out: dict[str, float] = {"chronic_rate": float(years.chronic.mean())}
    grade = years.groupby("grade_level").chronic.mean()
    middle = float(grade.reindex(["03", "04", "05"]).mean())
    out["kindergarten_over_grade_4"] = float(grade.get("KG", np.nan)) - middle
    out["grade_12_over_grade_4"] = float(grade.get("12", np.nan)) - middle
    out["grade_12_is_highest"] = float(grade.idxmax() == "12")
    for g, value in grade.items():
        out[f"grade_{g}"] = float(value)
    nxt = years[["student_id", "school_year", "chronic"]].assign(school_year=years.school_year - 1)
    pairs = years.merge(nxt, on=["student_id", "school_year"], suffixes=("", "_next"))
    out["persistence"] = float(pairs[pairs.chronic].chronic_next.mean())
    # September: students enrolled through the month (BERC counted September's students).
    sept = years[years.days_nov >= SEPTEMBER_STUDENT_DAYS]
    few = sept[sept.sept < 2].chronic
    some = sept[(sept.sept >= 2) & (sept.sept <= 4)].chronic
    many = sept[sept.sept > 4].chronic
    out["september_2_4_odds"] = _odds(some) / _odds(few)
    out["september_over_4_odds"] = _odds(many) / _odds(few)
    out["september_under_2_chronic"] = float(few.mean())
    keys = years[["student_id", "school_year", "chronic"]]
    before = keys.assign(school_year=years.school_year + 1)
    prior = years.merge(before, on=["student_id", "school_year"], suffixes=("", "_before"))
    chronic = prior[prior.chronic]
    quiet = ~chronic.chronic_before & (chronic.sept < 2) & ~chronic.chronic_nov
    out["no_warning_share"] = float(quiet.mean())
    out["newly_chronic_share"] = float((~chronic.chronic_before).mean())
    out["mean_rate"] = float(years.rate.mean())
    return out


def measure(folder: Path) -> dict[str, float]:
    return figures(student_years(folder))
