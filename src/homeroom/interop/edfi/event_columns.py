"""StudentSchoolAttendanceEvents kept as columns of the few fields Homeroom reads.

Most of an Ed-Fi export is attendance events (nine in ten records of a district). Kept as the
API's dicts they cost ~2.6 KB each; here each event is one slot in each column, and the values
repeat (schools, dates, descriptors, years, even students) share one string each, so an event
costs about a hundred bytes. Every field is taken exactly as `resources.field`/`text` take it from
a record, so the converter gives the same rows whichever reader the events came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homeroom.interop.edfi.json_fast import NotOneItemPerLine, items_by_line
from homeroom.interop.edfi.resources import Record, school_year, text, where

# Where an event may name its school year, in the order `resources.record_school_year` looks.
_YEAR_PATHS = (
    ("schoolYearTypeReference", "schoolYear"),
    ("schoolYear", None),
    ("sessionReference", "schoolYear"),
    ("calendarReference", "schoolYear"),
    ("sectionReference", "schoolYear"),
)


@dataclass
class SchoolEvents:
    """The events in the order read; `line` is None where the source has no lines (XML)."""

    student: list[str | None] = field(default_factory=list)
    school: list[str | None] = field(default_factory=list)
    date: list[str | None] = field(default_factory=list)  # eventDate as text
    descriptor: list[str | None] = field(default_factory=list)
    year: list[str | None] = field(default_factory=list)  # the school year the event names
    minutes: list[str | None] = field(default_factory=list)  # schoolAttendanceDuration
    days: list[str | None] = field(default_factory=list)  # eventDuration
    file: list[str] = field(default_factory=list)
    line: list[int | None] = field(default_factory=list)
    _shared: dict[str, str] = field(default_factory=dict, repr=False)
    _numbers: dict[int, str] = field(default_factory=dict, repr=False)
    _years: dict[str, str | None] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.student)

    def add_records(self, records: list[Record]) -> None:
        """Events as any reader gives them (dicts with `_file`/`_line`)."""
        for record in records:
            self.add(record, *where(record))

    def read_file(self, path: Path) -> int | None:
        """Add a JSON array of one event per line; None (nothing added) for any other file."""
        start = len(self)
        label = path.name
        try:
            for record, line in items_by_line(path):
                self.add(record, label, line)
        except (NotOneItemPerLine, OSError):
            self._truncate(start)
            return None
        return len(self) - start

    def add(self, record: Record, file: str, line: int | None) -> None:
        shared, numbers = self._shared, self._numbers
        student, school = record.get("studentReference"), record.get("schoolReference")
        self.student.append(
            _pooled(student.get("studentUniqueId"), shared, numbers)
            if isinstance(student, dict)
            else None
        )
        self.school.append(
            _pooled(school.get("schoolId"), shared, numbers) if isinstance(school, dict) else None
        )
        self.date.append(_pooled(record.get("eventDate"), shared, numbers))
        descriptor = record.get("attendanceEventCategoryDescriptor")
        self.descriptor.append(_pooled(descriptor, shared, numbers))
        self.year.append(self._year(record))
        self.minutes.append(_pooled(record.get("schoolAttendanceDuration"), shared, numbers))
        self.days.append(_pooled(record.get("eventDuration"), shared, numbers))
        self.file.append(shared.setdefault(file, file))
        self.line.append(line)

    def _year(self, record: Record) -> str | None:
        for first, second in _YEAR_PATHS:
            value = record.get(first)
            if second is not None:
                value = value.get(second) if isinstance(value, dict) else None
            if value is None:
                continue
            shown = _pooled(value, self._shared, self._numbers)
            if shown:
                if shown not in self._years:
                    year = school_year(shown)
                    self._years[shown] = (
                        None if year is None else self._shared.setdefault(year, year)
                    )
                year = self._years[shown]
                if year:
                    return year
        return None

    def _truncate(self, size: int) -> None:
        for column in (
            self.student, self.school, self.date, self.descriptor, self.year, self.minutes,
            self.days, self.file, self.line,
        ):  # fmt: skip
            del column[size:]


def _pooled(value: Any, shared: dict[str, str], numbers: dict[int, str]) -> str | None:
    """`resources.text(value)`, one string object per distinct value (the columns hold
    references, not copies); strings and whole numbers, the usual values, come first."""
    kind = type(value)
    if kind is str:
        value = value.strip()
        return shared.setdefault(value, value) if value else None
    if kind is int:  # not bool, whose text differs though True == 1
        shown = numbers.get(value)
        if shown is None:
            shown = numbers[value] = shared.setdefault(str(value), str(value))
        return shown
    shown = text(value)
    return None if shown is None else shared.setdefault(shown, shown)
