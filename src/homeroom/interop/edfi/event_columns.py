"""StudentSchoolAttendanceEvents kept as columns of the few fields Homeroom reads.

Most of an Ed-Fi export is attendance events (nine in ten records of a district). Kept as the
API's dicts they cost ~2.6 KB each; here each event is one slot in each column, and the values
repeat (schools, dates, descriptors, years, even students) share one string each, so an event
costs about a hundred bytes. Every field is taken exactly as `resources.field`/`text` take it from
a record, so the converter gives the same rows whichever reader the events came from.

The fields are taken a batch of events at a time, a column at a time, and each distinct value is
turned into text once: per event only a dict lookup per field remains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homeroom.interop.edfi.json_fast import NotOneItemPerLine, items_by_line
from homeroom.interop.edfi.resources import Record, school_year, text, where

BATCH = 1_000  # events parsed before their fields are taken: few, so their memory is reused
_NUMBERS = {int, float, bool}

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

    def __len__(self) -> int:
        return len(self.student)

    def add_records(self, records: list[Record]) -> None:
        """Events as any reader gives them (dicts with `_file`/`_line`)."""
        for start in range(0, len(records), BATCH):
            batch = records[start : start + BATCH]
            places = [where(record) for record in batch]
            self.add(batch, [file for file, _ in places], [line for _, line in places])

    def read_file(self, path: Path) -> int | None:
        """Add a JSON array of one event per line; None (nothing added) for any other file."""
        start = len(self)
        label = self._shared.setdefault(path.name, path.name)
        batch: list[Record] = []
        lines: list[int | None] = []
        try:
            for record, line in items_by_line(path):
                batch.append(record)
                lines.append(line)
                if len(batch) == BATCH:
                    self.add(batch, [label] * len(batch), lines)
                    batch, lines = [], []
        except (NotOneItemPerLine, OSError):
            self._truncate(start)
            return None
        self.add(batch, [label] * len(batch), lines)
        return len(self) - start

    def add(self, records: list[Record], files: list[str], lines: list[int | None]) -> None:
        """A batch of events, with the file and line of each."""
        self.student += self._texts(_inner(records, "studentReference", "studentUniqueId"))
        self.school += self._texts(_inner(records, "schoolReference", "schoolId"))
        self.date += self._texts([r.get("eventDate") for r in records])
        self.descriptor += self._texts(
            [r.get("attendanceEventCategoryDescriptor") for r in records]
        )
        self.year += self._years(records)
        self.minutes += self._texts([r.get("schoolAttendanceDuration") for r in records])
        self.days += self._texts([r.get("eventDuration") for r in records])
        self.file += [self._shared.setdefault(file, file) for file in files]
        self.line += lines

    def _texts(self, values: list[Any]) -> list[str | None]:
        """`resources.text` of each value, one string object per distinct text."""
        kinds = set(map(type, values))
        # A value's text is worked out once, unless dict keys would mix values whose text
        # differs (True == 1) or cannot be keys at all (lists, dicts).
        if bool in kinds and len(kinds & _NUMBERS) > 1 or not kinds <= {str, type(None), *_NUMBERS}:
            return [self._pooled(text(value)) for value in values]
        once = {value: self._pooled(text(value)) for value in set(values)}
        return [once[value] for value in values]

    def _years(self, records: list[Record]) -> list[str | None]:
        """`resources.record_school_year` of each event: the first place that names one."""
        years: list[str | None] = [None] * len(records)
        for first, second in _YEAR_PATHS:
            values = (
                [r.get(first) for r in records]
                if second is None
                else _inner(records, first, second)
            )
            if all(value is None for value in values):
                continue
            shown = self._texts(values)
            year = {t: self._pooled(school_year(t)) for t in set(shown) if t}
            years = [y if y or not t else year[t] for y, t in zip(years, shown, strict=True)]
            if all(years):
                break
        return years

    def _pooled(self, value: str | None) -> str | None:
        # One string object per distinct value: the columns hold references, not copies.
        return None if value is None else self._shared.setdefault(value, value)

    def _truncate(self, size: int) -> None:
        for column in (
            self.student, self.school, self.date, self.descriptor, self.year, self.minutes,
            self.days, self.file, self.line,
        ):  # fmt: skip
            del column[size:]


def _inner(records: list[Record], reference: str, key: str) -> list[Any]:
    """`resources.field(record, reference, key)` of each record, before its text is taken."""
    return [
        inner.get(key) if isinstance(inner := record.get(reference), dict) else None
        for record in records
    ]
