"""Per-student totals (days enrolled, absent, excused, unexcused, suspended) → canonical tables.

Some SIS exports (Aeries' Attendance History Summary, AHS) hold a year's totals per student and
school and no dates. This module checks each row's numbers (a row that cannot be placed is
rejected with its line) and hands the rest to `homeroom.interop.totals`, which places them on
dates as the attendance-spreadsheet importer does: a calendar of weekdays from the preset's
`[totals] first_day` (less its holidays); a student's stays one after another; the absences
spread evenly over each stay — excused, unexcused, suspension, then any days absent the export
does not split by reason (the preset's `remainder` category) — whole days and a part day as one
row with its fraction. Year-end totals are exact; as-of dates, months and first-month signals
are not meaningful.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import pandas as pd

from homeroom.contract.schema import TABLES
from homeroom.interop import totals
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult, source_line
from homeroom.interop.sis import values
from homeroom.interop.sis.preset import Preset

AMOUNT_COLUMNS = ("days_enrolled", "days_absent", "excused", "unexcused", "suspension")
SPLIT = ("excused", "unexcused", "suspension")  # the order absences are laid on a stay
ENROLLMENT_COLUMNS = [*TABLES["enrollments"].names, SOURCE_FILE, SOURCE_LINE]
ATTENDANCE_COLUMNS = [
    "student_id",
    "school_id",
    "date",
    "category",
    "absent_fraction",
    SOURCE_FILE,
    SOURCE_LINE,
]


@dataclass
class Placed:
    enrollments: pd.DataFrame
    attendance: pd.DataFrame
    calendar: pd.DataFrame


def totals_to_canonical(frame: pd.DataFrame, preset: Preset, result: ImportResult) -> Placed:
    result.assume(
        "the export holds year totals per student, not dates: stays and absences were placed on "
        "weekdays from the start of the year (absences spread evenly over each stay), so "
        "year-end totals are exact but as-of dates, months and early-warning signals from these "
        "dates are not meaningful"
    )
    rows = frame.reset_index(drop=True)
    years = values.school_years(_col(rows, "school_year"), preset)
    amounts = {c: values.numbers(_col(rows, c)) for c in AMOUNT_COLUMNS}
    placeable: list[dict] = []
    mismatched = 0
    for i, row in rows.iterrows():
        where = (row[SOURCE_FILE], source_line(row[SOURCE_LINE]))
        year = years.iloc[i]
        problem = _problem(row, year, {c: amounts[c].iloc[i] for c in AMOUNT_COLUMNS})
        if problem:
            result.reject("enrollments", *where, *problem)
            continue
        enrolled = int(amounts["days_enrolled"].iloc[i])
        parts = {c: _amount(amounts[c].iloc[i]) for c in SPLIT}
        split = sum(parts.values(), Decimal(0))
        absent = (
            _amount(amounts["days_absent"].iloc[i])
            if pd.notna(amounts["days_absent"].iloc[i])
            else split
        )
        if absent < split:
            mismatched += 1
            absent = split
        parts["remainder"] = absent - split
        unplaceable = _unplaceable(absent, parts, enrolled)
        if unplaceable:
            result.reject("attendance", *where, "days_absent", unplaceable)
            continue
        placeable.append(
            {
                "_line": i,
                "student_id": row.get("student_id"),
                "school_id": row.get("school_id"),
                "school_year": int(year),
                "days": enrolled,
                **{c: int(a * totals.UNITS) for c, a in parts.items()},
            }
        )
    if mismatched:
        result.note(
            f"{mismatched:,} students' days absent were fewer than excused + unexcused + "
            "suspension; the sum was used"
        )
    return _placed(rows, pd.DataFrame(placeable), preset)


def _placed(rows: pd.DataFrame, placeable: pd.DataFrame, preset: Preset) -> Placed:
    if placeable.empty:
        return Placed(
            pd.DataFrame(columns=ENROLLMENT_COLUMNS),
            pd.DataFrame(columns=ATTENDANCE_COLUMNS),
            pd.DataFrame(columns=["calendar_id", "school_year", "date", "instructional"]),
        )
    pieces = [totals.Piece(c, c, "") for c in SPLIT]
    pieces.append(totals.Piece("remainder", preset.totals_remainder, ""))
    stays, calendar, absences = totals.place(
        placeable, pieces, month_day=preset.totals_first_day, holidays=preset.holidays
    )
    source = rows[[SOURCE_FILE, SOURCE_LINE]].astype(object)
    enrollments = stays[["student_id", "school_id", "entry_date", "exit_date"]].copy()
    enrollments.insert(2, "school_year", stays["school_year"].astype(str))
    grades = rows["grade_level"] if "grade_level" in rows else pd.Series(None, index=rows.index)
    given = grades.iloc[stays["_line"].to_numpy()].astype(object).reset_index(drop=True)
    enrollments.insert(3, "grade_level", values.grades(given, preset).to_numpy())
    attendance = absences[["student_id", "school_id", "date", "category", "absent_fraction"]].copy()
    for table, frame in ((enrollments, stays), (attendance, absences)):
        origin = source.iloc[frame["_line"].to_numpy()]
        table[SOURCE_FILE] = origin[SOURCE_FILE].to_numpy()
        table[SOURCE_LINE] = [source_line(v) for v in origin[SOURCE_LINE]]
    return Placed(enrollments[ENROLLMENT_COLUMNS], attendance[ATTENDANCE_COLUMNS], calendar)


def _unplaceable(absent: Decimal, parts: dict[str, Decimal], enrolled: int) -> str | None:
    """Why a row's absences do not fit on its days enrolled (each part day takes a day)."""
    if absent > enrolled:
        return f"{absent.normalize():f} days absent is more than the {enrolled} days enrolled"
    if sum(int(a) + (1 if a % 1 else 0) for a in parts.values()) > enrolled:
        return f"the part days cannot be placed on separate days within {enrolled} days enrolled"
    return None


def _problem(row: pd.Series, year: object, amounts: dict[str, float]) -> tuple[str, str] | None:
    for column in ("student_id", "school_id"):
        if not isinstance(row.get(column), str):
            return column, f"{column} is empty"
    if not (isinstance(year, str) and year.isdigit() and len(year) == 4):
        return "school_year", f"school year {_shown(row.get('school_year'))} is not a year"
    enrolled = amounts["days_enrolled"]
    if pd.isna(enrolled) or enrolled <= 0 or not float(enrolled).is_integer():
        return "days_enrolled", (
            f"days enrolled {_shown(row.get('days_enrolled'))} is not a whole number above 0"
        )
    for column in AMOUNT_COLUMNS[1:]:
        given = row.get(column)
        value = amounts[column]
        if isinstance(given, str) and (pd.isna(value) or value < 0):
            return column, f"{column} {_shown(given)} is not a number, 0 or more"
    return None


def _amount(value: float) -> Decimal:
    """A day count to 4 decimals (the contract's absent_fraction precision); empty is 0."""
    if pd.isna(value):
        return Decimal(0)
    return Decimal(str(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


def _col(frame: pd.DataFrame, role: str) -> pd.Series:
    if role in frame.columns:
        return frame[role].astype(object)
    return pd.Series(None, index=frame.index, dtype=object)


def _shown(value: object) -> str:
    return "empty" if not isinstance(value, str) else repr(value[:40])
