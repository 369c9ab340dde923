"""Days absent: the absent amount of each attendance row, summed per student and school.

Amounts stay exact integers (units of 1/units_per_day of a day). Under the half-day rule a
row is a whole day when half or more of it was missed, and nothing otherwise.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition

# The category columns of the student rows, in the district's words.
CATEGORY_COLUMNS = {
    "excused": "excused_units",
    "unexcused": "unexcused_units",
    "suspension": "suspended_units",
}


def counted_units(attendance: ir.Table, definition: Definition, units_per_day: int) -> ir.Value:
    """The absence a row adds to days absent (0 when its category does not count)."""
    units = attendance.absent_units
    if definition.partial_days == "half_day":
        units = (units * 2 >= units_per_day).ifelse(units_per_day, 0)
    counts = attendance.category.isin(definition.absence_categories)
    return counts.ifelse(units, 0).cast("int64")


def in_grades(attendance: ir.Table, enrollments: ir.Table, grades: tuple[str, ...]) -> ir.Table:
    """Only the rows dated within a stay in one of `grades`.

    A student can change grade at the same school (a stay in grade 8, then one in grade 9); the
    stay out of scope is left out of days enrolled, so its absences must be left out too, or
    they would be charged to the other stay's days.
    """
    stays = enrollments.filter(enrollments.grade_level.isin(grades))
    return attendance.semi_join(
        stays,
        [
            attendance.student_id == stays.student_id,
            attendance.school_id == stays.school_id,
            attendance.school_year == stays.school_year,
            attendance.date >= stays.entry_date,
            stays.last_day.isnull() | (attendance.date <= stays.last_day),
        ],
    )


def absences_per_student_school(
    tables: Tables, definition: Definition, as_of: dt.date | None = None
) -> ir.Table:
    """Per student, school and year: absent units in all and by category, unexcused dates."""
    attendance = tables.attendance
    if as_of is not None:
        attendance = attendance.filter(attendance.date <= ibis.literal(as_of))
    if definition.grades:
        attendance = in_grades(attendance, tables.enrollments, definition.grades)
    attendance = attendance.mutate(
        counted=counted_units(attendance, definition, tables.units_per_day)
    )
    per_category = {
        column: (attendance.category == category).ifelse(attendance.counted, 0).cast("int64").sum()
        for category, column in CATEGORY_COLUMNS.items()
    }
    return attendance.group_by("school_year", "student_id", "school_id").aggregate(
        absent_units=attendance.counted.sum(),
        **per_category,
        # Truancy is its own legal count: unexcused dates, whatever the definition counts.
        unexcused_absences=((attendance.category == "unexcused") & (attendance.absent_units > 0))
        .cast("int64")
        .sum(),
    )
