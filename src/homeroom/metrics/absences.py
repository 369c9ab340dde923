"""Days absent: the absent amount of each attendance row, summed per student and school.

Amounts stay exact integers (units of 1/units_per_day of a day). Under the half-day rule a
row is a whole day when half or more of it was missed, and nothing otherwise.

Late arrivals and early departures are counted apart (`TIME_MISSED_COLUMNS`): how many, and the
time they missed as recorded. They are not absences in any shipped definition and never enter
the chronic rate; a definition that lists them in `absence_categories` also adds that time to
days absent, as it always did.
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
# Time missed that is not an absence: category -> (count column, units column).
TIME_MISSED_COLUMNS = {
    "tardy": ("tardies", "tardy_units"),
    "early_departure": ("early_departures", "early_departure_units"),
}
# Every amount a student row adds up, in exact integers.
UNIT_COLUMNS = (
    "absent_units",
    *CATEGORY_COLUMNS.values(),
    "unexcused_absences",
    *(column for pair in TIME_MISSED_COLUMNS.values() for column in pair),
)


def counted_amount(units: ir.IntegerValue, definition: Definition, units_per_day: int) -> ir.Value:
    """A row's absence as days absent count it, were its category one that counts."""
    if definition.partial_days == "half_day":
        return (units * 2 >= units_per_day).ifelse(units_per_day, 0).cast("int64")
    return units


def counted_units(attendance: ir.Table, definition: Definition, units_per_day: int) -> ir.Value:
    """The absence a row adds to days absent (0 when its category does not count)."""
    units = counted_amount(attendance.absent_units, definition, units_per_day)
    counts = attendance.category.isin(definition.absence_categories)
    return (counts.cast("int64") * units).cast("int64")


def row_amounts(attendance: ir.Table, definition: Definition, units_per_day: int) -> ir.Table:
    """Each attendance row with what it adds to every amount of `UNIT_COLUMNS`.

    Besides the keys, `category` and `recorded_units` (the absence as recorded), `absent_units`
    is the part that counts under the definition.

    Each amount is a 0-or-1 flag of the row's category times its units: the same numbers as
    "units when the category is X, else 0" (a validated row always has a category), without a
    branch per row and amount. On a state's 117 million rows DuckDB spent 4.0 CPU-seconds on
    the branches and spends 1.8 on the flags.
    """
    category = attendance.category
    recorded = attendance.absent_units
    counted = counted_units(attendance, definition, units_per_day)
    is_ = {
        name: (category == name).cast("int64") for name in (*CATEGORY_COLUMNS, *TIME_MISSED_COLUMNS)
    }
    counted_base = counted_amount(recorded, definition, units_per_day)
    per_category = {
        column: is_[name] * counted_base
        if name in definition.absence_categories
        else ibis.literal(0, "int64")
        for name, column in CATEGORY_COLUMNS.items()
    }
    time_missed = {}
    for name, (count, units) in TIME_MISSED_COLUMNS.items():
        time_missed[count] = is_[name]
        time_missed[units] = is_[name] * recorded
    return attendance.select(
        "school_year",
        "student_id",
        "school_id",
        "date",
        "category",
        recorded_units=recorded,
        absent_units=counted,
        **per_category,
        # Truancy is its own legal count: unexcused dates, whatever the definition counts.
        unexcused_absences=is_["unexcused"] * (recorded > 0).cast("int64"),
        **time_missed,
    )


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


def attendance_in_scope(
    tables: Tables, definition: Definition, as_of: dt.date | None = None
) -> ir.Table:
    """The attendance rows that can count: through `as_of`, within stays in the grades."""
    attendance = tables.attendance
    if as_of is not None:
        attendance = attendance.filter(attendance.date <= ibis.literal(as_of))
    if definition.grades:
        attendance = in_grades(attendance, tables.enrollments, definition.grades)
    return attendance


def absences_per_student_school(
    tables: Tables, definition: Definition, as_of: dt.date | None = None
) -> ir.Table:
    """Per student, school and year: every amount of `UNIT_COLUMNS`."""
    attendance = attendance_in_scope(tables, definition, as_of)
    rows = row_amounts(attendance, definition, tables.units_per_day)
    return rows.group_by("school_year", "student_id", "school_id").aggregate(
        **{column: rows[column].sum() for column in UNIT_COLUMNS}
    )
