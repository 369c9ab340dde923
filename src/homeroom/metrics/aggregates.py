"""School, district and state aggregates, optionally by grade and student group.

Every count comes from the student rows of the matching unit: school aggregates from per-school
rows (a student who moved counts in each school), district ones from per-district rows.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.definitions.profile import SCHOOL_LEVELS, TIERS
from homeroom.metrics.rates import banded

LEVEL_KEYS = {
    "school": ("district_id", "school_id"),
    "district": ("district_id",),
    "state": ("state",),
}
# The student rows each level is counted from.
LEVEL_PER = {"school": "school", "district": "district", "state": "state"}
AGGREGATE_COLUMNS = (
    "students_enrolled",
    "students_eligible",
    "chronically_absent_count",
    "chronic_absence_rate",
    *(f"{tier}_count" for tier in TIERS),
    "ada",
    "level",
    "prior_chronic_absence_rate",
    "chronic_absence_rate_change",
)


def with_groups(rows: ir.Table, tables: Tables, by: tuple[str, ...]) -> ir.Table:
    """Attach the student-group columns asked for (grade_level is already on the rows)."""
    wanted = [c for c in by if c not in rows.columns]
    if not wanted:
        return rows
    students = tables.students
    missing = [c for c in wanted if c not in students.columns]
    if missing:
        raise ValueError(f"no such student column to group by: {', '.join(missing)}")
    keys = ["student_id", "school_year"] if tables.students_by_year else ["student_id"]
    groups = students.select(*keys, *wanted)
    return rows.left_join(groups, keys).select(*rows.columns, *wanted)


def aggregate(
    rows: ir.Table,
    tables: Tables,
    definition: Definition,
    *,
    level: str,
    by: tuple[str, ...] = (),
) -> ir.Table:
    """Counts, rates, tiers, ADA and the unit's level; with the prior year's rate beside it."""
    if level not in LEVEL_KEYS:
        raise ValueError(f"level must be one of {', '.join(LEVEL_KEYS)}; got {level!r}")
    rows = with_groups(rows, tables, by)
    keys = ("school_year", *LEVEL_KEYS[level], *by)
    tier_counts = {
        f"{tier}_count": (rows.tier == tier).fill_null(False).cast("int64").sum() for tier in TIERS
    }
    counted = rows.group_by(*keys).aggregate(
        students_enrolled=rows.count(),
        students_eligible=rows.eligible.cast("int64").sum(),
        chronically_absent_count=rows.chronically_absent.cast("int64").sum(),
        **tier_counts,
        days_enrolled_total=rows.days_enrolled.sum(),
        absent_units_total=rows.absent_units.sum(),
    )
    eligible = counted.students_eligible
    has_eligible = eligible > 0
    level_name = banded(
        counted.chronically_absent_count, eligible, SCHOOL_LEVELS, definition.level_cuts
    )
    units_per_day = tables.units_per_day
    enrolled_units = counted.days_enrolled_total * units_per_day
    counted = counted.mutate(
        chronic_absence_rate=has_eligible.ifelse(
            counted.chronically_absent_count / eligible, ibis.null("float64")
        ),
        ada=(enrolled_units - counted.absent_units_total) / enrolled_units,
        level=has_eligible.ifelse(level_name, ibis.null("string")),
    )
    return _with_prior_year(counted, keys)


def _with_prior_year(counted: ir.Table, keys: tuple[str, ...]) -> ir.Table:
    unit_keys = [k for k in keys if k != "school_year"]
    prior = counted.select(
        *unit_keys,
        school_year=counted.school_year + 1,
        prior_chronic_absence_rate=counted.chronic_absence_rate,
    )
    # Null-safe: a group whose value is missing (a student with no race_ethnicity, say) is a
    # group like any other and must find its own prior year; plain equality never matches NULL.
    joined = counted.left_join(prior, [counted[k].identical_to(prior[k]) for k in keys])
    joined = joined.select(
        *(counted[k] for k in keys),
        *(counted[c] for c in AGGREGATE_COLUMNS if c in counted.columns),
        prior_chronic_absence_rate=prior.prior_chronic_absence_rate,
    )
    joined = joined.mutate(
        chronic_absence_rate_change=joined.chronic_absence_rate - joined.prior_chronic_absence_rate
    )
    return joined.select(*keys, *AGGREGATE_COLUMNS).order_by(list(keys))
