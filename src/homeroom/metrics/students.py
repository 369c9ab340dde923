"""Student rows: days enrolled and absent, rate, eligibility, chronic absence, tier.

`per="school"` gives one row per student, school and year; `"district"` and `"state"` count a
student once across the schools of a district or state, with the school and grade of the
latest stay. Stays at two schools on the same dates (a home school and a part-day program) are
counted once a date there (overlaps.py); every other student's school rows are simply added.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.definitions.profile import TIERS
from homeroom.metrics.absences import TIME_MISSED_COLUMNS, UNIT_COLUMNS, absences_per_student_school
from homeroom.metrics.membership import stays
from homeroom.metrics.overlaps import deduplicated_units
from homeroom.metrics.rates import banded, meets_threshold

PER_UNITS = {
    "school": ("state", "district_id", "school_id"),
    "district": ("state", "district_id"),
    "state": ("state",),
}
STUDENT_COLUMNS = (
    "school_year",
    "school_year_label",
    "district_id",
    "school_id",
    "school_name",
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
    # Not absences, never in the rate: late arrivals and early departures, and the time they
    # missed in days (docs/metrics.md, "Late arrivals and early departures").
    "tardies",
    "tardy_days",
    "early_departures",
    "early_departure_days",
)


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
        **{c: joined[c].fill_null(0) for c in UNIT_COLUMNS},
    )


# Days since 1970 are multiplied by this to leave room for a school's place among all schools.
_SCHOOLS_ROOM = 10**7


def latest_school_key(units: ir.Table, schools: ir.Table) -> ir.Table:
    """`units` with `_latest`: larger for a later entry, then for a later school id.

    The latest entry; two schools entered the same day (a part-day program): the last school id,
    so every engine picks the same one. One integer, the entry's day number and the school's
    place in school id order, orders as the text "entry date, school id" did without building
    that text for each of a state's 6.7 million rows (its roll-up to the district: 5.9 s with
    the text, 4.0 s with the integer, in a one-off timing).
    """
    place = schools.select(
        _school="school_id", _place=ibis.dense_rank().over(order_by=schools.school_id)
    )
    joined = units.join(place, units.school_id == place._school)
    key = joined.latest_entry.epoch_days().cast("int64") * _SCHOOLS_ROOM + joined._place
    return joined.select(*units.columns, _latest=key)


def roll_up(
    units: ir.Table,
    per: str,
    schools: ir.Table,
    overlaps: ir.Table | None = None,
    *,
    stored: bool = False,
) -> ir.Table:
    """Per-school rows added up to the district or state, with the latest stay's school, grade.

    `schools`: the schools every row of `units` is at (`latest_school_key`).
    `overlaps`: `overlaps.deduplicated_units` for the same unit; its students' days and amounts
    replace the plain sums (without it, overlapping stays would count a date twice).

    `stored`: `units` is a stored table (a session's), read three times below. Most students
    have one row in their district or state, which is already their roll-up: only the others are
    grouped. Grouping every row with its thirteen amounts and three latest values took 7.7 and
    11.3 CPU-s at the district and the state of 6 million students, and spilled; counting the
    rows per student is a narrow group-by (one-off profile). Over an expression, not a table,
    DuckDB would make the pass over attendance once for each read: everything is grouped then.
    """
    if per == "school":
        return units
    keys = ("school_year", "student_id", *PER_UNITS[per])
    if not stored:
        return _grouped(units, keys, schools, overlaps)
    counted = units.group_by(*keys).aggregate(_rows=units.count())
    several = counted.filter(counted._rows > 1).drop("_rows")
    same_student = [units[k].identical_to(several[k]) for k in keys]
    alone = units.anti_join(several, same_student)
    rolled = _grouped(units.semi_join(several, same_student), keys, schools, overlaps)
    # A student's only row holds every column of the grouped rows, by the same names.
    return alone.select(*rolled.columns).union(rolled, distinct=False)


def _grouped(
    units: ir.Table, keys: tuple[str, ...], schools: ir.Table, overlaps: ir.Table | None
) -> ir.Table:
    """Every row of `units` grouped by `keys`: the sums, the latest stay's school and grade.

    The overlaps' students have rows at two schools of the unit, so they are always grouped.
    """
    units = latest_school_key(units, schools)
    latest = units._latest
    extra = {} if "district_id" in keys else {"district_id": units.district_id.argmax(latest)}
    rolled = units.group_by(*keys).aggregate(
        school_id=units.school_id.argmax(latest),
        grade_level=units.grade_level.argmax(latest),
        latest_entry=units.latest_entry.max(),
        days_enrolled=units.days_enrolled.sum(),
        **extra,
        **{c: units[c].sum() for c in UNIT_COLUMNS},
    )
    if overlaps is None:
        return rolled
    amounts = ("days_enrolled", *UNIT_COLUMNS)
    once = overlaps.select(
        **{f"_key{i}": overlaps[k] for i, k in enumerate(keys)},
        **{f"_once_{c}": overlaps[c] for c in amounts},
    )
    joined = rolled.left_join(
        once, [rolled[k].identical_to(once[f"_key{i}"]) for i, k in enumerate(keys)]
    )
    return joined.select(
        *(joined[c] for c in rolled.columns if c not in amounts),
        **{c: joined[f"_once_{c}"].fill_null(joined[c]) for c in amounts},
    )


def rolled_units(
    tables: Tables,
    definition: Definition,
    per: str,
    as_of: dt.date | None = None,
    units: ir.Table | None = None,
) -> ir.Table:
    """The amounts of `student_school_units` per school, district or state, each date once.

    `units` may be a stored `student_school_units` for the same tables, definition and date
    (a table, not an expression: see `roll_up`).
    """
    if per not in PER_UNITS:
        raise ValueError(f"per must be one of {', '.join(PER_UNITS)}; got {per!r}")
    stored = units is not None
    if units is None:
        units = student_school_units(tables, definition, as_of)
    if per == "school":
        return units
    overlaps = deduplicated_units(tables, definition, PER_UNITS[per], as_of)
    return roll_up(units, per, tables.schools, overlaps, stored=stored)


def classify(units: ir.Table, definition: Definition, units_per_day: int) -> ir.Table:
    """Rate, eligibility, chronic absence, tier and truancy from exact units."""
    enrolled_units = units.days_enrolled * units_per_day
    eligible = units.days_enrolled >= definition.minimum_days_enrolled
    over = meets_threshold(units.absent_units, units.days_enrolled, definition, units_per_day)
    tier = banded(units.absent_units, enrolled_units, TIERS, definition.tier_cuts)
    time_missed = {
        units_column.replace("_units", "_days"): units[units_column] / units_per_day
        for _, units_column in TIME_MISSED_COLUMNS.values()
    }
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
        **time_missed,
    )


def with_labels(rows: ir.Table, tables: Tables) -> ir.Table:
    """The school's name and the year as people write it (2025 is `2024-25`)."""
    names = tables.schools.select(_school="school_id", school_name="school_name")
    joined = rows.left_join(names, rows.school_id == names._school)
    year = joined.school_year
    label = (year - 1).cast("string") + "-" + (year % 100).cast("string").lpad(2, "0")
    return joined.drop("_school").mutate(school_year_label=label)


def student_metrics(
    tables: Tables,
    definition: Definition,
    *,
    per: str = "school",
    as_of: dt.date | None = None,
    units: ir.Table | None = None,
    rolled: ir.Table | None = None,
) -> ir.Table:
    """The student-level metrics, one row per student and school (or district, or state).

    `units` may be a stored `student_school_units` for the same tables, definition and date, so
    several requests share the one pass over attendance; `rolled` a stored `rolled_units` for
    `per` too, so several requests per district share its roll-up.
    """
    units = rolled if rolled is not None else rolled_units(tables, definition, per, as_of, units)
    rows = with_labels(classify(units, definition, tables.units_per_day), tables)
    return rows.select(*STUDENT_COLUMNS[:1], "state", *STUDENT_COLUMNS[1:], "absent_units")
