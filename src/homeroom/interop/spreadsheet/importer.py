"""`homeroom import spreadsheet`: a district's attendance spreadsheet as canonical tables."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from homeroom.contract.errors import ContractError
from homeroom.interop.result import ImportResult, Mapping, SourceRead
from homeroom.interop.spreadsheet import placing
from homeroom.interop.spreadsheet.fastread import fast_sheet
from homeroom.interop.spreadsheet.layout import (
    COMPUTED_FIELDS,
    FLAG_FIELDS,
    NO_WORDS,
    RACE_WORDS,
    SEX_WORDS,
    TIME_MISSED_FIELDS,
    YES_WORDS,
    grade_of,
    header_key,
    school_year_of,
    year_label,
)
from homeroom.interop.spreadsheet.reading import Sheet, read_sheet
from homeroom.interop.spreadsheet.rows import MAX_DAYS, UNITS, Checked, check_rows
from homeroom.interop.spreadsheet.stored import store_absences, traced

SOURCE_KIND = "attendance spreadsheet"
DEFAULT_DISTRICT = ("district", "District (from the spreadsheet)")
_TITLE_KEYS = {
    "schoolyear": "school_year",
    "year": "school_year",
    "sy": "school_year",
    "school": "school",
    "schoolname": "school",
    "district": "district",
    "districtname": "district",
}
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(?:19|20)\d\d\s*[-/–—]\s*(?:\d{4}|\d{2})(?!\d)")


def _title_facts(title: list[str]) -> dict[str, str]:
    """'School Year: 2024-25', 'School' | 'Lincoln', or a heading holding '2024-25'."""
    facts: dict[str, str] = {}
    for index, text in enumerate(title):
        key: str | None = None
        value = ""
        match = re.match(r"^\s*([A-Za-z][A-Za-z .]*?)\s*[:=]\s*(.+?)\s*$", text)
        if match and header_key(match.group(1)) in _TITLE_KEYS:
            key, value = _TITLE_KEYS[header_key(match.group(1))], match.group(2)
        elif header_key(text) in _TITLE_KEYS and index + 1 < len(title):
            key, value = _TITLE_KEYS[header_key(text)], title[index + 1]
        if key and key not in facts:
            facts[key] = value.strip()
    if "school_year" not in facts:
        for text in title:
            match = _YEAR_IN_TEXT.search(text)
            if match and school_year_of(match.group(0)):
                facts["school_year"] = match.group(0)
                break
    return facts


def _file_year(sheet: Sheet, facts: dict[str, str], option: int | None) -> int | None:
    said = facts.get("school_year")
    year = school_year_of(said) if said else None
    if said and year is None:
        raise ContractError(
            f"{sheet.label}: the title says school year {said!r}, which is not a school year "
            "such as 2024-25; correct it or give --school-year"
        )
    if year is not None and option is not None and year != option:
        raise ContractError(
            f"{sheet.label}: the title says school year {year_label(year)} but --school-year "
            f"says {option} ({year_label(option)}); correct one of them"
        )
    year = year or option
    if year is not None and not 1901 <= year <= 2999:
        raise ContractError(f"--school-year must be a year such as 2025 (for 2024-25); got {year}")
    if year is None and not any(v for v in sheet.columns.get("school_year", []) if v):
        raise ContractError(
            f"{sheet.label}: no school year: the file has no School Year column and no title "
            "saying one (such as 'School Year: 2024-25'); give --school-year 2025 for 2024-25"
        )
    return year


def import_spreadsheet(
    file: Path,
    *,
    school_year: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportResult:
    """Read the attendance spreadsheet (.xlsx or .csv; one row per student and school)."""
    step = progress or (lambda _message: None)
    path = Path(file)
    step(f"Reading {path.name}")
    sheet = fast_sheet(path) or read_sheet(path)
    if not {"days_enrolled", "days_present"} & sheet.columns.keys():
        raise ContractError(
            f"{sheet.label}: needs a Days Enrolled column (or Days Present and Days Absent); "
            f"found columns: {', '.join(sheet.headers.values())}"
        )
    if not {"school_id", "school_name"} & sheet.columns.keys():
        facts = _title_facts(sheet.title)
        if "school" not in facts:
            raise ContractError(
                f"{sheet.label}: needs a School (or School ID) column, or a title saying "
                f"'School: NAME'; found columns: {', '.join(sheet.headers.values())}"
            )
    facts = _title_facts(sheet.title)
    year = _file_year(sheet, facts, school_year)
    step(f"Checking {sheet.records:,} rows")
    checked = check_rows(sheet, year, facts.get("school"))
    # The ids and amounts are in the checked rows now (300 MB of cells at a million students).
    sheet = _cells_kept(sheet, _DESCRIBING)
    result = ImportResult(SOURCE_KIND, {})
    where = path.name + (f", sheet {sheet.sheet}" if sheet.sheet else "")
    what = "students (one row per student and school)"
    result.read.append(SourceRead(where, what, sheet.records))
    for line, reason in sheet.malformed:
        result.reject("enrollments", path.name, line, "", reason)
    for line, column, reason in checked.rejects:
        result.reject("enrollments", path.name, line, column, reason)
    step("Placing the totals on dates")
    stays, calendar, absences = placing.place_in_batches(checked.rows)
    attendance = store_absences(absences, path.name, result)
    rows = checked.rows
    students, kept = _students(sheet, rows, result, path.name)
    schools = _schools(sheet, rows, facts, result)
    # Every cell is read now, and only which columns the sheet has is asked after this: let go
    # of the cells before the enrollments are made.
    sheet = _cells_kept(sheet, ())
    tables = {
        "schools": schools,
        "students": students,
        "enrollments": _enrollments(stays, kept, path.name),
        "calendar": calendar,
    }
    result.store(tables, {"attendance": attendance})
    _account(result, sheet, checked, rows, year)
    return result


# The fields whose cells the students and schools are made of, after the rows are checked.
_DESCRIBING = frozenset(
    ("first_name", "last_name", "student_name", "birth_date", "sex", "race_ethnicity",
     *FLAG_FIELDS, "home_language", "grade_level", "district_id", "district_name")
)  # fmt: skip


def _cells_kept(sheet: Sheet, fields: Collection[str]) -> Sheet:
    """The sheet with the cells of other fields let go; which columns it has stays as it was."""
    kept = {name: cells if name in fields else [] for name, cells in sheet.columns.items()}
    return replace(sheet, columns=kept)


def _enrollments(stays: pd.DataFrame, grade: pd.Series, file_name: str) -> pd.DataFrame:
    out = stays[["_line", "student_id", "school_id", "school_year"]]  # copy on write: no copy
    out["school_year"] = out["school_year"].astype(str)
    out["grade_level"] = grade.array
    out["entry_date"] = stays["entry_date"].to_numpy()
    out["exit_date"] = stays["exit_date"].to_numpy()
    return traced(out, file_name)


def _value_map(
    raw: pd.Series, convert: Callable[[str], str | None], kind: str, result: ImportResult
) -> pd.Series:
    """Canonical values; unknown ones passed on as written (validation records them)."""
    text = raw.astype("string").str.strip()
    text = text.mask(text == "")
    # One lookup per distinct value and the rows kept as Arrow text, not a Python string per
    # row: with the ids kept so too, 3.07 -> 2.18 GiB at a million students (docs/benchmarks.md,
    # "Imports").
    codes, distinct = pd.factorize(text, use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(distinct))
    targets: list[str] = []
    changed: list[Mapping] = []
    for value, count in zip(distinct, counts, strict=True):
        target = convert(value)
        if target != value:
            changed.append(Mapping(kind, value, target or "", int(count)))
        targets.append(target or value)
    result.mappings.extend(sorted(changed, key=lambda mapping: mapping.source))
    mapped = pd.array(targets, dtype="string").take(codes, allow_fill=True)
    return pd.Series(mapped, index=text.index)


def _flag(values: pd.Series, header: str, result: ImportResult) -> pd.Series:
    text = values.astype("string").str.strip().str.lower()
    marks_x = bool((text == "x").any())
    if marks_x:
        result.assume(f"{header}: the column marks members with X, so an empty cell means no")

    def convert(value: str) -> str | None:
        low = value.lower()
        if low in YES_WORDS:
            return "true"
        if low in NO_WORDS:
            return "false"
        return None

    out = _value_map(values, convert, f"{header} flag", result)
    if marks_x:
        out = out.where(pd.notna(out), "false")
    return out


def _column(sheet: Sheet, name: str, rows: pd.DataFrame) -> pd.Series:
    values = sheet.columns.get(name)
    if values is None:
        return pd.Series([None] * len(rows), dtype=object)
    picked = rows["_row"].to_numpy()
    if isinstance(values, pd.Series):
        # The fast reader's Arrow text, kept compact: as Python objects a million students'
        # columns took over a gigabyte (docs/benchmarks.md, "Imports").
        return values.iloc[picked].reset_index(drop=True)
    return pd.Series(values, dtype=object).iloc[picked].reset_index(drop=True)


def _students(
    sheet: Sheet, rows: pd.DataFrame, result: ImportResult, file_name: str
) -> tuple[pd.DataFrame, pd.Series]:
    """One student row per student and school year (the first row), and each stay's grade."""
    columns: dict[str, pd.Series] = {}
    first = _column(sheet, "first_name", rows)
    last = _column(sheet, "last_name", rows)
    if "student_name" in sheet.columns and "last_name" not in sheet.columns:
        # "Last, First" as most student lists write one name column.
        whole = _column(sheet, "student_name", rows)
        split = [v.split(",", 1) if isinstance(v, str) else [""] for v in whole]
        last = pd.Series([p[0].strip() if p[0] else None for p in split], dtype=object)
        first = pd.Series([p[1].strip() if len(p) > 1 else None for p in split], dtype=object)
    columns["first_name"] = first
    columns["last_name"] = last
    columns["birth_date"] = _column(sheet, "birth_date", rows)
    columns["sex"] = _value_map(
        _column(sheet, "sex", rows), lambda v: SEX_WORDS.get(header_key(v)), "gender", result
    )
    columns["race_ethnicity"] = _value_map(
        _column(sheet, "race_ethnicity", rows),
        lambda v: RACE_WORDS.get(header_key(v)),
        "race/ethnicity",
        result,
    )
    for flag in FLAG_FIELDS:
        header = sheet.headers.get(flag, flag)
        columns[flag] = (
            _flag(_column(sheet, flag, rows), header, result)
            if flag in sheet.columns
            else pd.Series([None] * len(rows), dtype=object)
        )
    columns["home_language"] = _column(sheet, "home_language", rows)
    grade = _value_map(_column(sheet, "grade_level", rows), grade_of, "grade", result)
    frame = pd.DataFrame(
        {
            "_line": rows["_line"].to_numpy(),
            "student_id": rows["student_id"].array,
            "school_year": rows["school_year"].astype("string").array,
            **{k: v.array for k, v in columns.items()},
        }
    )
    keys = ["student_id", "school_year"]
    described = [c for c in columns if c not in ("first_name", "last_name")]
    # Rows of one student that differ in what describes them, counted without a copy of the
    # distinct rows: the distinct descriptions less the distinct students.
    first_of_student = ~frame.duplicated(keys)
    disagree = int((~frame.duplicated([*keys, *described])).sum() - first_of_student.sum())
    if disagree:
        result.note(
            f"{disagree} rows of students with rows at several schools give other demographics "
            "than the student's first row; the first row's are kept"
        )
    students = frame[first_of_student.to_numpy()]
    return traced(students, file_name), grade


