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
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation

import pandas as pd
import pyarrow as pa

from homeroom.interop.edfi.attendance import COLUMNS, NOT_ABSENT, Mapper, year_problem
from homeroom.interop.edfi.calendar import Calendars
from homeroom.interop.edfi.descriptors import Target
from homeroom.interop.edfi.event_columns import SchoolEvents
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
    dates = {shown: _iso((shown or "")[:10]) for shown in set(events.date)}
    for school, shown in set(zip(events.school, events.date, strict=True)):
        if school:
            referenced.add(school)
            day = dates[shown]
            if day:
                event_days[school].add(day)
    for student, school, file, line in zip(
        events.student, events.school, events.file, events.line, strict=True
    ):
        if school and student and (student, school) not in attended:
            attended[(student, school)] = (file, line)


def school_event_rows(
    events: SchoolEvents,
    mapper: Mapper,
    minutes: dict[str, int],
    result: ImportResult,
    calendars: Calendars,
) -> pd.DataFrame:
    """One row per event whose school year fits its date; the others are rejected."""
    keep = _placed(events, result, calendars)
    picked = (lambda column: column) if keep is None else (lambda column: [column[i] for i in keep])
    descriptors = picked(events.descriptor)
    schools = picked(events.school)
    shown_dates = picked(events.date)
    for descriptor, count in Counter(d for d in descriptors if d).items():
        mapper.count(descriptor, count)
    no_day_length: set[str] = set()
    keys = zip(descriptors, picked(events.minutes), picked(events.days), schools, strict=True)
    distinct: dict[tuple[str | None, ...], int] = {}
    which = [distinct.setdefault(key, len(distinct)) for key in keys]
    amounts = [
        _amount(mapper.target(code), given, days, school, minutes, no_day_length)
        for code, given, days, school in distinct
    ]
    category = [amounts[i][0] for i in which]
    fraction = [amounts[i][1] for i in which]
    minutes_absent = [amounts[i][2] for i in which]
    del which
    days = {shown: _day(shown) for shown in set(shown_dates)}
    columns = {
        "student_id": picked(events.student),
        "school_id": schools,
        "date": [days[shown] for shown in shown_dates],
        "category": category,
        "code": descriptors,
        "absent_fraction": fraction,
        "minutes_absent": minutes_absent,
        SOURCE_FILE: picked(events.file),
        SOURCE_LINE: picked(events.line),
    }
    if no_day_length:
        result.note(
            "attendance: events at school(s) "
            + ", ".join(sorted(no_day_length))
            + " give schoolAttendanceDuration (minutes) but the school's day length is not "
            "known; their eventDuration or the descriptor map's absent_fraction was used"
        )
    _note_weekends(Counter(columns["date"]), result)
    if not descriptors:
        return pd.DataFrame([], columns=list(COLUMNS))
    return pd.DataFrame({name: _column(values) for name, values in columns.items()})


def _column(values: list) -> list | pd.api.extensions.ExtensionArray:
    """A column of text as pandas would infer it from the list (its `str` dtype), built from
    each distinct value once; any other column is left to pandas."""
    kinds = set(map(type, values))
    if str not in kinds or not kinds <= {str, type(None)}:
        return values
    index: dict[str | None, int] = {}
    codes = [index.setdefault(value, len(index)) for value in values]
    words = pa.array(list(index), type=pa.large_string())
    return pd.array(words.take(pa.array(codes, type=pa.int32())), dtype=_TEXT)


def _placed(events: SchoolEvents, result: ImportResult, calendars: Calendars) -> list[int] | None:
    """The events to keep (None: all), rejecting those whose school year is not their date's."""
    problems: dict[tuple, str | None] = {}
    year_of = calendars.finder()
    for key in set(zip(events.year, events.school, events.date, strict=True)):
        year, school, shown = key
        problems[key] = year_problem(year, school, _day(shown), year_of)
    if not any(problems.values()):
        return None
    keep: list[int] = []
    for i, key in enumerate(zip(events.year, events.school, events.date, strict=True)):
        problem = problems[key]
        if problem:
            result.reject("attendance", events.file[i], events.line[i], "schoolYear", problem)
        else:
            keep.append(i)
    return keep


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


def _note_weekends(dates: Counter[str | None], result: ImportResult) -> None:
    weekend: dict[str, int] = defaultdict(int)
    for shown, count in dates.items():
        when = _iso(shown or "")
        if when is not None and when.weekday() >= 5:
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
