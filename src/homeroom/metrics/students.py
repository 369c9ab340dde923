"""Student rows: days enrolled and absent, rate, eligibility, chronic absence, tier.

`per="school"` gives one row per student, school and year; `"district"` and `"state"` count a
student once across the schools of a district or state (validation refuses overlapping stays,
so a date is never counted twice), with the school and grade of the latest stay.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.definitions.profile import TIERS
from homeroom.metrics.absences import CATEGORY_COLUMNS, absences_per_student_school
from homeroom.metrics.membership import stays
from homeroom.metrics.rates import at_least, banded

PER_UNITS = {
    "school": ("state", "district_id", "school_id"),
    "district": ("state", "district_id"),
    "state": ("state",),
}
STUDENT_COLUMNS = (
    "school_year",
    "district_id",
    "school_id",
    "student_id",
    "grade_level",
    "days_enrolled",
    "days_absent",
    "days_excused",
    "days_unexcused",
    "days_suspended",
    "absence_rate",
    "eligible",
    "chronically_absent",
    "tier",
    "unexcused_absences",
    "truant",
)
_UNIT_COLUMNS = ("absent_units", *CATEGORY_COLUMNS.values(), "unexcused_absences")


def student_school_units(
    tables: Tables, definition: Definition, as_of: dt.date | None = None
) -> ir.Table:
    """Per student, school and year: days enrolled and absent amounts in exact units."""
    stay = stays(tables, definition, as_of)
    per_school = stay.group_by(
        "school_year", "state", "district_id", "school_id", "student_id"
    ).aggregate(
        days_enrolled=stay.days_enrolled.sum(),
        grade_level=stay.grade_level.argmax(stay.entry_date),
        latest_entry=stay.entry_date.max(),
    )
    absent = absences_per_student_school(tables, definition, as_of)
    joined = per_school.left_join(absent, ["school_year", "student_id", "school_id"])
    return joined.select(
        *(c for c in per_school.columns),
        **{c: joined[c].fill_null(0) for c in _UNIT_COLUMNS},
    )


def roll_up(units: ir.Table, per: str) -> ir.Table:
    """Per-school rows added up to the district or state, with the latest stay's school, grade."""
    if per == "school":
        return units
    keys = ("school_year", "student_id", *PER_UNITS[per])
    latest = units.latest_entry
    extra = {} if per == "district" else {"district_id": units.district_id.argmax(latest)}
    return units.group_by(*keys).aggregate(
        school_id=units.school_id.argmax(latest),
        grade_level=units.grade_level.argmax(latest),
        latest_entry=latest.max(),
        days_enrolled=units.days_enrolled.sum(),
        **extra,
        **{c: units[c].sum() for c in _UNIT_COLUMNS},
    )


def classify(units: ir.Table, definition: Definition, units_per_day: int) -> ir.Table:
    """Rate, eligibility, chronic absence, tier and truancy from exact units."""
    enrolled_units = units.days_enrolled * units_per_day
    eligible = units.days_enrolled >= definition.minimum_days_enrolled
    if definition.threshold_share is not None:
        over = at_least(units.absent_units, enrolled_units, definition.threshold_share)
    else:
        threshold = definition.threshold_days
        over = units.absent_units * threshold.denominator >= ibis.literal(
            threshold.numerator * units_per_day, "int64"
        )
    tier = banded(units.absent_units, enrolled_units, TIERS, definition.tier_cuts)
    return units.mutate(
        days_absent=units.absent_units / units_per_day,
        days_excused=units.excused_units / units_per_day,
        days_unexcused=units.unexcused_units / units_per_day,
        days_suspended=units.suspended_units / units_per_day,
        absence_rate=units.absent_units / enrolled_units,
        eligible=eligible,
        chronically_absent=eligible & over,
        tier=eligible.ifelse(tier, ibis.null("string")),
        truant=units.unexcused_absences >= definition.truancy_threshold,
    )


def student_metrics(
    tables: Tables,
    definition: Definition,
    *,
    per: str = "school",
    as_of: dt.date | None = None,
    units: ir.Table | None = None,
) -> ir.Table:
    """The student-level metrics, one row per student and school (or district, or state).

    `units` may be a stored `student_school_units` for the same tables, definition and date, so
    several requests share the one pass over attendance.
    """
    if per not in PER_UNITS:
        raise ValueError(f"per must be one of {', '.join(PER_UNITS)}; got {per!r}")
    if units is None:
        units = student_school_units(tables, definition, as_of)
    units = roll_up(units, per)
    rows = classify(units, definition, tables.units_per_day)
    return rows.select(*STUDENT_COLUMNS[:1], "state", *STUDENT_COLUMNS[1:], "absent_units")