def _schools(
    sheet: Sheet, rows: pd.DataFrame, facts: dict[str, str], result: ImportResult
) -> pd.DataFrame:
    district_id = _column(sheet, "district_id", rows)
    district_name = _column(sheet, "district_name", rows)
    district_id = district_id.fillna(district_name)
    if "district" in facts:
        district_id = district_id.fillna(facts["district"])
        district_name = district_name.fillna(facts["district"])
    if district_id.isna().any():
        result.assume(
            f"the file names no district for some schools: they are in district "
            f"{DEFAULT_DISTRICT[0]!r} ({DEFAULT_DISTRICT[1]})"
        )
        district_id = district_id.fillna(DEFAULT_DISTRICT[0])
        district_name = district_name.fillna(DEFAULT_DISTRICT[1])
    district_name = district_name.fillna(district_id)
    frame = pd.DataFrame(
        {
            "school_id": rows["school_id"].array,
            "school_name": rows["school_name"].array,
            "district_id": district_id.array,
            "district_name": district_name.array,
        }
    )
    schools = frame.drop_duplicates("school_id", keep="first").copy()
    if "school_id" not in sheet.columns:
        result.assume("the file gives school names only: each school's name is its school_id")
    schools["state"] = ""
    schools["calendar_id"] = schools["school_id"]
    schools["day_minutes"] = ""
    return schools.sort_values("school_id").reset_index(drop=True)


