"""attendance: school attendance events as they are; section (period) events folded into days.

A StudentSchoolAttendanceEvent becomes one row (made in `school_rows`, from the events kept as
columns by `event_columns`): its attendance event category descriptor mapped through the
descriptor map to a category (the row keeps the descriptor as its `code`, and a
`codes` table lists every mapped descriptor, so validation names any unmapped one as an unknown
code). The absent amount: `schoolAttendanceDuration` (minutes) when the school's day length is
known, else `eventDuration` (days), else the map's absent_fraction; a present or remote-present
event is never an absence, whatever its duration.

Several events of one student and date (Ed-Fi allows an Excused Absence and a Partial on the same
day) are passed on as they are: validation keeps the larger absence and reports the other as a
duplicate naming the kept line — the rule `homeroom load` applies to any dataset.

StudentSectionAttendanceEvents are folded per student, school and date by
`homeroom.interop.daily` (one period per section; the periods scheduled are the student's
sections that day from StudentSectionAssociations, else the sections with events that day).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pandas as pd

from homeroom.interop.daily import daily_attendance
from homeroom.interop.edfi.calendar import Calendars
from homeroom.interop.edfi.descriptors import ATTENDANCE, DescriptorMap, Target
from homeroom.interop.edfi.resources import (
    Record,
    Resources,
    field,
    record_school_year,
    text,
    where,
)
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult, Mapping

COLUMNS = (
    "student_id", "school_id", "date", "category", "code", "absent_fraction", "minutes_absent",
    SOURCE_FILE, SOURCE_LINE,
)  # fmt: skip
NOT_ABSENT = ("present", "remote_present")


class Mapper:
    """Descriptor → map target, counting every use for the import's account."""

    def __init__(self, descriptors: DescriptorMap):
        self.descriptors = descriptors
        self.used: dict[str, list] = {}

    def __call__(self, descriptor: str | None) -> Target | None:
        if not descriptor:
            return None
        self.count(descriptor, 1)
        return self.target(descriptor)

    def target(self, descriptor: str | None) -> Target | None:
        """The map's target, without counting a use."""
        return self.descriptors.lookup(ATTENDANCE, descriptor) if descriptor else None

    def count(self, descriptor: str, uses: int) -> None:
        entry = self.used.setdefault(descriptor, [self.target(descriptor), 0])
        entry[1] += uses

    def record(self, result: ImportResult) -> pd.DataFrame:
        """Mappings into the result; the codes table of the mapped descriptors."""
        codes = []
        for descriptor, (target, count) in sorted(self.used.items()):
            result.mappings.append(
                Mapping(ATTENDANCE, descriptor, target.category if target else "", count)
            )
            if target is not None:
                codes.append(
                    {
                        "code": descriptor,
                        "category": target.category,
                        "absent_fraction": target.absent_fraction,
                    }
                )
        return pd.DataFrame(codes, columns=["code", "category", "absent_fraction"])


def wrong_year(
    record: Record, school: str | None, day: str | None, calendars: Calendars
) -> str | None:
    """Why an event whose school year disagrees with its date's calendar cannot be placed.

    Ed-Fi events name their school year (through the session or section); Homeroom places a
    row in the year of the calendar its date falls in. When the two disagree (an event of
    2010-11 dated in May 2012) the event is rejected rather than moved to another year, as
    the Analytics Middle Tier also leaves it out.
    """
    return year_problem(record_school_year(record), school, day, calendars.year_of)


def year_problem(
    given: str | None,
    school: str | None,
    day: str | None,
    year_of: Callable[[str, dt.date], str | None],
) -> str | None:
    """`wrong_year` once the event's school year is known (`year_of`: `Calendars.year_of`)."""
    try:
        date = dt.date.fromisoformat(day or "")
    except ValueError:
        return None
    found = year_of(school, date) if school else None
    if given and found and given != found:
        return (
            f"the event names school year {given} but {date.isoformat()} lies in school "
            f"{school}'s {found} calendar; the event was left out"
        )
    return None


