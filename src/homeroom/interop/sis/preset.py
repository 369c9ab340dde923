"""A SIS preset: a small declarative TOML file saying how one SIS's exports map to the contract.

A preset names each kind of export file by a header signature, maps its columns to canonical
columns, and gives the value tables (dates, grades, booleans, race, attendance codes), the
exit-date convention and how to make a calendar when the SIS exports none. The shared code in
`homeroom.interop.sis.build` does the work; the shipped presets live in `presets/*.toml`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from homeroom.contract.errors import ContractError
from homeroom.contract.schema import CATEGORIES, GRADE_LEVELS, RACE_ETHNICITY, TABLES

SHIPPED = ("powerschool", "infinite-campus", "aeries")
# What a file can feed: canonical tables, per-student totals, or a lookup of code ids.
FEEDS = (*TABLES, "totals", "code_lookup")
# The roles a file's columns may fill, by what it feeds (beyond the canonical columns).
EXTRA_ROLES: dict[str, tuple[str, ...]] = {
    "students": ("student_ref", "hispanic"),
    "enrollments": ("student_ref",),
    "attendance": (
        "student_ref",
        "code_id",
        "code_fallback",
        "period",
        "periods_scheduled",
        "day_minutes",
        "grade_level",
    ),
    "calendar": ("school_id",),
    "totals": (
        "student_ref",
        "student_id",
        "school_id",
        "school_year",
        "grade_level",
        "days_enrolled",
        "days_absent",
        "excused",
        "unexcused",
        "suspension",
    ),
    "code_lookup": ("code_id", "code"),
    # A guardian export: the student by its internal number, a name split in two.
    "contacts": ("student_ref", "first_name", "last_name"),
}
_TOP_KEYS = {
    "preset",
    "values",
    "enrollment",
    "district",
    "grades",
    "race",
    "sex",
    "codes",
    "calendar",
    "totals",
    "files",
}


@dataclass(frozen=True)
class FileSpec:
    """One kind of export file: how to recognise it and what its columns mean."""

    name: str
    feeds: tuple[str, ...]
    signature: tuple[str, ...]  # headers that must all be present (compared by header_key)
    columns: dict[str, tuple[str, ...]]  # role -> source header(s); several are joined by "/"
    keep: dict[str, tuple[str, ...]] = field(default_factory=dict)  # header -> values kept


@dataclass(frozen=True)
class CodeSpec:
    category: str
    absent_fraction: float | None = None


@dataclass
class Preset:
    name: str
    source: str  # the shipped name or the file path, for messages
    description: str = ""
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    excel_serial_dates: bool = True
    true_words: tuple[str, ...] = ()
    false_words: tuple[str, ...] = ()
    school_year_starts: tuple[int, int] = (7, 1)  # month, day
    exit_date: str = "inclusive"
    default_grade: str = ""  # grade of stays derived from attendance alone, when no column gives it
    district_id: str = ""
    district_name: str = ""
    day_minutes: int | None = None
    grades: dict[str, str] = field(default_factory=dict)
    race: dict[str, str] = field(default_factory=dict)
    hispanic_values: tuple[str, ...] = ()
    sex: dict[str, str] = field(default_factory=dict)
    codes: dict[str, CodeSpec] = field(default_factory=dict)
    calendar_derive: str = "weekdays"
    holidays: tuple[str, ...] = ()
    totals_first_day: tuple[int, int] = (8, 15)
    totals_remainder: str = "excused"
    school_year_is: str = "end"  # a bare 4-digit year in a file: the year the school year ends
    files: list[FileSpec] = field(default_factory=list)


def header_key(text: str) -> str:
    """A header compared loosely: table prefixes, case, spaces and punctuation ignored.

    `[Students]Student_Number`, `Students.Student_Number` and `student number` are all the
    same header.
    """
    text = re.sub(r"^\s*\[[^\]]*\]", "", str(text))
    if "." in text and not text.strip().endswith("."):
        text = text.rsplit(".", 1)[1]
    return re.sub(r"[^a-z0-9]", "", text.lower())


def load_preset(name_or_path: str) -> Preset:
    """A shipped preset by name, or a preset TOML file by path."""
    if name_or_path in SHIPPED:
        ref = resources.files("homeroom.interop.sis").joinpath("presets", f"{name_or_path}.toml")
        return parse_preset(ref.read_text(encoding="utf-8"), name_or_path)
    path = Path(name_or_path)
    if not path.is_file():
        raise ContractError(
            f"preset {name_or_path!r} is neither a shipped preset ({', '.join(SHIPPED)}) nor a "
            "TOML file; `homeroom map FILE --out preset.toml` writes one to start from"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ContractError(f"preset {path.name}: is not UTF-8 text") from None
    return parse_preset(text, path.name)


def parse_preset(text: str, source: str) -> Preset:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ContractError(f"preset {source}: not valid TOML: {exc}") from None
    return _Parser(source).preset(data)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, what: str) -> ContractError:
        return ContractError(f"preset {self.source}, key {key}: {what}")

    def table(self, data: dict, key: str, allowed: set[str] | None = None) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        if allowed is not None:
            unknown = sorted(set(value) - allowed)
            if unknown:
                raise self.fail(
                    f"{key}.{unknown[0]}",
                    f"unknown key; expected one of {', '.join(sorted(allowed))}",
                )
        return value

    def text(self, data: dict, key: str, where: str, default: str = "") -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "must be text")
        return value

    def texts(self, data: dict, key: str, where: str, default=()) -> tuple[str, ...]:
        value = data.get(key, list(default))
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}.{key}", "must be a list of text")
        return tuple(value)

    def month_day(self, value: object, key: str) -> tuple[int, int]:
        match = re.fullmatch(r"(\d{1,2})-(\d{1,2})", str(value))
        if not match or not (1 <= int(match[1]) <= 12 and 1 <= int(match[2]) <= 31):
            raise self.fail(key, f'must be a month and day like "07-01"; got {value!r}')
        return int(match[1]), int(match[2])

    def preset(self, data: dict) -> Preset:
        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise self.fail(unknown[0], f"unknown section; expected {', '.join(sorted(_TOP_KEYS))}")
        head = self.table(data, "preset", {"name", "description"})
        values = self.table(
            data,
            "values",
            {"date_formats", "excel_serial_dates", "true", "false", "school_year_starts",
             "school_year_is"},
        )  # fmt: skip
        enrollment = self.table(data, "enrollment", {"exit_date", "default_grade"})
        district = self.table(data, "district", {"id", "name", "day_minutes"})
        race = self.table(data, "race", {"codes", "hispanic_values"})
        calendar = self.table(data, "calendar", {"derive", "holidays"})
        totals = self.table(data, "totals", {"first_day", "remainder"})
        preset = Preset(
            name=self.text(head, "name", "preset", self.source),
            source=self.source,
            description=self.text(head, "description", "preset"),
        )
        self._values(preset, values)
        self._enrollment(preset, enrollment, district)
        self._lookups(preset, data, race)
        self._calendar(preset, calendar, totals)
        files = data.get("files", [])
        if not isinstance(files, list) or not files:
            raise self.fail("files", "give at least one [[files]] table")
        preset.files = [self.file(f, i) for i, f in enumerate(files)]
        return preset

    def _values(self, preset: Preset, values: dict[str, Any]) -> None:
        preset.date_formats = self.texts(values, "date_formats", "values", ("%Y-%m-%d",))
        for fmt in preset.date_formats:
            if "%" not in fmt:
                raise self.fail("values.date_formats", f"{fmt!r} is not a strftime format")
        serial = values.get("excel_serial_dates", True)
        if not isinstance(serial, bool):
            raise self.fail("values.excel_serial_dates", "must be true or false")
        preset.excel_serial_dates = serial
        preset.true_words = tuple(w.lower() for w in self.texts(values, "true", "values"))
        preset.false_words = tuple(w.lower() for w in self.texts(values, "false", "values"))
        if "school_year_starts" in values:
            preset.school_year_starts = self.month_day(
                values["school_year_starts"], "values.school_year_starts"
            )
        preset.school_year_is = self.text(values, "school_year_is", "values", "end")
        if preset.school_year_is not in ("start", "end"):
            raise self.fail("values.school_year_is", 'must be "start" or "end"')

    def _enrollment(
        self, preset: Preset, enrollment: dict[str, Any], district: dict[str, Any]
    ) -> None:
        preset.exit_date = self.text(enrollment, "exit_date", "enrollment", "inclusive")
        if preset.exit_date not in ("inclusive", "exclusive"):
            raise self.fail("enrollment.exit_date", 'must be "inclusive" or "exclusive"')
        preset.default_grade = self.text(enrollment, "default_grade", "enrollment")
        if preset.default_grade and preset.default_grade not in GRADE_LEVELS:
            raise self.fail("enrollment.default_grade", f"must be one of {', '.join(GRADE_LEVELS)}")
        preset.district_id = str(district.get("id", ""))
        preset.district_name = str(district.get("name", ""))
        minutes = district.get("day_minutes")
        if minutes is not None and (not isinstance(minutes, int) or minutes <= 0):
            raise self.fail("district.day_minutes", "must be a whole number above 0")
        preset.day_minutes = minutes

    def _lookups(self, preset: Preset, data: dict, race: dict[str, Any]) -> None:
        """Grades, race and ethnicity, sex and attendance codes: source value -> canonical."""
        preset.grades = {str(k): str(v) for k, v in self.table(data, "grades").items()}
        for source, grade in preset.grades.items():
            if grade not in GRADE_LEVELS:
                raise self.fail(
                    f"grades.{source}", f"{grade!r} is not one of {', '.join(GRADE_LEVELS)}"
                )
        preset.race = {str(k): str(v) for k, v in self.table(race, "codes").items()}
        for source, value in preset.race.items():
            if value not in RACE_ETHNICITY:
                raise self.fail(f"race.codes.{source}", f"{value!r} is not a race_ethnicity")
        preset.hispanic_values = self.texts(race, "hispanic_values", "race")
        preset.sex = {str(k): str(v) for k, v in self.table(data, "sex").items()}
        preset.codes = self.codes(self.table(data, "codes"))

    def _calendar(self, preset: Preset, calendar: dict[str, Any], totals: dict[str, Any]) -> None:
        preset.calendar_derive = self.text(calendar, "derive", "calendar", "weekdays")
        if preset.calendar_derive not in ("weekdays", "attendance_dates", "none"):
            raise self.fail("calendar.derive", 'must be "weekdays", "attendance_dates" or "none"')
        preset.holidays = self.texts(calendar, "holidays", "calendar")
        if "first_day" in totals:
            preset.totals_first_day = self.month_day(totals["first_day"], "totals.first_day")
        preset.totals_remainder = self.text(totals, "remainder", "totals", "excused")
        if preset.totals_remainder not in CATEGORIES:
            raise self.fail("totals.remainder", f"must be a category: {', '.join(CATEGORIES)}")

    def codes(self, table: dict) -> dict[str, CodeSpec]:
        codes = {}
        for code, spec in table.items():
            where = f"codes.{code}"
            if isinstance(spec, str):
                spec = {"category": spec}
            if not isinstance(spec, dict):
                raise self.fail(
                    where, "must be a category or { category = ..., absent_fraction = ... }"
                )
            unknown = sorted(set(spec) - {"category", "absent_fraction"})
            if unknown:
                raise self.fail(f"{where}.{unknown[0]}", "unknown key")
            category = spec.get("category")
            if category not in CATEGORIES:
                raise self.fail(
                    where, f"category {category!r} is not one of {', '.join(CATEGORIES)}"
                )
            fraction = spec.get("absent_fraction")
            if fraction is not None and (
                isinstance(fraction, bool)
                or not isinstance(fraction, int | float)
                or not 0 <= fraction <= 1
            ):
                raise self.fail(where, "absent_fraction must be a number from 0 to 1")
            codes[str(code)] = CodeSpec(category, None if fraction is None else float(fraction))
        return codes

    def file(self, data: object, index: int) -> FileSpec:
        where = f"files[{index}]"
        if not isinstance(data, dict):
            raise self.fail(where, "must be a table")
        unknown = sorted(set(data) - {"name", "feeds", "signature", "columns", "keep"})
        if unknown:
            raise self.fail(f"{where}.{unknown[0]}", "unknown key")
        name = self.text(data, "name", where, f"file {index + 1}")
        feeds = self.texts(data, "feeds", where)
        if not feeds:
            raise self.fail(f"{where}.feeds", f"say what the file feeds: {', '.join(FEEDS)}")
        for feed in feeds:
            if feed not in FEEDS:
                raise self.fail(f"{where}.feeds", f"{feed!r} is not one of {', '.join(FEEDS)}")
        signature = self.texts(data, "signature", where)
        if not signature:
            raise self.fail(f"{where}.signature", "give the headers that identify the file")
        columns_raw = self.table(data, "columns")
        roles = {c for feed in feeds for c in (*_canonical(feed), *EXTRA_ROLES.get(feed, ()))}
        columns: dict[str, tuple[str, ...]] = {}
        for role in columns_raw:
            if role not in roles:
                expected = ", ".join(sorted(roles))
                raise self.fail(
                    f"{where}.columns.{role}",
                    f"not a column of {', '.join(feeds)}; expected one of {expected}",
                )
            columns[role] = self.texts(columns_raw, role, f"{where}.columns")
        keep = {
            str(k): self.texts(self.table(data, "keep"), k, f"{where}.keep")
            for k in self.table(data, "keep")
        }
        return FileSpec(name, feeds, signature, columns, keep)


def _canonical(feed: str) -> tuple[str, ...]:
    table = TABLES.get(feed)
    return table.names if table else ()