def _account(
    result: ImportResult, sheet: Sheet, checked: Checked, rows: pd.DataFrame, year: int | None
) -> None:
    """Say what the import supplied, so nobody reads placed dates as real ones."""
    years = sorted(int(y) for y in np.unique(rows["school_year"])) if len(rows) else []
    starts = ", ".join(f"{placing.first_day(y).isoformat()} for {year_label(y)}" for y in years)
    result.assume(
        "the spreadsheet holds year totals, not dates: each school's calendar is made of its "
        f"first N weekdays from {starts or 'mid-August'} (N = the most days enrolled there); "
        "each student's stay starts on its first day and lasts their Days Enrolled (a student's "
        "rows at several schools follow one another in the order of the file); their absences "
        "are placed evenly across the stay. Only year-end totals are meaningful (days enrolled "
        "and absent, rates, chronic absence, tiers); metrics as of a date and monthly trends "
        "are not"
    )
    result.assume(
        "a fractional total such as 12.5 days becomes 12 whole days and one row with "
        "absent_fraction 0.5; under a half-day-rule definition (edfacts, crdc) that row counts "
        "as a whole day when it is half a day or more, and as none when less"
    )
    result.assume(
        "exit_date is the last day enrolled: load with a definition whose exit_date is "
        "inclusive (every shipped one)"
    )
    if "other_absence" in sheet.columns:
        result.assume(
            f"{sheet.headers['other_absence']} (absence beyond excused, unexcused and "
            "suspension) is imported as unexcused with code OTHER, so it counts towards chronic "
            "absence and truancy"
        )
    if checked.unsplit_rows:
        result.assume(
            f"{checked.unsplit_rows} rows give more Days Absent than their reasons add up to "
            f"({checked.unsplit_units / UNITS:g} days in all): the rest is imported as "
            "unexcused with code UNSPLIT, so it counts towards chronic absence and truancy"
        )
    _note_columns(result, sheet, checked)
    result.note(
        f"header found on row {sheet.header_line} of {sheet.label}; "
        f"{sheet.records:,} records read, {len(rows):,} imported, "
        f"{len(result.rejected_rows):,} rejected; at most {MAX_DAYS} days per student and year"
    )
    if year is not None:
        result.note(f"school year {year_label(year)} where the rows do not say")


