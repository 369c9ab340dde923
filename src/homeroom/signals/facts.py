"""The facts of each student the early-warning rules read, as of a date, as one Ibis expression.

Who is looked at: students with membership in the school year of D through D who are still
enrolled on D (a student who has left is on no school's watch list), one row per student and
district, counted across the district's schools the way `per="district"` metrics count them (a
date once; the school is the latest stay's). "This year" starts at the student's first
membership day in the district this year, so a student who arrives mid-year is measured from
their entry. Last year's figures are the student's whole prior year in the data (every school).

Nothing here expands stays into days: the facts come from stays placed in calendar school-day
numbers and from the absence rows (`homeroom.signals.history`), so the expression runs on
DuckDB or Spark. The rules themselves (`homeroom.signals.rules`) are conditions on these facts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.metrics.rates import at_least
from homeroom.metrics.students import student_metrics
from homeroom.signals.history import absence_days, school_year_at, year_stays, year_tables

KEYS = ("school_year", "district_id", "student_id")
STUDENT_KEY = "student_key"  # a number per row of KEYS, for fast sorts and joins
Keep = Callable[[ir.Table], ir.Table]
# Amounts that are 0, not missing, for a student with no absence row.
_ZERO = (
    "absent_units",
    "september_units",
    "monday_friday_units",
    "recent_units",
    "longest_run",
    "long_runs",
)


def months_completed(first_day: ir.DateValue, day: ir.DateValue) -> ir.IntegerValue:
    """Whole calendar months from `first_day` through `day` (a month from the 26th ends on the
    25th of the next month; from 31 January it ends on the last day of February).

    Month m is complete on `day` when `first_day` plus m months is no later than the day after
    `day`; with D' = day + 1 that is (D'.year*12 + D'.month) - (F.year*12 + F.month), less one
    when D'.day < F.day.
    """
    after = day + ibis.interval(days=1)
    months = (after.year() * 12 + after.month()) - (first_day.year() * 12 + first_day.month())
    return (months - (after.day() < first_day.day()).cast("int64")).cast("int64")


def amount_at_least(units: ir.IntegerValue, days: Fraction, units_per_day: int) -> ir.BooleanValue:
    """units >= days x units_per_day, exactly (days may be partial: 2.5)."""
    return units * days.denominator >= ibis.literal(days.numerator * units_per_day, "int64")


def pace_met(
    units: ir.IntegerValue, months: ir.IntegerValue, per_month: Fraction, units_per_day: int
) -> ir.BooleanValue:
    """Days absent >= per_month x max(1, months), exactly."""
    limit = ibis.greatest(months, 1) * ibis.literal(per_month.numerator * units_per_day, "int64")
    return units * per_month.denominator >= limit


def prior_at_least(facts: ir.Table, share: Fraction, units_per_day: int) -> ir.BooleanValue:
    """Eligible last year and last year's absence rate >= share, exactly (False: no last year)."""
    eligible = facts.prior_year_eligible.fill_null(False)
    enrolled = facts.prior_year_days_enrolled * units_per_day
    return (eligible & at_least(facts.prior_year_absent_units, enrolled, share)).fill_null(False)


def student_facts(
    tables: Tables,
    definition: Definition,
    as_of: dt.date,
    year: int | None = None,
    *,
    keep: Keep | None = None,
) -> ir.Table:
    """One row per student and district enrolled on D: this year's and last year's figures and
    the early-support start. `year` defaults to the year D belongs to.

    Amounts are exact units (`*_units`, 1/units_per_day of a day); `first_number` is the school
    day of the year (in its calendar) of the student's first membership day. `keep` may store
    an intermediate table and return it (see `homeroom.signals.flags.Scratch`), for tables used
    more than once.
    """
    return facts_and_totals(tables, definition, as_of, year, keep=keep)[0]


