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
from homeroom.metrics.absences import UNIT_COLUMNS
from homeroom.metrics.membership import numbered_stays
from homeroom.metrics.overlaps import day_amounts, per_date, stay_days
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
    # That day at that school: the attendance row's category (None on a plain day present), the
    # absence as recorded and the part of it that counts toward days absent under the
    # definition, both in units of 1/units_per_day of a day.
    "category",
    "recorded_units",
    "counted_units",
    # Through that day, in the district (a student who moved is counted once, like
    # per="district"; a date at two schools at once is one day, its largest absence):
    "days_enrolled",
    "absent_units",
    "days_absent",
    "absence_rate",
    "eligible",
    "chronically_absent",
    "tier",
    # Late arrivals and early departures through that day (not absences; never in the rate).
    "tardies",
    "tardy_days",
    "early_departures",
    "early_departure_days",
)
_DISTRICT_DAY = ("school_year", "student_id", "district_id", "date")


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
    # Running amounts through each date within the student's district and year, each date once:
    # the inputs of `classify`, which turns them into the rate, eligibility and tier of that day.
    dated = per_date(days, ("district_id",))
    window = ibis.cumulative_window(
        group_by=[dated.student_id, dated.district_id, dated.school_year], order_by=dated.date
    )
    running = dated.select(
        *_DISTRICT_DAY,
        days_enrolled=dated.date.count().over(window),
        **{c: dated[c].sum().over(window) for c in UNIT_COLUMNS},
    )
    through = classify(running, definition, tables.units_per_day)
    school_days = days.select(*DAY_COLUMNS[:7], "recorded_units", counted_units=days.absent_units)
    through = through.select(*_DISTRICT_DAY, *DAY_COLUMNS[len(school_days.columns) :])
    joined = school_days.join(through, list(_DISTRICT_DAY))
    return joined.select(*DAY_COLUMNS).order_by(["student_id", "date", "school_id"])


def _days(
    tables: Tables,
    definition: Definition,
    ids: list[str],
    school_year: int | None,
    as_of: dt.date | None,
) -> ir.Table:
    """The students' membership days at each school with that school's attendance amounts."""
    enrollments = tables.enrollments.filter(tables.enrollments.student_id.isin(ids))
    calendar = tables.calendar
    if school_year is not None:
        enrollments = enrollments.filter(enrollments.school_year == school_year)
        calendar = calendar.filter(calendar.school_year == school_year)
    # The stays clipped to their year and to as_of by the one membership rule (membership.py).
    stay = numbered_stays(
        replace(tables, enrollments=enrollments, calendar=calendar), definition, as_of
    )
    return day_amounts(stay_days(stay, calendar), tables, definition)
