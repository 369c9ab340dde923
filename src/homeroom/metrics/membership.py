"""Days enrolled: membership days counted from calendar day numbers, never day by day.

A stay's days are `days_through(end) - days_through(start) + instructional(start)` where
`days_through(d)` is the number of instructional days of the calendar year up to and including
d. The calendar is dense (every date from its first to its last), so both ends are found with
plain equality joins, which every engine runs well.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition


def calendar_day_numbers(calendar: ir.Table) -> ir.Table:
    """Each calendar date with the count of instructional days through it."""
    running = ibis.cumulative_window(
        group_by=[calendar.calendar_id, calendar.school_year], order_by=calendar.date
    )
    return calendar.mutate(
        days_through=calendar.instructional.cast("int64").sum().over(running),
        is_instructional=calendar.instructional.cast("int64"),
    )


def numbered_stays(
    tables: Tables, definition: Definition, as_of: dt.date | None = None
) -> ir.Table:
    """One row per stay with membership days as of `as_of`, placed in its calendar.

    Besides the columns of `stays`: `calendar_id`, the year's `first_date` and `last_date`,
    `start_date` and `end_date` (the stay clipped to the year and to `as_of`; either may be a
    non-instructional date), `last_day` as loaded, and the school-day numbers of the stay's first
    and last membership day (`first_number`, `last_number`: the n-th instructional day of the
    calendar's year), so `days_enrolled = last_number - first_number + 1`, and the membership
    days among school-day numbers a..b are
    `max(0, min(b, last_number) - max(a, first_number) + 1)`.
    """
    stay = _clipped(tables, definition, as_of)
    numbered = calendar_day_numbers(tables.calendar)
    at_start = numbered.select(
        calendar_id="calendar_id",
        school_year="school_year",
        start_date="date",
        through_start="days_through",
        instructional_start="is_instructional",
    )
    at_end = numbered.select(
        calendar_id="calendar_id",
        school_year="school_year",
        end_date="date",
        through_end="days_through",
    )
    # Left joins, so the engine probes the two small day-number tables with each stay: as inner
    # joins DuckDB joined the day numbers to each other first (every pair of dates of a
    # calendar, 70 million rows at a state). A stay whose date is not found gets no day count
    # and is dropped by the filter below, as the inner join dropped it.
    keys = ("calendar_id", "school_year")
    stay = stay.left_join(at_start, [*keys, "start_date"]).select(
        *stay.columns, "through_start", "instructional_start"
    )
    stay = stay.left_join(at_end, [*keys, "end_date"]).select(*stay.columns, "through_end")
    stay = stay.mutate(
        days_enrolled=stay.through_end - stay.through_start + stay.instructional_start,
        first_number=stay.through_start - stay.instructional_start + 1,
        last_number=stay.through_end,
    )
    return stay.filter(stay.days_enrolled > 0).select(
        "school_year",
        "state",
        "district_id",
        "school_id",
        "student_id",
        "grade_level",
        "entry_date",
        "days_enrolled",
        "calendar_id",
        "first_date",
        "last_date",
        "start_date",
        "end_date",
        "last_day",
        "first_number",
        "last_number",
    )


def _clipped(tables: Tables, definition: Definition, as_of: dt.date | None) -> ir.Table:
    """The stays in the grades, in their calendar, clipped to their year and to `as_of`."""
    enrollments = tables.enrollments
    if definition.grades:
        enrollments = enrollments.filter(enrollments.grade_level.isin(definition.grades))
    schools = tables.schools.select("school_id", "district_id", "state", "calendar_id")
    calendar = tables.calendar
    bounds = calendar.group_by("calendar_id", "school_year").aggregate(
        first_date=calendar.date.min(), last_date=calendar.date.max()
    )
    stay = enrollments.join(schools, "school_id").join(bounds, ["calendar_id", "school_year"])
    end = ibis.least(stay.last_day.fill_null(stay.last_date), stay.last_date)
    if as_of is not None:
        end = ibis.least(end, ibis.literal(as_of))
    return stay.mutate(
        start_date=ibis.greatest(stay.entry_date, stay.first_date), end_date=end
    ).filter(lambda t: t.start_date <= t.end_date)


def stays(tables: Tables, definition: Definition, as_of: dt.date | None = None) -> ir.Table:
    """One row per stay with its membership days as of `as_of` (stays with none are dropped)."""
    return numbered_stays(tables, definition, as_of).select(
        "school_year",
        "state",
        "district_id",
        "school_id",
        "student_id",
        "grade_level",
        "entry_date",
        "days_enrolled",
    )
