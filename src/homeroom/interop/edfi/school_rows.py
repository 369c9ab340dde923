"""StudentSchoolAttendanceEvents (as `SchoolEvents` columns) → attendance rows.

A district's events repeat a few hundred dates, a few descriptors and durations at a few hundred
schools, so every decision (is the school year right for the date, which category, how much of
the day) is made once per distinct value and the rows only look it up. The rules are those of
`attendance` (see there): a row keeps its descriptor as `code`; the absent amount is
`schoolAttendanceDuration` minutes where the school's day length is known, else `eventDuration`
days, else the map's absent_fraction; present and remote-present events are never absences.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from homeroom.interop.edfi.attendance import COLUMNS, NOT_ABSENT, Mapper, year_problem
from homeroom.interop.edfi.calendar import Calendars
from homeroom.interop.edfi.descriptors import Target
from homeroom.interop.edfi.event_columns import NO_LINE, Column, SchoolEvents
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult

Attended = dict[tuple[str, str], tuple[str, int | None]]
_TEXT = pd.Series(["text"]).dtype  # the dtype pandas gives a list of strings
_Amount = tuple[str | None, str | None, str | None]  # category, absent_fraction, minutes_absent


def seen_in_school_events(
    events: SchoolEvents,
    event_days: dict[str, set[dt.date]],
    attended: Attended,
    referenced: set[str],
) -> None:
    """Add the schools, dates and first (student, school) events the events name."""
    schools, dates = events.school.words, events.date.words
    _which, (school_codes, date_codes) = _distinct(events.school.array(), events.date.array())
    for school, shown in zip(school_codes.tolist(), date_codes.tolist(), strict=True):
        if schools[school]:
            referenced.add(schools[school])
            day = _iso((dates[shown] or "")[:10])
            if day:
                event_days[schools[school]].add(day)
    students = events.student.words
    first = _first_of(events.student.array(), events.school.array())
    files, lines = events.file.array(), events.lines()
    for i in first.tolist():
        pair = (students[events.student.codes[i]], schools[events.school.codes[i]])
        if pair[0] and pair[1] and pair not in attended:
            attended[pair] = (events.file.words[files[i]] or "", _line(lines[i]))  # type: ignore[index]


def school_event_rows(
    events: SchoolEvents,
    mapper: Mapper,
    minutes: dict[str, int],
    result: ImportResult,
    calendars: Calendars,
) -> pd.DataFrame:
    """One row per event whose school year fits its date; the others are rejected."""
    return EventRows(events, mapper, minutes, result, calendars).frame()


class EventRows:
    """The attendance rows of the events, decided once per distinct value; `columns` gives
    any run of them (all at once for a frame, in batches for a stored table)."""

    def __init__(
        self,
        events: SchoolEvents,
        mapper: Mapper,
        minutes: dict[str, int],
        result: ImportResult,
        calendars: Calendars,
    ) -> None:
        self.events = events
        keep = self.keep = _placed(events, result, calendars)
        self.descriptors = self.picked(events.descriptor)
        counts = np.bincount(self.descriptors, minlength=len(events.descriptor.words))
        for descriptor, count in zip(events.descriptor.words, counts.tolist(), strict=True):
            if descriptor and count:
                mapper.count(descriptor, count)
        no_day_length: set[str] = set()
        self.schools = self.picked(events.school)
        columns = (self.descriptors, self.picked(events.minutes), self.picked(events.days))
        self.which, uniques = _distinct(*columns, self.schools)
        self.amounts = [
            _amount(mapper.target(code), given, days, school, minutes, no_day_length)
            for code, given, days, school in _combinations(
                (events.descriptor, events.minutes, events.days, events.school), uniques
            )
        ]
        self.dates = self.picked(events.date)
        self.students, self.files = self.picked(events.student), self.picked(events.file)
        self.days = [_day(shown) for shown in events.date.words]
        lines = events.lines()
        self.lines = lines if keep is None else lines[keep]
        if no_day_length:
            result.note(
                "attendance: events at school(s) "
                + ", ".join(sorted(no_day_length))
                + " give schoolAttendanceDuration (minutes) but the school's day length is not "
                "known; their eventDuration or the descriptor map's absent_fraction was used"
            )
        _note_weekends(self.days, np.bincount(self.dates, minlength=len(self.days)), result)

    def frame(self) -> pd.DataFrame:
        if not len(self):
            return pd.DataFrame([], columns=list(COLUMNS))
        return pd.DataFrame(self.columns(0, len(self)))

    def picked(self, column: Column) -> np.ndarray:
        return column.array() if self.keep is None else column.array()[self.keep]

    def __len__(self) -> int:
        return len(self.descriptors)

    def columns(self, start: int, stop: int) -> dict[str, Any]:
        """Rows start..stop as the frame's columns (see `_text`, `_lines`)."""
        events, which = self.events, self.which[start:stop]
        return {
            "student_id": _text(events.student.words, self.students[start:stop]),
            "school_id": _text(events.school.words, self.schools[start:stop]),
            "date": _text(self.days, self.dates[start:stop]),
            "category": _text([a[0] for a in self.amounts], which),
            "code": _text(events.descriptor.words, self.descriptors[start:stop]),
            "absent_fraction": _text([a[1] for a in self.amounts], which),
            "minutes_absent": _text([a[2] for a in self.amounts], which),
            SOURCE_FILE: _text(events.file.words, self.files[start:stop]),
            SOURCE_LINE: _lines(self.lines[start:stop]),
        }


