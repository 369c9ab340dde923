"""The plain pandas script a district analyst would write for the per-student rows.

    .venv/bin/python benchmarks/pandas_baseline.py DATA_DIR --out students.parquet

It reads the canonical tables of a data folder (docs/data-contract.md; `.parquet` or `.csv`),
and computes one row per student, school and school year under the `default` definition
(docs/metrics.md): days enrolled (instructional calendar days within the stay, through the
as-of date), days absent (the sum of absent fractions of excused, unexcused and suspension
rows), the absence rate, eligibility (10 days enrolled or more), chronic absence (rate >= 10%)
and the tier. The way most analysts do it: expand each stay into its school days by merging it
with the calendar, then group-bys. No validation: the data are taken as clean.

`benchmarks/metrics_files.py` times it against `homeroom metrics --data DIR --level student`
and checks the two give the same rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pandas as pd

ABSENCE = ["excused", "unexcused", "suspension"]  # the default definition's categories
ABSENT_BY_DEFAULT = {"excused", "unexcused", "suspension", "in_school_suspension"}
THRESHOLD = 0.10
MINIMUM_DAYS = 10
TIERS = [(0.20, "severe_chronic"), (0.10, "moderate_chronic"), (0.05, "at_risk")]


def read(folder: Path, table: str) -> pd.DataFrame | None:
    for suffix, reader in ((".parquet", pd.read_parquet), (".csv", pd.read_csv)):
        path = folder / f"{table}{suffix}"
        if path.exists():
            return reader(path)
    return None


def absent_fractions(
    attendance: pd.DataFrame, codes: pd.DataFrame | None, schools: pd.DataFrame
) -> pd.DataFrame:
    """Category and fraction of each row: its own, else its code's; minutes over the day."""
    if "category" not in attendance:
        attendance["category"] = None
    if "absent_fraction" not in attendance:
        attendance["absent_fraction"] = float("nan")
    if codes is not None and "code" in attendance:
        codes = codes.rename(columns={"category": "code_category", "absent_fraction": "code_frac"})
        attendance = attendance.merge(codes, on="code", how="left")
        # A row's own category wins; its code (and the code's fraction) only fills a blank one.
        own = attendance["category"].notna()
        attendance.loc[own, "code_frac"] = float("nan")
        attendance["category"] = attendance["category"].fillna(attendance["code_category"])
    else:
        attendance["code_frac"] = float("nan")
    fraction = attendance["absent_fraction"]
    if "minutes_absent" in attendance:
        attendance = attendance.merge(schools[["school_id", "day_minutes"]], on="school_id")
        fraction = attendance["absent_fraction"].fillna(
            attendance["minutes_absent"] / attendance["day_minutes"]
        )
    fraction = fraction.fillna(attendance["code_frac"])
    default = attendance["category"].isin(ABSENT_BY_DEFAULT).astype(float)
    attendance["fraction"] = fraction.fillna(default)
    return attendance


def student_rows(folder: Path) -> pd.DataFrame:
    schools = read(folder, "schools")
    enrollments = read(folder, "enrollments")
    calendar = read(folder, "calendar")
    attendance = read(folder, "attendance")
    codes = read(folder, "codes")
    for frame, columns in (
        (enrollments, ["entry_date", "exit_date"]),
        (calendar, ["date"]),
        (attendance, ["date"]),
    ):
        for column in columns:
            frame[column] = pd.to_datetime(frame[column])
    if "calendar_id" not in schools:
        schools["calendar_id"] = schools["school_id"]
    schools["calendar_id"] = schools["calendar_id"].fillna(schools["school_id"])
    calendar["instructional"] = (
        calendar["instructional"].astype(str).str.lower().isin(["true", "1", "y", "yes"])
    )

    # As of the latest attendance recorded, never after today or the year's last school day.
    school_days = calendar[calendar["instructional"]]
    as_of = min(attendance["date"].max(), school_days["date"].max(), pd.Timestamp(dt.date.today()))

    # Days enrolled: every school day of each stay, then counted.
    stays = enrollments.merge(schools[["school_id", "district_id", "calendar_id"]], on="school_id")
    stay_dates = stays[
        ["school_year", "district_id", "school_id", "student_id", "calendar_id"]
        + ["entry_date", "exit_date"]
    ]
    days = stay_dates.merge(
        school_days[["calendar_id", "school_year", "date"]], on=["calendar_id", "school_year"]
    )
    last_day = days["exit_date"].fillna(days["date"].max())
    days = days[
        (days["date"] >= days["entry_date"]) & (days["date"] <= last_day) & (days["date"] <= as_of)
    ]
    keys = ["school_year", "district_id", "school_id", "student_id"]
    enrolled = days.groupby(keys, as_index=False).agg(days_enrolled=("date", "size"))
    grades = stays.sort_values("entry_date").groupby(keys, as_index=False)["grade_level"].last()
    enrolled = enrolled.merge(grades, on=keys)

    # Days absent: the fractions of absence rows through the as-of date, by category.
    attendance = absent_fractions(attendance[attendance["date"] <= as_of], codes, schools)
    absent = attendance[attendance["category"].isin(ABSENCE)]
    absent = absent.pivot_table(
        index=["student_id", "school_id"],
        columns="category",
        values="fraction",
        aggfunc="sum",
        fill_value=0.0,
    ).reset_index()
    for category in ABSENCE:
        if category not in absent:
            absent[category] = 0.0
    absent["days_absent"] = absent[ABSENCE].sum(axis=1)
    absent = absent.rename(
        columns={
            "excused": "days_excused",
            "unexcused": "days_unexcused",
            "suspension": "days_suspended",
        }
    )

    rows = enrolled.merge(absent, on=["student_id", "school_id"], how="left")
    for column in ("days_absent", "days_excused", "days_unexcused", "days_suspended"):
        rows[column] = rows[column].fillna(0.0)
    rows["absence_rate"] = rows["days_absent"] / rows["days_enrolled"]
    rows["eligible"] = rows["days_enrolled"] >= MINIMUM_DAYS
    rows["chronically_absent"] = rows["eligible"] & (rows["absence_rate"] >= THRESHOLD - 1e-9)
    rows["tier"] = "satisfactory"
    for cut, name in reversed(TIERS):
        rows.loc[rows["absence_rate"] >= cut - 1e-9, "tier"] = name
    rows.loc[~rows["eligible"], "tier"] = None
    return rows.sort_values(keys).reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rows = student_rows(args.data)
    rows.to_parquet(args.out, index=False)
    print(f"{len(rows):,} rows")


if __name__ == "__main__":
    main()