def section_events(
    resources: Resources,
    mapper: Mapper,
    minutes: dict[str, int],
    result: ImportResult,
    calendars: Calendars,
) -> pd.DataFrame:
    events = resources.get("studentSectionAttendanceEvents", [])
    if not events:
        return pd.DataFrame(columns=list(COLUMNS))
    schedule = _schedules(resources)
    frame = pd.DataFrame(_section_rows(events, mapper, result, calendars))
    if frame.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    with_events = frame.groupby(["student_id", "school_id", "date"], dropna=False)[
        "period"
    ].transform("nunique")
    scheduled = [
        _scheduled(schedule, s, sc, d, fallback)
        for s, sc, d, fallback in zip(
            frame["student_id"], frame["school_id"], frame["date"], with_events, strict=True
        )
    ]
    guessed = sum(1 for count, _ in scheduled if count is None)
    frame["periods_scheduled"] = [str(max(count or 0, fallback)) for (count, fallback) in scheduled]
    if guessed:
        result.assume(
            f"{guessed} section attendance event(s) fall on days with no StudentSection"
            "Association for the student: the periods scheduled that day were taken to be the "
            "sections with events that day"
        )
    folded = daily_attendance(frame, school_day_minutes=minutes)
    folded.apply_to(result)
    result.note(
        f"attendance: {folded.rows_in:,} section attendance events folded into "
        f"{len(folded.attendance):,} daily rows (one period per section)"
    )
    daily = folded.attendance.copy()
    daily["code"] = None
    return daily.reindex(columns=list(COLUMNS))


def _section_rows(
    events: list[Record], mapper: Mapper, result: ImportResult, calendars: Calendars
) -> list[dict[str, Any]]:
    """One row per section attendance event that can be folded; the rest rejected."""
    rows: list[dict[str, Any]] = []
    for record in events:
        file, line = where(record)
        descriptor = text(record.get("attendanceEventCategoryDescriptor"))
        target = mapper(descriptor)
        student = field(record, "studentReference", "studentUniqueId")
        school = field(record, "sectionReference", "schoolId")
        day = _day(record.get("eventDate"))
        problem = wrong_year(record, school, day, calendars)
        if problem:
            result.reject("attendance", file, line, "schoolYear", problem)
            continue
        if target is None:
            result.reject(
                "attendance",
                file,
                line,
                "attendanceEventCategoryDescriptor",
                f"section attendance descriptor {descriptor!r} is not mapped; add it to the "
                "descriptor map (--descriptor-map) so the day can be folded",
            )
            continue
        rows.append(
            {
                "student_id": student,
                "school_id": school,
                "date": day,
                "category": target.category,
                "period": _section_key(record),
                SOURCE_FILE: file,
                SOURCE_LINE: line,
            }
        )
    return rows


def _section_key(record: Record) -> str:
    reference = record.get("sectionReference") or {}
    return "|".join(
        str(reference.get(k, ""))
        for k in ("localCourseCode", "sectionIdentifier", "sessionName", "schoolYear")
    )


def _schedules(resources: Resources) -> dict[tuple[str, str], list[tuple]]:
    out: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for record in resources.get("studentSectionAssociations", []):
        student = field(record, "studentReference", "studentUniqueId")
        school = field(record, "sectionReference", "schoolId")
        if student and school:
            out[(student, school)].append(
                (_section_key(record), _day(record.get("beginDate")), _day(record.get("endDate")))
            )
    return out


def _scheduled(
    schedule: dict, student: str | None, school: str | None, day: str | None, fallback: int
) -> tuple[int | None, int]:
    sections = schedule.get((student, school))
    if not sections or not day:
        return None, fallback
    active = {key for key, begin, end in sections if (begin or day) <= day <= (end or day)}
    return (len(active) or None), fallback


def _day(value: object) -> str | None:
    shown = text(value)
    return shown[:10] if shown and len(shown) >= 10 and shown[4] == "-" else shown
