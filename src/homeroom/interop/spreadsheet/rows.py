"""Check each spreadsheet row's numbers and turn them into exact amounts, or reject the row.

Every row ends in exactly one of two places: the kept rows (one stay each) or a reject naming
the file, the row, the column and the reason, the first check it fails. Amounts are kept in
units of 1/10,000 of a day, as the contract keeps `absent_fraction`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from homeroom.interop.spreadsheet.layout import CATEGORY_FIELDS, HEADERS, school_year_of
from homeroom.interop.spreadsheet.reading import Sheet
from homeroom.interop.totals import UNITS  # a day, in the contract's absent_fraction units

__all__ = ["MAX_DAYS", "UNITS", "check_rows"]
MAX_DAYS = 261  # weekdays in a year: no school year holds more instructional days
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_DATE_LIKE = r"\d{4}-\d{1,2}-\d{1,2}.*|\d{1,2}/\d{1,2}/\d{2,4}.*|\d{1,2}:\d{2}.*"


@dataclass
class Checked:
    """The rows that passed, as columns, and the rejects (line, column header, reason)."""

    rows: pd.DataFrame  # _line, student_id, school_id, school_name, school_year, days, units…
    rejects: list[tuple[int, str, str]]
    rounded: int  # amounts given to more than 4 decimals, rounded
    unsplit_rows: int  # rows whose reasons add up to less than Days Absent
    unsplit_units: int


class _Rejector:
    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self.reason = np.full(len(sheet.lines), None, dtype=object)
        self.column = np.full(len(sheet.lines), "", dtype=object)

    @property
    def open(self) -> np.ndarray:
        return pd.isna(self.reason)

    def mark(self, bad: np.ndarray, column: str, reasons) -> None:
        """Reject the rows `bad` not rejected yet, with `reasons`: one text, one per row, or a
        function of the rows hit (so reasons are only written for the few rows that need one)."""
        hit = bad & self.open
        if not hit.any():
            return
        header = self.sheet.headers.get(column, HEADERS.get(column, column))
        self.column[hit] = header
        if isinstance(reasons, str):
            self.reason[hit] = reasons
        elif callable(reasons):
            self.reason[hit] = np.asarray(reasons(hit), dtype=object)
        else:
            self.reason[hit] = np.asarray(reasons, dtype=object)[hit]


def _text(sheet: Sheet, name: str) -> pd.Series:
    values = sheet.columns.get(name)
    if values is None:
        return pd.Series([pd.NA] * len(sheet.lines), dtype="string")
    text = pd.Series(values, dtype="string").str.strip()
    return text.mask(text == "")


def _shown(values: pd.Series) -> pd.Series:
    return "'" + values.fillna("").str.slice(0, 30) + "'"


def _amount(
    sheet: Sheet, marks: _Rejector, name: str, *, whole: bool = False
) -> tuple[np.ndarray, np.ndarray, int]:
    """Units of 1/10,000 day per row (0 where empty) and whether a value was given."""
    header = sheet.headers.get(name, HEADERS[name])
    text = _text(sheet, name)
    given = text.notna().to_numpy()
    is_number = text.str.fullmatch(_NUMBER).fillna(False).to_numpy(dtype=bool)
    dated = text.str.fullmatch(_DATE_LIKE).fillna(False).to_numpy(dtype=bool)

    def says(words: str):
        return lambda hit: (f"{header} " + _shown(text[hit]) + words).to_numpy()

    marks.mark(
        given & dated,
        name,
        says(" is a date, not a number of days"),
    )
    marks.mark(given & ~is_number, name, says(" is not a number"))
    number = pd.to_numeric(text.where(pd.Series(is_number)), errors="coerce").to_numpy(float)
    number = np.where(given & is_number, number, 0.0)
    marks.mark(number < 0, name, says(" is negative"))
    scaled = number * UNITS
    units = np.rint(scaled).astype(np.int64)
    rounded = int((np.abs(scaled - units) > 1e-6).sum())
    if whole:
        marks.mark(
            (units % UNITS) != 0,
            name,
            says(" is not a whole number of days"),
        )
    # An Excel date serial (45291) read as a count is far past any school year.
    marks.mark(
        units > MAX_DAYS * UNITS,
        name,
        says(f" is more days than a school year holds ({MAX_DAYS} weekdays); is it a date serial?"),
    )
    return units, given, rounded


@dataclass
class _Amounts:
    """Each row's amounts in units of 1/10,000 day, and which the row gave."""

    enrolled: np.ndarray
    enrolled_given: np.ndarray
    present: np.ndarray | None
    present_given: np.ndarray
    absent: np.ndarray
    absent_given: np.ndarray
    parts: dict[str, np.ndarray]  # by CATEGORY_FIELDS
    has_split: bool  # the sheet has a column of absence by reason
    rounded: int

    @property
    def split(self) -> np.ndarray:
        return np.asarray(sum(self.parts.values()))


