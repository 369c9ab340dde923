"""Per-student totals (days enrolled, absent, excused, unexcused, suspended) → canonical tables.

Some SIS exports (Aeries' Attendance History Summary, AHS) hold a year's totals per student and
school and no dates. The contract counts dates, so the totals are placed on dates that carry no
meaning of their own: each school year gets a calendar of weekdays from the preset's first day;
a student's stays take consecutive runs of those days (a second school's stay starts the day
after the first ends, so stays never overlap), and the absences take the first days of the stay:
suspension, unexcused, excused, then any days absent the export does not split by reason (the
preset's `remainder` category), whole days first and a part day as one row with its fraction.
Year-end totals are exact; as-of dates, months and first-month signals are not meaningful.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import pandas as pd

from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult
from homeroom.interop.sis import values
from homeroom.interop.sis.preset import Preset

AMOUNT_COLUMNS = ("days_enrolled", "days_absent", "excused", "unexcused", "suspension")
# The order absences are laid on a stay's first days.
PLACED = (("suspension", "suspension"), ("unexcused", "unexcused"), ("excused", "excused"))


@dataclass
class Placed:
    enrollments: pd.DataFrame
    attendance: pd.DataFrame
    calendar: pd.DataFrame


def totals_to_canonical(frame: pd.DataFrame, preset: Preset, result: ImportResult) -> Placed:
    result.assume(
        "the export holds year totals per student, not dates: stays and absences were placed on "
        "weekdays from the start of the year, so year-end totals are exact but as-of dates, "
        "months and early-warning signals from these dates are not meaningful"
    )
    rows = frame.reset_index(drop=True)
    years = values.school_years(_col(rows, "school_year"), preset)
    amounts = {c: values.numbers(_col(rows, c)) for c in AMOUNT_COLUMNS}
    enrollments, attendance = [], []
    next_day: dict[tuple[str, str], int] = {}  # (student, year) -> first free day number
    longest: dict[tuple[str, str], int] = {}  # (school, year) -> days its calendar needs
    mismatched = 0
    for i, row in rows.iterrows():
        where = (row[SOURCE_FILE], _line(row[SOURCE_LINE]))
        student, school, year = row.get("student_id"), row.get("school_id"), years.iloc[i]
        problem = _problem(row, year, {c: amounts[c].iloc[i] for c in AMOUNT_COLUMNS})
        if problem:
            result.reject("enrollments", *where, *problem)
            continue
        enrolled = int(amounts["days_enrolled"].iloc[i])
        parts = {c: _amount(amounts[c].iloc[i]) for c in ("excused", "unexcused", "suspension")}
        split = sum(parts.values(), Decimal(0))
        absent = (
            _amount(amounts["days_absent"].iloc[i])
            if pd.notna(amounts["days_absent"].iloc[i])
            else split
        )
        if absent < split:
            mismatched += 1
            absent = split
        remainder = absent - split
        if absent > enrolled:
            result.reject(
                "attendance", *where, "days_absent",
                f"{absent.normalize():f} days absent is more than the {enrolled} days enrolled",
            )  # fmt: skip
            continue
        pieces = [(cat, parts[col]) for col, cat in PLACED] + [(preset.totals_remainder, remainder)]
        needed = sum(int(a) + (1 if a % 1 else 0) for _c, a in pieces)
        if needed > enrolled:
            result.reject(
                "attendance", *where, "days_absent",
                f"the part days cannot be placed on separate days within {enrolled} days enrolled",
            )  # fmt: skip
            continue
        start = next_day.get((student, year), 1)
        next_day[(student, year)] = start + enrolled
        longest[(school, year)] = max(longest.get((school, year), 0), start + enrolled - 1)
        enrollments.append(
            {
                "student_id": student,
                "school_id": school,
                "school_year": year,
                "grade_level": row.get("grade_level"),
                "entry_date": ("day", start),
                "exit_date": ("day", start + enrolled - 1),
                SOURCE_FILE: where[0],
                SOURCE_LINE: where[1],
            }
        )
        day = start
        for category, amount in pieces:
            whole, part = int(amount), amount % 1
            for _ in range(whole):
                attendance.append((student, school, year, day, category, None, *where))
                day += 1
            if part:
                attendance.append((student, school, year, day, category, f"{part:f}", *where))
                day += 1
    if mismatched:
        result.note(
            f"{mismatched:,} students' days absent were fewer than excused + unexcused + "
            "suspension; the sum was used"
        )
    calendars = {
        year: _weekdays(year, max(n for (_s, y), n in longest.items() if y == year), preset)
        for year in {y for (_s, y) in longest}
    }
    grades = values.grades(pd.Series([e["grade_level"] for e in enrollments], dtype=object), preset)
    for stay, grade in zip(enrollments, grades, strict=True):
        stay["grade_level"] = grade
        for key in ("entry_date", "exit_date"):
            stay[key] = calendars[stay["school_year"]][stay[key][1] - 1]
    calendar_rows = [
        (school, year, date, "true")
        for (school, year), n in longest.items()
        for date in calendars[year][:n]
    ]
    return Placed(
        pd.DataFrame(
            enrollments,
            columns=[
                "student_id",
                "school_id",
                "school_year",
                "grade_level",
                "entry_date",
                "exit_date",
                SOURCE_FILE,
                SOURCE_LINE,
            ],
        ),  # fmt: skip
        pd.DataFrame(
            [
                (s, sc, calendars[y][d - 1], c, f, file, line)
                for s, sc, y, d, c, f, file, line in attendance
            ],
            columns=[
                "student_id",
                "school_id",
                "date",
                "category",
                "absent_fraction",
                SOURCE_FILE,
                SOURCE_LINE,
            ],
        ),  # fmt: skip
        pd.DataFrame(
            calendar_rows, columns=["calendar_id", "school_year", "date", "instructional"]
        ),
    )


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


def _weekdays(year: str, count: int, preset: Preset) -> list[str]:
    month, day = preset.totals_first_day
    start = pd.Timestamp(int(year) - 1, month, day)
    holidays = set(preset.holidays)
    days: list[str] = []
    for date in pd.bdate_range(start, periods=count * 2 + 30):
        iso = date.strftime("%Y-%m-%d")
        if iso not in holidays:
            days.append(iso)
        if len(days) == count:
            break
    return days


def _col(frame: pd.DataFrame, role: str) -> pd.Series:
    if role in frame.columns:
        return frame[role].astype(object)
    return pd.Series(None, index=frame.index, dtype=object)


def _shown(value: object) -> str:
    return "empty" if not isinstance(value, str) else repr(value[:40])


def _line(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