def facts_and_totals(
    tables: Tables,
    definition: Definition,
    as_of: dt.date,
    year: int | None = None,
    *,
    keep: Keep | None = None,
) -> tuple[ir.Table, ir.Table]:
    """student_facts, and the same students' year so far alone (`totals`: KEYS, school_id,
    days_enrolled, absent_units) from the same stored parts: with `keep` storing them, the
    totals cost one pass over the stored absence rows instead of another look at the stays."""
    keep = keep or (lambda table: table)
    if year is None:
        year = school_year_at(tables, as_of)
    thresholds = definition.signals
    upd = tables.units_per_day
    stays = keep(year_stays(tables, definition, year, as_of))
    students = keep(_students(stays, thresholds.recent_rise_school_days))

    rows = absence_days(tables, definition, year, as_of)
    ordered = keep(_in_order(rows, students, upd))
    pace = _pace_start(ordered, thresholds.pace_absences_per_month, upd)
    parts = (
        _absence_totals(ordered, thresholds.recent_rise_school_days),
        _longest_runs(ordered, thresholds.consecutive_days),
        pace,
        _days_through_pace_start(stays, students, pace),
    )
    prior = _prior_year(tables, definition, year - 1)

    # The per-student parts meet on the student's number (an integer join).
    t = students
    for other in parts:
        extra = [c for c in other.columns if c != STUDENT_KEY]
        t = t.left_join(other, STUDENT_KEY).select(t, *extra)
    t = t.left_join(prior, "student_id").select(t, *(c for c in prior.columns if c != "student_id"))
    t = t.drop(STUDENT_KEY).mutate(**{c: t[c].fill_null(0) for c in _ZERO})
    t = t.mutate(months_completed=months_completed(t.first_day, ibis.literal(as_of)))
    absent = ordered.group_by(STUDENT_KEY).aggregate(absent_units=ordered.counted.sum())
    totals = students.left_join(absent, STUDENT_KEY).select(
        *KEYS, "school_id", "days_enrolled", "absent_units"
    )
    totals = totals.mutate(absent_units=totals.absent_units.fill_null(0))
    return _with_support(t, definition, upd), totals


def _students(stays: ir.Table, window: int) -> ir.Table:
    """Per student enrolled on D: the latest stay's school and grade, days enrolled, the first
    day (and its school-day number) and membership days in the last `window` school days."""
    low = ibis.greatest(stays.first_number, stays.days_so_far - (window - 1))
    latest = stays.entry_date
    return (
        stays.group_by(KEYS)
        .aggregate(
            school_id=stays.school_id.argmax(latest),
            grade_level=stays.grade_level.argmax(latest),
            days_enrolled=stays.days_enrolled.sum(),
            first_day=stays.first_day.min(),
            first_number=stays.first_number.argmin(stays.first_day),
            recent_days_enrolled=ibis.greatest(stays.last_number - low + 1, 0).sum(),
            enrolled_now=stays.enrolled_now.any(),
        )
        .filter(lambda t: t.enrolled_now)
        .drop("enrolled_now")
        # Sorting on one integer is several times faster than on the text ids (DuckDB: 0.5 s
        # against 1.4 s for a million rows), so each student gets a number for the window.
        # Numbered in key order, so the number is the same each time the table is computed
        # (on Spark nothing is kept and each part recomputes it).
        .mutate(**{STUDENT_KEY: ibis.row_number().over(order_by=list(KEYS))})
    )


def _absence_totals(rows: ir.Table, window: int) -> ir.Table:
    """Per student: units absent in all, in September, on Mondays and Fridays, and in the last
    `window` school days (by the school-day numbers of each row's own calendar)."""

    def units_where(condition: ir.BooleanValue) -> ir.IntegerValue:
        return condition.ifelse(rows.counted, 0).cast("int64").sum()

    weekday = rows.date.day_of_week.index()  # Monday 0 .. Sunday 6
    return rows.group_by(STUDENT_KEY).aggregate(
        absent_units=rows.counted.sum(),
        september_units=units_where(rows.date.month() == 9),
        monday_friday_units=units_where(weekday.isin([0, 4])),
        recent_units=units_where(rows.day_number > rows.days_so_far - window),
    )


def _in_order(rows: ir.Table, students: ir.Table, units_per_day: int) -> ir.Table:
    """The absence rows of each student in date order, with running totals (one window pass).

    `running_units`: units absent through the row's date. `running_run_days`: rows through it
    that are half a day absent or more (the days that make up runs of consecutive absences).
    """
    keyed = students.select(*KEYS, "first_day", STUDENT_KEY)
    rows = rows.join(keyed, list(KEYS)).select(
        STUDENT_KEY, "first_day", "calendar_id", "date", "counted", "day_number", "days_so_far"
    )
    in_order = ibis.cumulative_window(group_by=rows[STUDENT_KEY], order_by=rows.date)
    run_day = (rows.counted * 2 >= units_per_day).cast("int64")
    return rows.mutate(
        run_day=run_day,
        running_units=rows.counted.sum().over(in_order),
        running_run_days=run_day.sum().over(in_order),
    )