def check_rows(sheet: Sheet, file_year: int | None, title_school: str | None) -> Checked:
    marks = _Rejector(sheet)
    student = _text(sheet, "student_id")
    if "student_id" not in sheet.columns:
        student = _text(sheet, "state_student_id")
    marks.mark(student.isna().to_numpy(), "student_id", "Student ID is empty")
    school_id, school_name = _schools(sheet, marks, title_school)
    years = _years(sheet, marks, file_year)
    amounts = _amounts(sheet, marks)
    _fill_enrolled(sheet, marks, amounts)
    _fill_absent(sheet, marks, amounts)
    unsplit = _reject_impossible(marks, amounts)
    frame = pd.DataFrame(
        {
            "_line": np.asarray(sheet.lines, dtype=np.int64),
            "student_id": student.to_numpy(dtype=object),
            "school_id": school_id.to_numpy(dtype=object),
            "school_name": school_name.to_numpy(dtype=object),
            "school_year": pd.Series(years),
            "days": amounts.enrolled // UNITS,
            "excused": amounts.parts["excused"],
            "unexcused": amounts.parts["unexcused"],
            "suspension": amounts.parts["suspensions"],
            "other": amounts.parts["other_absence"],
            "unsplit": unsplit,
            "_row": np.arange(len(sheet.lines)),
        }
    )
    # A row without a school year when neither the file nor the option gives one.
    marks.mark(frame["school_year"].isna().to_numpy(), "school_year", "School Year is empty")

    _reject_duplicates(frame, marks)
    _reject_overfull(frame, marks)
    kept = frame[marks.open].copy()
    rejects = [
        (int(line), str(col), str(reason))
        for line, col, reason, bad in zip(
            sheet.lines, marks.column, marks.reason, ~marks.open, strict=True
        )
        if bad
    ]
    has_unsplit = kept["unsplit"] > 0
    return Checked(
        kept.reset_index(drop=True),
        rejects,
        amounts.rounded,
        int(has_unsplit.sum()),
        int(kept["unsplit"].sum()),
    )


def _schools(
    sheet: Sheet, marks: _Rejector, title_school: str | None
) -> tuple[pd.Series, pd.Series]:
    """Each row's school id and name: either stands for the other, then the title's school."""
    school_id = _text(sheet, "school_id")
    school_name = _text(sheet, "school_name")
    school_id = school_id.fillna(school_name)
    if title_school is not None:
        school_id = school_id.fillna(title_school)
        school_name = school_name.fillna(title_school)
    school_name = school_name.fillna(school_id)
    marks.mark(school_id.isna().to_numpy(), "school_name", "School is empty")
    return school_id, school_name


