"""A student's school year so far, as the early-warning rules need it, without a row per day.

Three small tables, all Ibis expressions over `homeroom.metrics.Tables`:

- the school-day clock of each calendar as of D (`clock`): how many school days have passed;
- each stay of the year with membership through D (`year_stays`), placed in its calendar's
  school-day numbers by `homeroom.metrics.membership.numbered_stays` (the one home of the days
  enrolled formula), with the date of its first membership day and whether it is current;
- each absence row of the year through D that counts under the definition (`absence_days`),
  with its amount from `homeroom.metrics.absences.counted_units` (the partial-day rule) and its
  school-day number.

School-day numbers: in each calendar and year, an instructional date's number is how many
instructional days there have been through it (the first school day is 1). A stay's membership
days among numbers a..b are `max(0, min(b, last_number) - max(a, first_number) + 1)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import pandas as pd

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.metrics.absences import counted_units, in_grades
from homeroom.metrics.membership import calendar_day_numbers, numbered_stays


class SignalsError(ValueError):
    """A request the rules cannot answer (e.g. a date before any loaded school year)."""

    exit_code = 2


def school_year_at(tables: Tables, as_of: dt.date) -> int:
    """The school year D belongs to: the latest whose calendar has begun by D.

    A date in the summer belongs to the year just ended (the rules then look at the whole year).
    """
    calendar = tables.calendar
    year = calendar.filter(calendar.date <= ibis.literal(as_of)).school_year.max().execute()
    if year is None or pd.isna(year):
        raise SignalsError(
            f"no school year in the calendar has begun by {as_of.isoformat()}; "
            "pick a date within a loaded school year"
        )
    return int(year)


def year_tables(tables: Tables, years: Sequence[int]) -> Tables:
    """The same tables narrowed to some school years, so no other year's rows are read."""
    wanted = [int(y) for y in years]
    students = tables.students
    if tables.students_by_year:
        students = students.filter(students.school_year.isin(wanted))
    return Tables(
        schools=tables.schools,
        students=students,
        enrollments=tables.enrollments.filter(tables.enrollments.school_year.isin(wanted)),
        calendar=tables.calendar.filter(tables.calendar.school_year.isin(wanted)),
        attendance=tables.attendance.filter(tables.attendance.school_year.isin(wanted)),
        units_per_day=tables.units_per_day,
        students_by_year=tables.students_by_year,
    )


def clock(tables: Tables, as_of: dt.date) -> ir.Table:
    """Per calendar and year: school days so far through D (`days_so_far`) and in the year."""
    numbered = calendar_day_numbers(tables.calendar)
    through = (numbered.date <= ibis.literal(as_of)).ifelse(numbered.days_through, 0)
    return numbered.group_by("calendar_id", "school_year").aggregate(
        days_so_far=through.max(), days_in_year=numbered.days_through.max()
    )


def year_stays(tables: Tables, definition: Definition, year: int, as_of: dt.date) -> ir.Table:
    """The year's stays with membership through D (`numbered_stays`), with three more columns.

    `first_day`: the date of the stay's first membership day. `enrolled_now`: the stay still runs
    on D (or on the year's last day, when D is past it), so a student who has left is not on a
    school's watch list. `days_so_far`: school days through D in the stay's calendar.
    """
    one = year_tables(tables, [year])
    stay = numbered_stays(one, definition, as_of)
    numbered = calendar_day_numbers(one.calendar)
    first = numbered.filter(numbered.is_instructional == 1).select(
        calendar_id="calendar_id",
        school_year="school_year",
        first_number="days_through",
        first_day="date",
    )
    stay = stay.join(first, ["calendar_id", "school_year", "first_number"])
    stay = stay.join(clock(one, as_of), ["calendar_id", "school_year"])
    planned_end = ibis.least(stay.last_day.fill_null(stay.last_date), stay.last_date)
    return stay.mutate(
        enrolled_now=planned_end >= ibis.least(ibis.literal(as_of), stay.last_date)
    ).drop("last_day")


def absence_days(tables: Tables, definition: Definition, year: int, as_of: dt.date) -> ir.Table:
    """The year's attendance rows through D that add to days absent, with school-day numbers.

    `counted` is the row's amount under the definition (its categories and partial-day rule),
    in units of 1/units_per_day of a day; rows that add nothing are left out.
    """
    one = year_tables(tables, [year])
    attendance = one.attendance.filter(one.attendance.date <= ibis.literal(as_of))
    if definition.grades:
        attendance = in_grades(attendance, one.enrollments, definition.grades)
    attendance = attendance.mutate(
        counted=counted_units(attendance, definition, tables.units_per_day)
    ).filter(lambda t: t.counted > 0)
    schools = tables.schools.select("school_id", "district_id", "calendar_id")
    numbered = calendar_day_numbers(one.calendar).select(
        "calendar_id", "school_year", "date", day_number="days_through"
    )
    rows = attendance.join(schools, "school_id").join(
        numbered, ["calendar_id", "school_year", "date"]
    )
    rows = rows.join(clock(one, as_of), ["calendar_id", "school_year"])
    return rows.select(
        "school_year",
        "district_id",
        "school_id",
        "student_id",
        "calendar_id",
        "date",
        "category",
        "counted",
        "day_number",
        "days_so_far",
    )
