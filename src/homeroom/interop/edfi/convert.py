"""resources_to_canonical: Ed-Fi resources (from any reader) → Homeroom's canonical tables."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from homeroom.interop.edfi.attendance import Mapper, section_events
from homeroom.interop.edfi.calendar import Calendars, calendar_table
from homeroom.interop.edfi.contacts import contacts_table
from homeroom.interop.edfi.descriptors import load_descriptor_map
from homeroom.interop.edfi.enrollments import enrollments_table
from homeroom.interop.edfi.event_columns import SchoolEvents
from homeroom.interop.edfi.organizations import schools_table
from homeroom.interop.edfi.people import students_table
from homeroom.interop.edfi.resources import FEEDS, field, where
from homeroom.interop.edfi.school_rows import EventRows, seen_in_school_events
from homeroom.interop.edfi.stored_rows import store_rows, store_text_frame, worth_storing
from homeroom.interop.result import ImportResult, SourceRead, StoredTable


def resources_to_canonical(
    resources: dict[str, list[dict]],
    *,
    descriptor_map: Path | None = None,
    source_kind: str,
    calendar_from_sessions: bool = True,
    progress: Callable[[str], None] | None = None,
    result: ImportResult | None = None,
    school_events: SchoolEvents | None = None,
) -> ImportResult:
    """Canonical tables from Ed-Fi resources shaped as the ODS/API returns them.

    `resources` maps API resource names (`students`, `studentSchoolAttendanceEvents`, …) to
    records; a record may carry `_file` and `_line` (where it was read), which become the rows'
    `source_file`/`source_line`. `calendar_from_sessions=False` keeps the calendar to the listed
    CalendarDates even when they are sparse (the Analytics Middle Tier's semantics).
    `school_events`: the StudentSchoolAttendanceEvents already kept as columns (a file reader's
    cheaper form); any such records in `resources` are added after them.
    """
    step = progress or (lambda _message: None)
    result = result or ImportResult(source_kind, {})
    _note_inputs(resources, result)
    events = school_events if school_events is not None else SchoolEvents()
    events.add_records(resources.get("studentSchoolAttendanceEvents", []))
    descriptors = load_descriptor_map(descriptor_map)
    if descriptor_map is not None:
        result.note(f"descriptor map: {Path(descriptor_map).name}")
    step("Converting Ed-Fi attendance events")
    seen = _seen_in_events(resources, events)
    step("Converting Ed-Fi schools and students")
    schools, minutes = schools_table(resources, result, seen.referenced)
    students = students_table(resources, result)
    step("Converting Ed-Fi calendars")
    calendars = calendar_table(
        resources, descriptors, result, seen.event_days, from_sessions=calendar_from_sessions
    )
    step("Converting Ed-Fi enrollments")
    enrollments = enrollments_table(resources, result, calendars, seen.attended)
    # Let go of the first event of each (student, school) before the attendance rows are made:
    # a dict of 1.1 M pairs at a million students, beside the rows' arrays (docs/benchmarks.md).
    del seen
    mapper = Mapper(descriptors)
    attendance = _attendance(resources, events, mapper, minutes, result, calendars)
    codes = mapper.record(result)
    _note_unmapped(result)
    tables = {
        "schools": schools,
        "students": students,
        "enrollments": enrollments,
        "calendar": calendars.frame,
    }
    _keep(result, tables, attendance, codes, contacts_table(resources, result))
    return result


def _keep(
    result: ImportResult,
    tables: dict[str, pd.DataFrame],
    attendance: pd.DataFrame | StoredTable,
    codes: pd.DataFrame,
    contacts: pd.DataFrame | None,
) -> None:
    """The tables into `result`, in the order write_import writes (and the report lists) them."""
    if isinstance(attendance, StoredTable) and contacts is not None:
        attendance = attendance.frame()  # rare with a big import: kept simple, held
    if isinstance(attendance, StoredTable):
        stored = {"attendance": attendance}
        if not codes.empty:
            stored["codes"] = store_text_frame(codes, attendance, "codes")
        result.store({**result.tables, **tables}, stored)
        return
    result.tables.update({**tables, "attendance": attendance})
    if not codes.empty:
        result.tables["codes"] = codes
    if contacts is not None:
        result.tables["contacts"] = contacts


def _attendance(
    resources: dict[str, list[dict]],
    events: SchoolEvents,
    mapper: Mapper,
    minutes: dict[str, int],
    result: ImportResult,
    calendars: Calendars,
) -> pd.DataFrame | StoredTable:
    """School events as rows, then section events folded into days; a big table stored."""
    rows = EventRows(events, mapper, minutes, result, calendars)
    periods = section_events(resources, mapper, minutes, result, calendars)
    if worth_storing(rows, len(periods)):
        return store_rows(rows, result)
    daily = rows.frame()
    return pd.concat([f for f in (daily, periods) if not f.empty] or [daily], ignore_index=True)


@dataclass
class _Seen:
    """What the attendance events and stays name, before any table is made."""

    event_days: dict[str, set[dt.date]]  # school -> dates with events
    attended: dict[tuple[str, str], tuple[str, int | None]]  # (student, school) -> first event
    referenced: set[str]  # schools named by events or stays


def _seen_in_events(resources: dict[str, list[dict]], school_events: SchoolEvents) -> _Seen:
    events: dict[str, set[dt.date]] = defaultdict(set)
    attended: dict[tuple[str, str], tuple[str, int | None]] = {}
    referenced: set[str] = set()
    seen_in_school_events(school_events, events, attended, referenced)  # first, as they come
    for name in ("studentSectionAttendanceEvents",):
        for record in resources.get(name, []):
            school = field(record, "sectionReference", "schoolId")
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
    for record in resources.get("studentSchoolAssociations", []):
        school = field(record, "schoolReference", "schoolId")
        if school:
            referenced.add(school)
    return _Seen(dict(events), attended, referenced)


def _note_inputs(resources: dict[str, list[dict]], result: ImportResult) -> None:
    """Each resource read, and those Homeroom does not use."""
    if not result.read:
        for name, records in sorted(resources.items()):
            result.read.append(SourceRead(name, name, len(records)))
    for name in sorted(set(resources) - set(FEEDS)):
        if not name.endswith("Descriptors") and resources[name]:
            result.note(f"{name}: {len(resources[name]):,} record(s) not used by Homeroom")


def _note_unmapped(result: ImportResult) -> None:
    unmapped = [m for m in result.mappings if m.kind == "attendance descriptor" and not m.target]
    if unmapped:
        result.note(
            f"attendance: {sum(m.rows for m in unmapped):,} event(s) with "
            f"{len(unmapped)} descriptor(s) not in the descriptor map; they are passed on with "
            "the descriptor as code, so validation sets them aside as unknown codes"
        )
