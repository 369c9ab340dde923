"""The per-record conversion of StudentSchoolAttendanceEvents as it was before the events were
kept as columns (`event_columns` + `school_rows`): the reference the faster path must equal.

Copied from `attendance.school_events` and `convert._seen_in_events` (school events part) of
commit 9c716e6, unchanged but for names.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal, InvalidOperation

import pandas as pd

from homeroom.interop.edfi.attendance import COLUMNS, NOT_ABSENT, Mapper, wrong_year
from homeroom.interop.edfi.calendar import Calendars
from homeroom.interop.edfi.resources import Record, field, text, where
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult


def reference_seen(records: list[Record]) -> tuple[dict, dict, set]:
    events: dict[str, set[dt.date]] = defaultdict(set)
    attended: dict[tuple[str, str], tuple[str, int | None]] = {}
    referenced: set[str] = set()
    for record in records:
        school = field(record, "schoolReference", "schoolId")
        student = field(record, "studentReference", "studentUniqueId")
        try:
            day = dt.date.fromisoformat((field(record, "eventDate") or "")[:10])
        except ValueError:
            day = None
        if school:
            referenced.add(school)
            if day:
                events[school].add(day)
        if school and student:
            attended.setdefault((student, school), where(record))
    return dict(events), attended, referenced


def reference_rows(
    records: list[Record],
    mapper: Mapper,
    minutes: dict[str, int],
    result: ImportResult,
    calendars: Calendars,
) -> pd.DataFrame:
    rows: list[dict] = []
    no_day_length: set[str] = set()
    for record in records:
        file, line = where(record)
        problem = wrong_year(
            record,
            field(record, "schoolReference", "schoolId"),
            _day(record.get("eventDate")),
            calendars,
        )
        if problem:
            result.reject("attendance", file, line, "schoolYear", problem)
            continue
        descriptor = text(record.get("attendanceEventCategoryDescriptor"))
        target = mapper(descriptor)
        school = field(record, "schoolReference", "schoolId")
        row = {
            "student_id": field(record, "studentReference", "studentUniqueId"),
            "school_id": school,
            "date": _day(record.get("eventDate")),
            "category": target.category if target else None,
            "code": descriptor,
            "absent_fraction": None,
            "minutes_absent": None,
            SOURCE_FILE: file,
            SOURCE_LINE: line,
        }
        if target is not None and target.category not in NOT_ABSENT:
            _amount(record, row, target.absent_fraction, minutes, no_day_length)
        elif target is not None:
            row["absent_fraction"] = "0"
        rows.append(row)
    if no_day_length:
        result.note(
            "attendance: events at school(s) "
            + ", ".join(sorted(no_day_length))
            + " give schoolAttendanceDuration (minutes) but the school's day length is not "
            "known; their eventDuration or the descriptor map's absent_fraction was used"
        )
    _note_sundays(rows, result)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _amount(
    record: Record, row: dict, default: str | None, minutes: dict[str, int], missing: set[str]
) -> None:
    duration = text(record.get("schoolAttendanceDuration"))
    school = row["school_id"]
    if duration is not None:
        if school in minutes:
            row["minutes_absent"] = duration
            return
        missing.add(str(school))
    days = text(record.get("eventDuration"))
    if days is not None:
        try:
            row["absent_fraction"] = format(Decimal(days).normalize(), "f")
        except InvalidOperation:
            row["absent_fraction"] = days
        return
    row["absent_fraction"] = default


def _note_sundays(rows: list[dict], result: ImportResult) -> None:
    weekend: dict[str, int] = defaultdict(int)
    for row in rows:
        try:
            when = dt.date.fromisoformat(row["date"] or "")
        except ValueError:
            continue
        if when.weekday() >= 5:
            weekend[f"{when.isoformat()} ({when:%A})"] += 1
    for day, count in sorted(weekend.items()):
        result.note(
            f"attendance: {count} event(s) dated {day}, a weekend day; passed on, so validation "
            "sets them aside unless the calendar makes that day instructional"
        )


def _day(value: object) -> str | None:
    shown = text(value)
    return shown[:10] if shown and len(shown) >= 10 and shown[4] == "-" else shown
