"""A few students' school year day by day: each membership day, its absence and the rate to date.

The district-wide formulas never expand a stay into days (see membership.py); the student page
does, for its calendar heat map and its running absence rate, but only for a handful of
students at a time. The rate, eligibility, chronic absence and tier of each day come from the
same `classify` as the student rows, fed with the amounts through that day, so the last day of
a year always agrees with the student's row as of that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

import ibis
import ibis.expr.types as ir

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.metrics.absences import CATEGORY_COLUMNS, counted_units, in_grades
from homeroom.metrics.membership import numbered_stays
from homeroom.metrics.students import classify

# A day-by-day table is one row per student-day: fine for a page, never for a district.
MAX_STUDENTS = 200
DAY_COLUMNS = (
    "school_year",
    "district_id",
    "school_id",
    "student_id",
    "grade_level",
    "date",
    # That day: the attendance row's category (None on a plain day present), the absence as
    # recorded and the part of it that counts toward days absent under the definition, both in
    # units of 1/units_per_day of a day.
    "category",
    "recorded_units",
    "counted_units",
    # Through that day, in the district (a student who moved is counted once, like per="district"):
    "days_enrolled",
    "absent_units",
    "days_absent",
    "absence_rate",
    "eligible",
    "chronically_absent",
    "tier",
)


def membership_days(
    tables: Tables,
    definition: Definition,
    student_ids: Sequence[str],
    *,
    school_year: int | None = None,
    as_of: dt.date | None = None,
) -> ir.Table:
    """One row per membership day of the students asked for (columns `DAY_COLUMNS`).

    A membership day is an instructional day of the school's calendar within a stay, the stay
    clipped by `membership.numbered_stays` (the rule days enrolled are counted by); days after
    `as_of` are left out, and so are stays in grades outside the definition's `grades`.
    """
    ids = sorted({str(s) for s in student_ids})
    if not ids:
        raise ValueError("membership_days needs at least one student id")
    if len(ids) > MAX_STUDENTS:
        raise ValueError(
            f"membership_days expands stays into days: ask for at most {MAX_STUDENTS} students"
        )
    days = _days(tables, definition, ids, school_year, as_of)
    absent = _attendance(tables, definition, ids, school_year, as_of)
    joined = days.left_join(absent, ["student_id", "school_id", "date"])
    joined = joined.select(
        *days.columns,
        category=joined.category,
        recorded_units=joined.recorded_units.fill_null(0),
        counted_units=joined.counted.fill_null(0),
        **{c: joined[c].fill_null(0) for c in CATEGORY_COLUMNS.values()},
        unexcused_date=joined.unexcused_date.fill_null(0),
    )
    # Running amounts through each day within the student's district and year: the inputs of
    # `classify`, which turns them into the rate, eligibility and tier of that day.
    window = ibis.cumulative_window(
        group_by=[joined.student_id, joined.district_id, joined.school_year],
        order_by=joined.date,
    )
    running = joined.mutate(
        days_enrolled=joined.date.count().over(window),
        absent_units=joined.counted_units.sum().over(window),
        **{c: joined[c].sum().over(window) for c in CATEGORY_COLUMNS.values()},
        unexcused_absences=joined.unexcused_date.sum().over(window),
    )
    rows = classify(running, definition, tables.units_per_day)
    return rows.select(*DAY_COLUMNS).order_by(["student_id", "date", "school_id"])


def _days(
    tables: Tables,
    definition: Definition,
    ids: list[str],
    school_year: int | None,
    as_of: dt.date | None,
) -> ir.Table:
    enrollments = tables.enrollments.filter(tables.enrollments.student_id.isin(ids))
    calendar = tables.calendar
    if school_year is not None:
        enrollments = enrollments.filter(enrollments.school_year == school_year)
        calendar = calendar.filter(calendar.school_year == school_year)
    # The stays clipped to their year and to as_of by the one membership rule (membership.py).
    stay = numbered_stays(
        replace(tables, enrollments=enrollments, calendar=calendar), definition, as_of
    )
    open_days = calendar.filter(calendar.instructional).select("calendar_id", "school_year", "date")
    joined = stay.join(
        open_days,
        [
            stay.calendar_id == open_days.calendar_id,
            stay.school_year == open_days.school_year,
            open_days.date >= stay.start_date,
            open_days.date <= stay.end_date,
        ],
    )
    return joined.select(
        joined.school_year,
        joined.district_id,
        joined.school_id,
        joined.student_id,
        joined.grade_level,
        joined.date,
    )


def _attendance(
    tables: Tables,
    definition: Definition,
    ids: list[str],
    school_year: int | None,
    as_of: dt.date | None,
) -> ir.Table:
    attendance = tables.attendance.filter(tables.attendance.student_id.isin(ids))
    if school_year is not None:
        attendance = attendance.filter(attendance.school_year == school_year)
    if as_of is not None:
        attendance = attendance.filter(attendance.date <= ibis.literal(as_of))
    if definition.grades:
        attendance = in_grades(attendance, tables.enrollments, definition.grades)
    counted = counted_units(attendance, definition, tables.units_per_day)
    per_category = {
        column: (attendance.category == category).ifelse(counted, 0).cast("int64")
        for category, column in CATEGORY_COLUMNS.items()
    }
    return attendance.select(
        "student_id",
        "school_id",
        "date",
        "category",
        recorded_units=attendance.absent_units,
        counted=counted,
        **per_category,
        # Truancy counts unexcused dates, whatever the definition counts (as absences.py does).
        unexcused_date=((attendance.category == "unexcused") & (attendance.absent_units > 0)).cast(
            "int64"
        ),
    )
