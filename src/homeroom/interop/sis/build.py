"""Apply a preset to a SIS's export files: recognise each file, map its columns and values, and
assemble the canonical tables (DESIGN.md section 4), with every row traced to its source line.

What the exports do not give is derived and said so in the result's assumptions: the students
and schools from the stays when no file lists them, a school's `day_minutes` from the
attendance file's day lengths, the school year from the entry date, the calendar from weekdays.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from homeroom.contract.errors import ContractError
from homeroom.contract.schema import TABLES
from homeroom.interop.result import ImportResult
from homeroom.interop.sis import fastpath, people
from homeroom.interop.sis.attendance import attendance_rows, codes_table, stored_attendance
from homeroom.interop.sis.calendar import calendar_rows, derived_calendar
from homeroom.interop.sis.contacts import contacts
from homeroom.interop.sis.matching import TRACE, Assembly, Matched, frames, match_table
from homeroom.interop.sis.preset import Preset
from homeroom.interop.sis.reading import read_source


def build(
    preset: Preset, files: list[Path], progress: Callable[[str], None] | None = None
) -> ImportResult:
    step = progress or (lambda _message: None)
    result = ImportResult(f"{preset.name} export (SIS preset {preset.source})", {})
    if preset.description:
        result.note(preset.description)
    if not files:
        raise ContractError("no SIS export files given")
    matched: list[Matched] = []
    planned = fastpath.plan(files, preset)
    work = fastpath.start(result) if any(planned.scans) else None
    try:
        for path, scan in zip(files, planned.scans, strict=True):
            step(f"Reading {path.name}")
            fast = (
                fastpath.read(work, scan, preset, result, planned.fold) if work and scan else None
            )
            if fast is not None:
                matched.append(fast)
                continue
            for table in read_source(Path(path)):
                matched.append(match_table(table, preset, result))
        by_feed: dict[str, list[Matched]] = {}
        for m in matched:
            for feed in m.spec.feeds:
                by_feed.setdefault(feed, []).append(m)
        step("Mapping the columns and values")
        return assemble(Assembly(preset, result, by_feed, work=work))
    finally:
        if work is not None:
            work.close()


def assemble(ctx: Assembly) -> ImportResult:
    tables: dict[str, pd.DataFrame] = {}
    ctx.refs = ctx.student_refs()
    enrollments = [people.enrollments(ctx)] if "enrollments" in ctx.by_feed else []
    attendance_parts: list[pd.DataFrame] = []
    calendar_parts: list[pd.DataFrame] = []
    totals_students: list[str] = []
    if "totals" in ctx.by_feed:
        from homeroom.interop.sis.totals import totals_to_canonical

        frame = ctx.resolve_students(frames(ctx.by_feed["totals"], "totals"), "attendance")
        placed = totals_to_canonical(frame, ctx.preset, ctx.result)
        enrollments.append(placed.enrollments)
        attendance_parts.append(placed.attendance)
        calendar_parts.append(placed.calendar)
        totals_students = placed.enrollments["student_id"].dropna().tolist()
    stays = pd.concat(enrollments, ignore_index=True) if enrollments else pd.DataFrame()
    schools = people.schools(ctx, stays)
    stored = stored_attendance(ctx, schools) if not attendance_parts else None
    if stored is not None:
        attendance_parts.append(stored[0])  # its schools and dates; the rows are stored
    elif "attendance" in ctx.by_feed:
        attendance_parts.append(attendance_rows(ctx, schools))
        if stays.empty:
            stays = people.stays_from_attendance(ctx, attendance_parts[-1])
    attendance = (
        pd.concat(attendance_parts, ignore_index=True)
        if attendance_parts
        else pd.DataFrame(columns=["student_id", "school_id", "date", "category", *TRACE])
    )
    attendance.attrs = attendance_parts[-1].attrs if attendance_parts else {}
    schools = people.schools(ctx, stays, attendance)
    tables["schools"] = schools
    tables["students"] = people.students(ctx, stays, totals_students)
    tables["enrollments"] = (
        stays if not stays.empty else pd.DataFrame(columns=list(TABLES["enrollments"].names))
    )
    if "calendar" in ctx.by_feed:
        calendar_parts.append(calendar_rows(ctx))
    if not calendar_parts or all(p.empty for p in calendar_parts):
        calendar_parts.append(derived_calendar(ctx, stays, attendance, schools))
    tables["calendar"] = pd.concat(calendar_parts, ignore_index=True)
    if stored is None:
        tables["attendance"] = attendance
    codes = codes_table(ctx, attendance)
    if codes is not None:
        tables["codes"] = codes
    if "contacts" in ctx.by_feed:
        tables["contacts"] = contacts(ctx)
    if ctx.serials:
        ctx.result.note(
            f"{ctx.serials:,} dates were Excel date serials (days since 1899-12-30) and "
            "were read as dates"
        )
    ctx.result.store(tables, {"attendance": stored[1]} if stored is not None else {})
    return ctx.result
