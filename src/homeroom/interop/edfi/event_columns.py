"""StudentSchoolAttendanceEvents kept as columns of the few fields Homeroom reads.

Most of an Ed-Fi export is attendance events (nine in ten records of a district). Kept as the
API's dicts they cost ~2.6 KB each; here an event is a 4-byte code in each column standing for
one of the column's distinct texts (schools, dates, descriptors, years, even students repeat),
about 40 bytes an event. Every field is taken exactly as `resources.field`/`text` take it from a
record, so the converter gives the same rows whichever reader the events came from.

The fields are taken a batch of events at a time, a column at a time, and each distinct value is
turned into text once: per event only a dict lookup per field remains.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from homeroom.interop.edfi.json_fast import NotOneItemPerLine, items_by_line
from homeroom.interop.edfi.resources import Record, school_year, text, where

BATCH = 1_000  # events parsed before their fields are taken: few, so their memory is reused
_NUMBERS = {int, float, bool}
NO_LINE = -1  # in `SchoolEvents.line`: the source gives no line (XML, the API)
_SHORT_MAX = 2**15 - 1  # the largest code two bytes hold
_LINE_MAX = 2**31 - 1  # the largest line four bytes hold; beyond it lines take eight

# Where an event may name its school year, in the order `resources.record_school_year` looks.
_YEAR_PATHS = (
    ("schoolYearTypeReference", "schoolYear"),
    ("schoolYear", None),
    ("sessionReference", "schoolYear"),
    ("calendarReference", "schoolYear"),
    ("sectionReference", "schoolYear"),
)


class Column:
    """One field of the events: a code per event, and the distinct texts the codes stand for.

    Codes take two bytes while the column has fewer than 32,768 distinct texts (schools, dates,
    descriptors, files: all but the students) and four from then on: at a million students the
    events' columns are 19.5 M rows, and the narrow codes save ~0.27 GB (docs/benchmarks.md).
    """

    def __init__(self) -> None:
        self.codes = array("h")
        self.words: list[str | None] = []
        self._index: dict[str | None, int] = {}

    def code(self, word: str | None) -> int:
        found = self._index.get(word)
        if found is None:
            found = self._index[word] = len(self.words)
            self.words.append(word)
            if found == _SHORT_MAX + 1 and self.codes.typecode == "h":
                self.codes = array("i", self.codes)
        return found

    def extend(self, codes: list[int]) -> None:
        """Add codes made by `code` (whose widening the codes must see first: not a bound
        `self.codes.extend` taken before them)."""
        self.codes.extend(codes)

    def array(self) -> np.ndarray:
        """The codes, in two or four bytes each (see the class)."""
        kind = np.int16 if self.codes.typecode == "h" else np.int32
        return np.frombuffer(self.codes, dtype=kind) if self.codes else np.zeros(0, kind)

    def values(self) -> list[str | None]:
        """The column as texts, one per event."""
        return [self.words[code] for code in self.codes]


@dataclass
class SchoolEvents:
    """The events in the order read; `line` is -1 where the source has no lines (XML)."""

    student: Column = field(default_factory=Column)
    school: Column = field(default_factory=Column)
    date: Column = field(default_factory=Column)  # eventDate as text
    descriptor: Column = field(default_factory=Column)
    year: Column = field(default_factory=Column)  # the school year the event names
    minutes: Column = field(default_factory=Column)  # schoolAttendanceDuration
    days: Column = field(default_factory=Column)  # eventDuration
    file: Column = field(default_factory=Column)
    line: array = field(default_factory=lambda: array("i"))  # see `add_lines`

    def __len__(self) -> int:
        return len(self.line)

    def lines(self) -> np.ndarray:
        """The line of each event (NO_LINE where none), in four bytes each or eight."""
        kind = np.int32 if self.line.typecode == "i" else np.int64
        return np.frombuffer(self.line, dtype=kind) if self.line else np.zeros(0, kind)

    def add_lines(self, lines: list[int | None]) -> None:
        values = [NO_LINE if line is None else line for line in lines]
        if self.line.typecode == "i" and values and max(values) > _LINE_MAX:
            self.line = array("q", self.line)  # a file of over two billion lines
        self.line.extend(values)

    def columns(self) -> tuple[Column, ...]:
        return (
            self.student, self.school, self.date, self.descriptor, self.year, self.minutes,
            self.days, self.file,
        )  # fmt: skip

    def add_records(self, records: list[Record]) -> None:
        """Events as any reader gives them (dicts with `_file`/`_line`)."""
        for start in range(0, len(records), BATCH):
            batch = records[start : start + BATCH]
            places = [where(record) for record in batch]
            self.add(batch, [file for file, _ in places], [line for _, line in places])

    def read_file(self, path: Path) -> int | None:
        """Add a JSON array of one event per line; None (nothing added) for any other file."""
        start = len(self)
        batch: list[Record] = []
        lines: list[int | None] = []
        try:
            for record, line in items_by_line(path):
                batch.append(record)
                lines.append(line)
                if len(batch) == BATCH:
                    self.add(batch, [path.name] * len(batch), lines)
                    batch, lines = [], []
        except (NotOneItemPerLine, OSError):
            self._truncate(start)
            return None
        self.add(batch, [path.name] * len(batch), lines)
        return len(self) - start

    def add(self, records: list[Record], files: list[str], lines: list[int | None]) -> None:
        """A batch of events, with the file and line of each."""
        _coded(self.student, _inner(records, "studentReference", "studentUniqueId"))
        _coded(self.school, _inner(records, "schoolReference", "schoolId"))
        _coded(self.date, [r.get("eventDate") for r in records])
        _coded(self.descriptor, [r.get("attendanceEventCategoryDescriptor") for r in records])
        self.year.extend([self.year.code(year) for year in _years(records)])
        _coded(self.minutes, [r.get("schoolAttendanceDuration") for r in records])
        _coded(self.days, [r.get("eventDuration") for r in records])
        self.file.extend([self.file.code(file) for file in files])  # as given, not text
        self.add_lines(lines)

    def _truncate(self, size: int) -> None:
        for column in self.columns():
            del column.codes[size:]
        del self.line[size:]


def _coded(column: Column, values: list[Any]) -> None:
    """Add `resources.text` of each value to the column, each distinct value worked out once
    unless dict keys would mix values whose text differs (True == 1) or cannot be keys."""
    kinds = set(map(type, values))
    if bool in kinds and len(kinds & _NUMBERS) > 1 or not kinds <= {str, type(None), *_NUMBERS}:
        column.extend([column.code(text(value)) for value in values])
        return
    once = {value: column.code(text(value)) for value in set(values)}
    column.extend([once[value] for value in values])


def _years(records: list[Record]) -> list[str | None]:
    """`resources.record_school_year` of each event: the first place that names one."""
    years: list[str | None] = [None] * len(records)
    for first, second in _YEAR_PATHS:
        values = (
            [r.get(first) for r in records] if second is None else _inner(records, first, second)
        )
        if all(value is None for value in values):
            continue
        kinds = set(map(type, values))
        if bool in kinds and len(kinds & _NUMBERS) > 1 or not kinds <= {str, type(None), *_NUMBERS}:
            shown = [text(value) for value in values]
        else:
            once = {value: text(value) for value in set(values)}
            shown = [once[value] for value in values]
        year = {t: school_year(t) for t in set(shown) if t}
        years = [y if y or not t else year[t] for y, t in zip(years, shown, strict=True)]
        if all(years):
            break
    return years


def _inner(records: list[Record], reference: str, key: str) -> list[Any]:
    """`resources.field(record, reference, key)` of each record, before its text is taken."""
    return [
        inner.get(key) if isinstance(inner := record.get(reference), dict) else None
        for record in records
    ]
