"""`homeroom export spreadsheet`: Homeroom's year totals in the attendance spreadsheet's layout.

One row per student and school (as the DATT and SATT keep one row per student at each school,
so a student who moved has a row at each), one "Schools" sheet of counts and rates, and a
"Read me" sheet saying which definition and as-of date made the numbers and how.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from homeroom.definitions import Definition
from homeroom.formats import date_text
from homeroom.interop.spreadsheet import workbook
from homeroom.interop.spreadsheet.layout import (
    FLAG_FIELDS,
    HEADERS,
    RACE_LABELS,
    TIER_LABELS,
    TIME_MISSED_FIELDS,
    year_label,
)

if TYPE_CHECKING:
    from homeroom.resolver import Resolved

SCHOOL_HEADERS = {
    "school_year": "School Year",
    "district_id": "District ID",
    "district_name": "District",
    "school_id": "School ID",
    "school_name": "School",
    "students_enrolled": "Students Enrolled",
    "students_eligible": "Students Eligible",
    "chronically_absent_count": "Chronically Absent",
    "chronic_absence_rate": "Chronic Absence Rate",
    "satisfactory_count": "Satisfactory",
    "at_risk_count": "At Risk",
    "moderate_chronic_count": "Moderate Chronic",
    "severe_chronic_count": "Severe Chronic",
    "ada": "Average Daily Attendance",
    "level": "Level",
}


@dataclass
class SpreadsheetSummary:
    out: Path
    students: int  # distinct students
    rows: int  # student-and-school rows
    schools: int
    school_years: list[int]
    definition: str
    as_of: dt.date | None

    def describe(self) -> str:
        years = ", ".join(year_label(y) for y in self.school_years) or "no school year"
        when = f", as of {date_text(self.as_of)}" if self.as_of else ""
        return (
            f"Wrote {self.out}: {self.students:,} students ({self.rows:,} student-and-school "
            f"rows) at {self.schools:,} schools, {years}, definition {self.definition}{when}."
        )


def export_spreadsheet(
    request: Resolved,
    out: Path,
    *,
    progress: Callable[[str], None] | None = None,
) -> SpreadsheetSummary:
    """Per-student-and-school totals of a resolved request (data, definition, as-of date),
    written to `out` (.xlsx)."""
    from homeroom.pipeline import MetricsSession

    step = progress or (lambda _message: None)
    definition, as_of = request.definition, request.as_of
    step("Computing the year totals")
    with (
        request.tables() as tables,
        MetricsSession(tables, definition, as_of=as_of) as session,
    ):
        per_student = session.frame("student")
        per_school = session.frame("school")
    students = request.con.execute("SELECT * FROM students").df()
    schools = request.con.execute("SELECT * FROM schools").df()
    quarantined = len(request.validation.quarantine) if request.validation is not None else 0
    source = request.data_dir or (request.workspace.root if request.workspace else Path("."))
    step(f"Writing {Path(out).name}")
    student_rows = student_sheet(per_student, students, schools)
    school_rows = school_sheet(per_school, schools)
    readme = readme_lines(definition, as_of, source, quarantined, len(student_rows))
    workbook.write(Path(out), student_rows, school_rows, readme)
    return SpreadsheetSummary(
        Path(out),
        int(per_student["student_id"].nunique()),
        len(per_student),
        int(per_student["school_id"].nunique()),
        sorted(int(y) for y in per_student["school_year"].unique()),
        definition.name,
        as_of,
    )


def _grade(value: object) -> object:
    if not isinstance(value, str):
        return None
    if value.isdigit():
        return int(value)
    return "K" if value == "KG" else value


def _yes_no(values: pd.Series) -> pd.Series:
    return values.map(lambda v: None if pd.isna(v) else ("Yes" if bool(v) else "No"))


def student_sheet(
    per_student: pd.DataFrame, students: pd.DataFrame, schools: pd.DataFrame
) -> pd.DataFrame:
    """The "Students" sheet: one row per student, school and year, headers in HEADERS order."""
    rows = per_student.copy()
    by_year = students["school_year"].notna().any()
    keys = ["student_id", "school_year"] if by_year else ["student_id"]
    people = students.drop(columns=[] if by_year else ["school_year"])
    rows = rows.merge(people, on=keys, how="left")
    # The metrics may carry the school's name already; the schools table gives it either way.
    rows = rows.drop(columns=["school_name", "district_name"], errors="ignore").merge(
        schools[["school_id", "school_name", "district_name"]], on="school_id", how="left"
    )
    other = rows["days_absent"] - rows["days_excused"] - rows["days_unexcused"]
    other = other - rows["days_suspended"]
    out = pd.DataFrame(
        {
            "school_year": rows["school_year"].map(lambda y: year_label(int(y))),
            "year_ending": rows["school_year"].astype("int64"),
            "district_id": rows["district_id"],
            "district_name": rows["district_name"],
            "school_id": rows["school_id"],
            "school_name": rows["school_name"],
            "student_id": rows["student_id"],
            "last_name": rows["last_name"],
            "first_name": rows["first_name"],
            "birth_date": pd.to_datetime(rows["birth_date"]).dt.date,
            "grade_level": rows["grade_level"].map(_grade),
            "sex": rows["sex"],
            "race_ethnicity": rows["race_ethnicity"].map(RACE_LABELS),
            **{flag: _yes_no(rows[flag]) for flag in FLAG_FIELDS},
            "home_language": rows["home_language"],
            "days_enrolled": rows["days_enrolled"].astype("int64"),
            "days_present": rows["days_enrolled"] - rows["days_absent"],
            "days_absent": rows["days_absent"],
            "excused": rows["days_excused"],
            "unexcused": rows["days_unexcused"],
            "suspensions": rows["days_suspended"],
            # Exact units divided by the same units_per_day: tiny float dust rounds to zero.
            "other_absence": np.where(np.abs(other) < 1e-9, 0.0, other),
            "attendance_rate": 1 - rows["absence_rate"],
            "absence_rate": rows["absence_rate"],
            "chronically_absent": _yes_no(rows["chronically_absent"]),
            "tier": rows["tier"].map(lambda t: TIER_LABELS.get(t, "Not eligible")),
            **{name: rows[name] for name in TIME_MISSED_FIELDS},
        }
    )
    out = out.sort_values(["school_year", "school_id", "student_id"], kind="stable")
    out = out.astype(object).where(out.notna(), None)
    return out.rename(columns=HEADERS).reset_index(drop=True)


def school_sheet(per_school: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    rows = per_school.merge(
        schools[["school_id", "school_name", "district_name"]], on="school_id", how="left"
    )
    rows["school_year"] = rows["school_year"].map(lambda y: year_label(int(y)))
    rows["level"] = rows["level"].map(lambda v: v.capitalize() if isinstance(v, str) else None)
    out = rows[list(SCHOOL_HEADERS)].sort_values(["school_year", "school_id"], kind="stable")
    out = out.astype(object).where(out.notna(), None)
    return out.rename(columns=SCHOOL_HEADERS).reset_index(drop=True)


def readme_lines(
    definition: Definition, as_of: dt.date | None, data_dir: Path, quarantined: int, rows: int
) -> list[tuple[str, str]]:
    """The "Read me" sheet: what made these numbers, in two columns."""
    lines: list[tuple[str, str]] = [
        ("Homeroom attendance spreadsheet", ""),
        ("", ""),
        ("Made on", date_text(dt.date.today())),
        ("From the data folder", str(data_dir)),
        ("Through (as-of date)", date_text(as_of) if as_of else "the end of each school year"),
        (
            "Rows the validation quarantined",
            f"{quarantined:,} (they are not counted; see `homeroom check` for which and why)",
        ),
        ("Student rows", f"{rows:,}"),
        ("", ""),
        ("Definition", ""),
        *definition.summary_rows(),
        *_column_lines(definition),
    ]
    return lines


def _column_lines(definition: Definition) -> list[tuple[str, str]]:
    """The "Read me" sheet's account of each column, and the privacy reminder."""
    return [
        ("", ""),
        ("How the columns are computed", ""),
        ("One row per", "student, school and school year: a student who moved has a row at each"),
        ("School Year, Year Ending", "the school year as written (2024-25) and as a number (2025)"),
        ("Days Enrolled", "instructional days of the school's calendar the student was enrolled"),
        ("Days Absent", "the absence the definition counts, parts of days added up"),
        ("Excused, Unexcused, Suspensions", "Days Absent by reason (suspension: out of school)"),
        (
            "Other Absence",
            "Days Absent not excused, unexcused or suspension (any other reason the definition "
            "counts as absence)",
        ),
        ("Days Present", "Days Enrolled - Days Absent"),
        ("Absence Rate", "Days Absent / Days Enrolled; Attendance Rate is 1 - Absence Rate"),
        (
            "Chronically Absent",
            f"Yes when Days Absent reach the threshold ({definition.threshold_label}) and the "
            f"student was enrolled at least {definition.minimum_days_enrolled} days; compared "
            "exactly, not as rounded percentages",
        ),
        (
            "Tier",
            "from the absence rate by the definition's cut points; Not eligible: too few days",
        ),
        (
            "Tardies, Early Departures",
            "late arrivals and early departures recorded; they are not absences and are never "
            "in Days Absent or the rates",
        ),
        (
            "Days Missed to Tardies, Days Missed to Early Departures",
            "the time they missed, in days (minutes / the school day's minutes)",
        ),
        (
            "Schools sheet",
            "counts per school; Chronic Absence Rate = Chronically Absent / Eligible",
        ),
        ("", ""),
        (
            "Privacy",
            "This file holds student records (FERPA): keep it where only staff who need it can "
            "open it, and share aggregates only.",
        ),
    ]