def _years(
    sheet: Sheet, marks: _Rejector, file_year: int | None
) -> pd.api.extensions.ExtensionArray:
    """Each row's school year (the year it ends), the file's where the row gives none."""
    year_text = _text(sheet, "school_year")
    years = year_text.map(lambda v: school_year_of(v) if isinstance(v, str) else None)
    years = pd.array(years.to_numpy(), dtype="Int64")
    bad_year = year_text.notna().to_numpy() & pd.isna(years)
    marks.mark(
        bad_year,
        "school_year",
        ("School Year " + _shown(year_text) + " is not a school year such as 2024-25").to_numpy(),
    )
    ending_text = _text(sheet, "year_ending")
    ending = ending_text.map(lambda v: school_year_of(v) if isinstance(v, str) else None)
    ending = pd.array(ending.to_numpy(), dtype="Int64")
    marks.mark(
        ending_text.notna().to_numpy() & pd.isna(ending),
        "year_ending",
        ("Year Ending " + _shown(ending_text) + " is not a year such as 2025").to_numpy(),
    )
    both = pd.notna(years) & pd.notna(ending)
    marks.mark(
        np.asarray(both & (years != ending), dtype=bool),
        "year_ending",
        lambda hit: (
            "Year Ending "
            + _shown(ending_text[hit])
            + " is not the year School Year "
            + _shown(year_text[hit])
            + " ends"
        ).to_numpy(),
    )
    years = pd.array(pd.Series(years).fillna(pd.Series(ending)), dtype="Int64")
    if file_year is not None:
        years = pd.array(pd.Series(years).fillna(file_year), dtype="Int64")
    return years


def _amounts(sheet: Sheet, marks: _Rejector) -> _Amounts:
    rows = len(sheet.lines)

    def nothing() -> tuple[np.ndarray, np.ndarray, int]:
        return np.zeros(rows, np.int64), np.zeros(rows, bool), 0

    enrolled, enrolled_given, _ = (
        _amount(sheet, marks, "days_enrolled", whole=True)
        if "days_enrolled" in sheet.columns
        else nothing()
    )
    rounded = 0
    present: np.ndarray | None = None
    present_given = np.zeros(rows, bool)
    if "days_present" in sheet.columns:
        present, present_given, r = _amount(sheet, marks, "days_present")
        rounded += r
    absent, absent_given, r = (
        _amount(sheet, marks, "days_absent") if "days_absent" in sheet.columns else nothing()
    )
    rounded += r
    parts: dict[str, np.ndarray] = {}
    for name in CATEGORY_FIELDS:
        if name in sheet.columns:
            parts[name], _, r = _amount(sheet, marks, name)
            rounded += r
        else:
            parts[name] = np.zeros(rows, np.int64)
    has_split = any(name in sheet.columns for name in CATEGORY_FIELDS)
    if "days_enrolled" not in sheet.columns:
        enrolled_given = np.zeros(rows, bool)  # filled in from present + absent
    return _Amounts(
        enrolled,
        enrolled_given,
        present,
        present_given,
        absent,
        absent_given,
        parts,
        has_split,
        rounded,
    )


def _fill_enrolled(sheet: Sheet, marks: _Rejector, a: _Amounts) -> None:
    if "days_enrolled" not in sheet.columns:  # no Days Enrolled column: present + absent
        a.enrolled_given = a.present_given & (a.absent_given | a.has_split)
        from_parts = np.where(a.absent_given, a.absent, a.split)
        present = a.present if a.present is not None else np.zeros(len(sheet.lines), np.int64)
        a.enrolled = np.where(a.enrolled_given, present + from_parts, 0)
        marks.mark(
            ~a.enrolled_given,
            "days_present",
            "Days Present or Days Absent is empty (the file has no Days Enrolled column)",
        )
    marks.mark(~a.enrolled_given, "days_enrolled", "Days Enrolled is empty")
    marks.mark(
        a.enrolled_given & (a.enrolled == 0),
        "days_enrolled",
        "Days Enrolled is 0: a row needs at least one day enrolled",
    )


