"""The day each student crossed the line: first chronically absent so far this year.

Waiting for the line is the strategy the evaluation compares early warning with, and the lead
time of every strategy is counted to this day. It is worked out exactly from the stays and the
absence rows (`homeroom.signals.history`), never from a row per student-day.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.metrics.membership import calendar_day_numbers, numbered_stays
from homeroom.metrics.rates import meets_threshold
from homeroom.signals.history import absence_days, year_tables

KEYS = ["school_year", "district_id", "student_id"]
# Where the day came from, so that on one date an absence counts before eligibility is checked.
_ABSENCE, _ELIGIBLE = 0, 1


def crossing_days(tables: Tables, definition: Definition, year: int) -> ir.Table:
    """Per student and district: the first date the student was chronically absent so far.

    That is the first day on which the student is eligible (days enrolled >= the minimum) and
    days absent through the day meet the threshold of days enrolled through the day. Days absent
    only grow on absence dates and eligibility starts on one day, so the first such day is an
    absence date or the day the student became eligible; those candidates are checked, each
    with membership days through it from the stays' school-day numbers (no row per day).
    Columns: school_year, district_id, student_id, crossed_on, crossed_number (its school-day
    number in the calendar of the school where it happened), and settled_on, settled_number: the
    day they crossed the line to stay (from it through the year's end they were over the line
    every day).

    The settled day is the candidate day after the last day the student was under the line
    (not yet eligible, or below the threshold). Between two absence dates the rate only falls,
    so the lowest point of each stretch is the day before an absence date: a candidate's
    `under_before` checks that day (one fewer membership day, without the candidate's own
    absence), and the last candidate with `under_before` is the settled day.
    """
    one = year_tables(tables, [year])
    stays = numbered_stays(one, definition)
    numbered = calendar_day_numbers(one.calendar)
    last = dt.date(year + 1, 12, 31)
    absences = absence_days(tables, definition, year, last).select(
        *KEYS,
        "calendar_id",
        "date",
        "day_number",
        counted=ibis._.counted.cast("int64"),
        kind=ibis.literal(_ABSENCE, "int64"),
    )
    candidates = absences.union(_eligible_on(stays, numbered, definition))
    order = ibis.cumulative_window(
        group_by=[candidates[k] for k in KEYS], order_by=[candidates.date, candidates.kind]
    )
    candidates = candidates.mutate(units=candidates.counted.sum().over(order))
    per = _enrolled_through(candidates, stays, numbered)
    minimum = definition.minimum_days_enrolled
    upd = tables.units_per_day
    over = (per.enrolled >= minimum) & _at_the_line(per.units, per.enrolled, definition, upd)
    before = per.enrolled - 1
    over_before = (before >= minimum) & _at_the_line(
        per.units - per.counted, before, definition, upd
    )
    per = per.mutate(over=over, under_before=~over_before)
    crossed = (
        per.filter(per.over)
        .group_by(KEYS)
        .aggregate(crossed_on=per.date.min(), crossed_number=per.day_number.argmin(per.date))
    )
    under = per.filter(per.under_before)
    settled = under.group_by(KEYS).aggregate(
        settled_on=under.date.max(), settled_number=under.day_number.argmax(under.date)
    )
    return crossed.join(settled, KEYS).select(
        *KEYS, "crossed_on", "crossed_number", "settled_on", "settled_number"
    )


def _eligible_on(stays: ir.Table, numbered: ir.Table, definition: Definition) -> ir.Table:
    """Per student: the date of the minimum-th membership day, in the stay where the running
    count of days enrolled reaches it."""
    minimum = max(definition.minimum_days_enrolled, 1)
    running = ibis.cumulative_window(group_by=[stays[k] for k in KEYS], order_by=stays.start_date)
    counted = stays.mutate(through=stays.days_enrolled.sum().over(running))
    counted = counted.mutate(before=counted.through - counted.days_enrolled)
    hit = counted.filter((counted.before < minimum) & (counted.through >= minimum))
    hit = hit.mutate(day_number=hit.first_number + (minimum - hit.before) - 1)
    school_days = numbered.filter(numbered.is_instructional == 1).select(
        calendar_id="calendar_id", school_year="school_year", day_number="days_through", date="date"
    )
    return hit.join(school_days, ["calendar_id", "school_year", "day_number"]).select(
        *KEYS,
        "calendar_id",
        "date",
        "day_number",
        counted=ibis.literal(0, "int64"),
        kind=ibis.literal(_ELIGIBLE, "int64"),
    )


def _enrolled_through(candidates: ir.Table, stays: ir.Table, numbered: ir.Table) -> ir.Table:
    """Each candidate day with the student's membership days through it (`enrolled`): whole
    stays before the day, the stay it falls in up to its school-day number."""
    spans = stays.select(
        *KEYS,
        stay_calendar="calendar_id",
        stay_start="start_date",
        stay_end="end_date",
        stay_first="first_number",
        stay_days="days_enrolled",
    )
    through = numbered.select(
        stay_calendar="calendar_id", school_year="school_year", date="date", through="days_through"
    )
    joined = candidates.join(spans, KEYS)
    joined = joined.left_join(through, ["stay_calendar", "school_year", "date"]).select(
        joined, "through"
    )
    days = ibis.cases(
        (joined.date > joined.stay_end, joined.stay_days),
        (joined.date < joined.stay_start, 0),
        else_=joined.through - joined.stay_first + 1,
    ).cast("int64")
    keys = [*KEYS, "date", "kind", "calendar_id", "day_number", "units", "counted"]
    return joined.group_by(keys).aggregate(enrolled=days.sum())


def _at_the_line(
    units: ir.IntegerValue, enrolled: ir.IntegerValue, definition: Definition, upd: int
) -> ir.BooleanValue:
    """Days absent (in units) at the definition's threshold of the days enrolled, exactly."""
    return meets_threshold(units, enrolled, definition, upd)


def on_the_line(frame: pd.DataFrame, definition: Definition, units_per_day: int) -> np.ndarray:
    """Chronically absent so far (eligible, and days absent at the threshold), exactly, from a
    features frame's `absent_units` and `days_enrolled`."""
    units = frame["absent_units"].astype("int64").to_numpy().astype(object)
    days = frame["days_enrolled"].astype("int64").to_numpy().astype(object)
    eligible = frame["days_enrolled"].to_numpy() >= definition.minimum_days_enrolled
    over = meets_threshold(units, days, definition, units_per_day)
    return eligible & np.asarray(over, dtype=bool)
