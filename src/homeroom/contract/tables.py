"""The inputs of every formula: the validated canonical tables as engine-neutral Ibis tables."""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir


@dataclass(frozen=True)
class Tables:
    """Validated tables (see `homeroom.contract.schema.VALIDATED`) on one backend.

    `units_per_day` is how many integer units make one day in `attendance.absent_units`.
    `students_by_year` is true when the students table has a row per student and school year.
    """

    schools: ir.Table
    students: ir.Table
    enrollments: ir.Table
    calendar: ir.Table
    attendance: ir.Table
    units_per_day: int
    students_by_year: bool = False