def _fill_absent(sheet: Sheet, marks: _Rejector, a: _Amounts) -> None:
    if not a.absent_given.all():
        # Days Absent empty: Days Enrolled - Days Present, or else the reasons added up.
        fill = np.zeros(len(sheet.lines), np.int64)
        known = np.zeros(len(sheet.lines), bool)
        if a.present is not None:
            fill = np.where(a.present_given, a.enrolled - a.present, 0)
            known = a.present_given
        if a.has_split:
            fill = np.where(known, fill, a.split)
            known = np.ones(len(sheet.lines), bool)
        marks.mark(~a.absent_given & ~known, "days_absent", "Days Absent is empty")
        a.absent = np.where(a.absent_given, a.absent, fill)
    # Each amount rounded to 1/10,000 of a day may be off by half a unit: a total that differs
    # from its reasons by no more than that is rounding, and the reasons' sum is kept.
    slack = np.abs(a.absent - a.split) <= len(CATEGORY_FIELDS)
    a.absent = np.where(a.has_split & slack, a.split, a.absent)


def _days(units: np.ndarray) -> np.ndarray:
    return np.array([f"{v:g}" for v in units / UNITS], dtype=object)


def _reject_impossible(marks: _Rejector, a: _Amounts) -> np.ndarray:
    """Reject rows whose amounts cannot be; the absence no reason explains, per row."""
    absent, enrolled, split = a.absent, a.enrolled, a.split
    marks.mark(
        absent > enrolled,
        "days_absent",
        lambda hit: (
            "Days Absent "
            + _days(absent[hit])
            + " is more than Days Enrolled "
            + _days(enrolled[hit])
        ),
    )
    marks.mark(
        split > absent,
        "days_absent",
        lambda hit: (
            "the absences by reason add up to "
            + _days(split[hit])
            + ", more than Days Absent "
            + _days(absent[hit])
        ),
    )
    unsplit = np.maximum(absent - split, 0)
    all_parts = [*a.parts.values(), unsplit]
    needed = sum((p + UNITS - 1) // UNITS for p in all_parts)
    marks.mark(
        needed > enrolled // UNITS,
        "days_absent",
        lambda hit: (
            "the absences by reason need "
            + np.array([str(v) for v in needed[hit]], dtype=object)
            + " separate days (each part day is its own day) but only "
            + _days(enrolled[hit])
            + " are enrolled"
        ),
    )
    return unsplit


def _reject_duplicates(frame: pd.DataFrame, marks: _Rejector) -> None:
    """One row per student, school and year (as the DATT keeps it): later repeats rejected."""
    usable = frame[marks.open]
    keys = ["student_id", "school_id", "school_year"]
    dup = usable.duplicated(keys, keep="first")
    if not dup.any():
        return
    first = usable.drop_duplicates(keys, keep="first").set_index(keys)["_line"]
    repeats = usable[dup]
    first_line = first.reindex(pd.MultiIndex.from_frame(repeats[keys])).to_numpy()
    reasons = np.full(len(frame), "", dtype=object)
    reasons[repeats["_row"].to_numpy()] = [
        f"duplicate of row {int(line)} for the same student, school and school year; kept the first"
        for line in first_line
    ]
    bad = np.zeros(len(frame), bool)
    bad[repeats["_row"].to_numpy()] = True
    marks.mark(bad, "student_id", reasons)


def _reject_overfull(frame: pd.DataFrame, marks: _Rejector) -> None:
    """A student's rows at several schools follow one another; together they must fit a year."""
    usable = frame[marks.open]
    ends = usable.groupby(["student_id", "school_year"], sort=False)["days"].cumsum()
    over = ends > MAX_DAYS
    if not over.any():
        return
    bad = np.zeros(len(frame), bool)
    bad[usable.loc[over, "_row"].to_numpy()] = True
    marks.mark(
        bad,
        "days_enrolled",
        f"with the student's rows above at other schools, Days Enrolled adds up to more than "
        f"a school year holds ({MAX_DAYS} weekdays)",
    )