def _distinct(*columns: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """For each row, the number of its distinct combination of codes; and each combination."""
    rows = len(columns[0])
    sizes = [int(column.max(initial=0)) + 1 for column in columns]
    if np.prod(np.array(sizes, dtype=np.float64)) > 4 * rows + 4_000_000:
        return _distinct_by_sorting(columns)
    combinations = int(np.prod(sizes))
    # Four bytes a row where the numbers fit: the event columns are tens of millions of rows.
    kind: type[np.signedinteger] = np.int32 if max(combinations, rows) < 2**31 else np.int64
    key = np.zeros(rows, dtype=kind)
    for column, size in zip(columns, sizes, strict=True):
        key *= size  # in place: no second key of 80 MB at 20 M rows
        key += column
    # Few possible combinations (the usual case): counted in a table, no sort needed.
    first = np.full(combinations, rows, dtype=kind)
    np.minimum.at(first, key, np.arange(rows, dtype=kind))
    found = first < rows
    number = (np.cumsum(found) - 1).astype(kind)
    firsts = first[found]
    return number[key], [column[firsts] for column in columns]


def _distinct_by_sorting(columns: tuple[np.ndarray, ...]) -> tuple[np.ndarray, list[np.ndarray]]:
    key = np.zeros(len(columns[0]), dtype=np.int64)
    first = key
    for column in columns:
        # Renumbered after each column, so the key stays below rows x (largest code + 1).
        key *= int(column.max(initial=0)) + 1  # in place, as in `_distinct`
        key += column
        _values, first, key = np.unique(key, return_index=True, return_inverse=True)
    return key.reshape(-1), [column[first] for column in columns]


def _combinations(
    columns: tuple[Column, ...], uniques: list[np.ndarray]
) -> Iterator[tuple[str | None, ...]]:
    """The texts of each combination `_distinct` found."""
    texts = [[c.words[code] for code in u.tolist()] for c, u in zip(columns, uniques, strict=True)]
    return zip(*texts, strict=True)


def _first_of(*columns: np.ndarray) -> np.ndarray:
    """The row where each distinct combination of codes first appears, in row order."""
    which, _uniques = _distinct(*columns)
    first = np.full(int(which.max(initial=-1)) + 1, len(which), dtype=np.int64)
    np.minimum.at(first, which, np.arange(len(which), dtype=np.int64))
    return np.sort(first)


def _text(words: list[str | None], codes: np.ndarray) -> pd.api.extensions.ExtensionArray | list:
    """A text column as pandas infers it from the list of texts: its `str` dtype, or object
    when every value is missing."""
    if all(words[code] is None for code in np.unique(codes).tolist()):
        return [None] * len(codes)
    table = pa.array(words, type=pa.large_string())
    return pd.array(table.take(pa.array(codes, type=pa.int32())), dtype=_TEXT)


def _lines(lines: np.ndarray) -> np.ndarray | list:
    """Line numbers as pandas infers them from the list (ints; floats with NaN; all None)."""
    missing = lines == NO_LINE
    if not missing.any():
        return lines.astype(np.int64)  # a copy, in the eight bytes pandas gives a list of ints
    if missing.all():
        return [None] * len(lines)
    return np.where(missing, np.nan, lines.astype(np.float64))


def _line(value: int) -> int | None:
    return None if value == NO_LINE else int(value)


def _placed(events: SchoolEvents, result: ImportResult, calendars: Calendars) -> np.ndarray | None:
    """The events to keep (None: all), rejecting those whose school year is not their date's."""
    columns = (events.year, events.school, events.date)
    which, uniques = _distinct(*(c.array() for c in columns))
    year_of = calendars.finder()
    problems = [
        year_problem(year, school, _day(shown), year_of)
        for year, school, shown in zip(
            *(
                [c.words[code] for code in u.tolist()]
                for c, u in zip(columns, uniques, strict=True)
            ),
            strict=True,
        )
    ]
    if not any(problems):
        return None
    bad = np.array([bool(p) for p in problems])[which]
    lines = events.lines()
    for i in np.flatnonzero(bad).tolist():
        file = events.file.words[events.file.codes[i]] or ""
        result.reject("attendance", file, _line(lines[i]), "schoolYear", problems[which[i]] or "")
    return np.flatnonzero(~bad)


def _amount(
    target: Target | None,
    duration: str | None,
    days: str | None,
    school: str | None,
    minutes: dict[str, int],
    missing: set[str],
) -> _Amount:
    if target is None:
        return None, None, None
    if target.category in NOT_ABSENT:
        return target.category, "0", None
    if duration is not None:
        if school in minutes:
            return target.category, None, duration
        missing.add(str(school))
    if days is not None:
        try:
            return target.category, format(Decimal(days).normalize(), "f"), None
        except InvalidOperation:
            return target.category, days, None  # validation names the bad value
    return target.category, target.absent_fraction, None


def _note_weekends(days: list[str | None], counts: np.ndarray, result: ImportResult) -> None:
    weekend: dict[str, int] = defaultdict(int)
    for shown, count in zip(days, counts.tolist(), strict=True):
        when = _iso(shown or "")
        if count and when is not None and when.weekday() >= 5:
            weekend[f"{when.isoformat()} ({when:%A})"] += count
    for day, count in sorted(weekend.items()):
        result.note(
            f"attendance: {count} event(s) dated {day}, a weekend day; passed on, so validation "
            "sets them aside unless the calendar makes that day instructional"
        )


def _iso(shown: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(shown)
    except ValueError:
        return None


def _day(shown: str | None) -> str | None:
    """The date part of an eventDate (`attendance._day` of text already taken)."""
    return shown[:10] if shown and len(shown) >= 10 and shown[4] == "-" else shown