def _note_columns(result: ImportResult, sheet: Sheet, checked: Checked) -> None:
    """What was rounded, skipped or left aside of the sheet's cells and columns."""
    if checked.rounded:
        result.note(
            f"{checked.rounded} day amounts had more than 4 decimals and were rounded to "
            "1/10,000 of a day"
        )
    if sheet.encoding_note and sheet.encoding_assumed:
        result.assume(sheet.encoding_note)
    elif sheet.encoding_note:
        result.note(sheet.encoding_note)
    if sheet.blank_records:
        result.note(f"{sheet.blank_records} blank lines were skipped (they are not records)")
    computed = [sheet.headers[c] for c in COMPUTED_FIELDS if c in sheet.headers]
    if computed:
        result.note(
            f"computed columns left aside (Homeroom computes them under the definition): "
            f"{', '.join(computed)}"
        )
    time_missed = [sheet.headers[c] for c in TIME_MISSED_FIELDS if c in sheet.headers]
    if time_missed:
        result.note(
            "late arrival and early departure columns left aside (they are not absences, and a "
            f"year total gives no dates to record them on): {', '.join(time_missed)}"
        )
    if sheet.ignored_headers:
        shown = ", ".join(sheet.ignored_headers[:15])
        more = len(sheet.ignored_headers) - 15
        result.note(f"columns not read: {shown}" + (f" and {more} more" if more > 0 else ""))
