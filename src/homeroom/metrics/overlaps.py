"""Students enrolled at two schools at once, counted once by the district and the state.

A student may have a home school and a part-day program on the same dates. Each school counts
its own stay; the district (or state) counts each membership date once, and that date's absence
is the largest counted absence recorded on it at any of the student's schools. Only the few
students whose stays overlap inside a unit are expanded to their membership days here;
everyone else keeps the plain sum of their per-school rows (students.roll_up).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

import ibis
import ibis.expr.types as ir

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.metrics.absences import UNIT_COLUMNS, row_amounts
from homeroom.metrics.membership import numbered_stays

# Amounts taken once a date, as the largest of the date at any school, whichever row its
# absence came from: truancy's unexcused dates, late arrivals and early departures.
_ONCE_A_DATE = (
    "unexcused_absences",
    "tardies",
    "tardy_units",
    "early_departures",
    "early_departure_units",
)


def stay_days(stay: ir.Table, calendar: ir.Table) -> ir.Table:
    """One row per membership day of each stay of `numbered_stays` (few students only)."""
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
        joined.state,
        joined.district_id,
        joined.school_id,
        joined.student_id,
        joined.grade_level,
        joined.date,
    )


def day_amounts(days: ir.Table, tables: Tables, definition: Definition) -> ir.Table:
    """Membership days with the attendance row of that school and date (0s on a day present).

    Adds `category` (None on a plain day present), `recorded_units` and every amount of
    `UNIT_COLUMNS`. The days are already within stays in scope and through the as-of date, so
    the join leaves out every other row.
    """
    rows = row_amounts(tables.attendance, definition, tables.units_per_day).drop("school_year")
    joined = days.left_join(rows, ["student_id", "school_id", "date"])
    return joined.select(
        *days.columns,
        category=joined.category,
        recorded_units=joined.recorded_units.fill_null(0),
        **{c: joined[c].fill_null(0) for c in UNIT_COLUMNS},
    )


def per_date(days: ir.Table, keys: Sequence[str]) -> ir.Table:
    """One row per student, unit (`keys`) and date, from `day_amounts` at any of its schools.

    The date's absence and its category amounts are those of its largest counted absence (ties:
    the larger recorded absence, then the first school id); an unexcused date, a late arrival
    or an early departure counts once a date, late time and early time by the date's largest.
    """
    date_keys = [days.school_year, days.student_id, *(days[k] for k in keys), days.date]
    whole_date = ibis.window(group_by=date_keys)
    ranked = ibis.window(
        group_by=date_keys,
        order_by=[ibis.desc(days.absent_units), ibis.desc(days.recorded_units), days.school_id],
    )
    marked = days.mutate(
        _rank=ibis.row_number().over(ranked),
        **{c: days[c].max().over(whole_date) for c in _ONCE_A_DATE},
    )
    return marked.filter(marked._rank == 0).drop("_rank")


def _overlapping(stay: ir.Table, keys: Sequence[str]) -> ir.Table:
    """The students (year, id, unit) with two stays at different schools sharing any date."""
    other = stay.view()
    pairs = stay.join(
        other,
        [
            stay.school_year == other.school_year,
            stay.student_id == other.student_id,
            *(stay[k].identical_to(other[k]) for k in keys),
            stay.school_id < other.school_id,
            stay.start_date <= other.end_date,
            other.start_date <= stay.end_date,
        ],
    )
    return pairs.select(stay.school_year, stay.student_id, *(stay[k] for k in keys)).distinct()


def deduplicated_units(
    tables: Tables, definition: Definition, keys: Sequence[str], as_of: dt.date | None = None
) -> ir.Table:
    """Per year, student and unit (`keys`) whose stays overlap: days enrolled over the distinct
    membership dates and every amount of `UNIT_COLUMNS` counted once a date (`per_date`)."""
    stay = numbered_stays(tables, definition, as_of)
    flagged = _overlapping(stay, keys)
    stay = stay.semi_join(
        flagged,
        [
            stay.school_year == flagged.school_year,
            stay.student_id == flagged.student_id,
            *(stay[k].identical_to(flagged[k]) for k in keys),
        ],
    )
    # Only these students' attendance rows: joined whole, the state's attendance would be the
    # hash table of the join with their few days (14 s of CPU at a million students).
    students = flagged.select("school_year", "student_id").distinct()
    attendance = tables.attendance.semi_join(
        students,
        [
            tables.attendance.school_year == students.school_year,
            tables.attendance.student_id == students.student_id,
        ],
    )
    days = day_amounts(
        stay_days(stay, tables.calendar), replace(tables, attendance=attendance), definition
    )
    dated = per_date(days, keys)
    return dated.group_by("school_year", "student_id", *keys).aggregate(
        days_enrolled=dated.count(), **{c: dated[c].sum() for c in UNIT_COLUMNS}
    )