def _longest_runs(ordered: ir.Table, run_length: int) -> ir.Table:
    """Per student: the longest run of school days absent half a day or more, its dates, and
    how many runs reach `run_length`.

    Gaps and islands: along a run of consecutive school days (in one calendar) the school-day
    number and the count of run days so far both go up by one, so their difference is constant.
    The longest run is the latest one when two are as long.
    """
    days = ordered.filter(ordered.run_day == 1)
    days = days.mutate(island=days.day_number - days.running_run_days)
    runs = days.group_by([STUDENT_KEY, "calendar_id", "island"]).aggregate(
        length=days.count(),
        run_start=days.date.min(),
        run_end=days.date.max(),
    )
    # Longest first, then latest: lengths are at most 366, so the day count since 1970 breaks
    # ties without mixing with the length.
    score = runs.length.cast("int64") * 1_000_000 + runs.run_end.epoch_days().cast("int64")
    return runs.group_by(STUDENT_KEY).aggregate(
        longest_run=runs.length.max().cast("int64"),
        longest_run_start=runs.run_start.argmax(score),
        longest_run_end=runs.run_end.argmax(score),
        long_runs=(runs.length >= run_length).cast("int64").sum(),
    )


def _pace_start(ordered: ir.Table, per_month: Fraction, units_per_day: int) -> ir.Table:
    """Per student: the date `pace` first fired this year, the units absent through it and its
    school-day number.

    Days absent only grow on absence dates and the pace limit never falls as days pass, so the
    rule first fires on the date of an absence: the first absence row whose running total meets
    the limit of its own date.
    """
    # A row can only be the first to meet the limit if its running total reaches the lowest
    # limit (one month's): most rows are left out before the month arithmetic.
    rows = ordered.filter(amount_at_least(ordered.running_units, per_month, units_per_day))
    rows = rows.mutate(months=months_completed(rows.first_day, rows.date))
    met = rows.filter(pace_met(rows.running_units, rows.months, per_month, units_per_day))
    return met.group_by(STUDENT_KEY).aggregate(
        pace_started=met.date.min(),
        pace_start_units=met.running_units.argmin(met.date),
        pace_start_number=met.day_number.argmin(met.date),
    )


def _days_through_pace_start(stays: ir.Table, students: ir.Table, pace: ir.Table) -> ir.Table:
    """Per student: membership days from the first day this year through the pace start date.

    Stays never overlap, so the start date lies in one stay (where the absence was, in the same
    calendar): whole stays before it count in full, that stay up to the date's number.
    """
    keyed = students.select(*KEYS, STUDENT_KEY).join(
        pace.select(STUDENT_KEY, "pace_started", "pace_start_number"), STUDENT_KEY
    )
    joined = stays.join(keyed, list(KEYS))
    days = ibis.cases(
        (joined.end_date < joined.pace_started, joined.days_enrolled),
        (joined.start_date > joined.pace_started, 0),
        else_=joined.pace_start_number - joined.first_number + 1,
    ).cast("int64")
    return joined.group_by(STUDENT_KEY).aggregate(pace_start_days=days.sum())


def _prior_year(tables: Tables, definition: Definition, year: int) -> ir.Table:
    """Per student: last year's days enrolled, absent units and eligibility (every school; where
    the data holds several states, the one with the most days)."""
    rows = student_metrics(year_tables(tables, [year]), definition, per="state")
    most = rows.days_enrolled
    return rows.group_by("student_id").aggregate(
        prior_year_days_enrolled=rows.days_enrolled.max().cast("int64"),
        prior_year_absent_units=rows.absent_units.argmax(most).cast("int64"),
        prior_year_eligible=rows.eligible.argmax(most),
    )


def _with_support(t: ir.Table, definition: Definition, upd: int) -> ir.Table:
    """When early support began, and the rates before and since (what `no_improvement` reads).

    Early support began with the year for a student chronically absent last year (compared
    with last year's rate), else on the day pace first fired (compared with the days before).
    """
    prior_chronic = prior_at_least(t, definition.signals.prior_year_chronic, upd)
    basis = ibis.cases(
        (prior_chronic, "last_year"),
        (t.pace_started.notnull(), "pace"),
        else_=ibis.null("string"),
    )
    from_last_year = basis == "last_year"
    return t.mutate(
        support_basis=basis,
        support_started=from_last_year.ifelse(t.first_day, t.pace_started),
        before_support_units=from_last_year.ifelse(t.prior_year_absent_units, t.pace_start_units),
        before_support_days=from_last_year.ifelse(t.prior_year_days_enrolled, t.pace_start_days),
        since_support_units=from_last_year.ifelse(
            t.absent_units, t.absent_units - t.pace_start_units
        ),
        since_support_days=from_last_year.ifelse(
            t.days_enrolled, t.days_enrolled - t.pace_start_days
        ),
    )
