"""What the early-warning model sees of a student as of a date: attendance, enrollment, grade.

One row per student and district with membership in the school year through the as-of date D.
Everything is worked out from stays (calendar day numbers at their first and last membership
day), absence rows and the calendar, as Ibis expressions, so it runs on any engine and never
makes one row per student-day.

The inputs are attendance, enrollment and grade history only. No column of the students table
(race, sex, programme flags, language) is read here: `PROTECTED` lists them and the tests assert
none is a feature.

School-day numbers: in each calendar and year, an instructional date's number is how many
instructional days there have been through it (the first school day is 1). "The last 20 school
days" as of D are the numbers N-19..N where N is the number of D (or of the last school day
before it) in the calendar of the school where the row belongs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from homeroom.contract.schema import STUDENT_GROUP_COLUMNS
from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.metrics.absences import CATEGORY_COLUMNS
from homeroom.metrics.students import classify, rolled_units
from homeroom.signals.history import absence_days, school_year_at, year_stays, year_tables

# Columns of the students table that describe who a student is, not what they did: never inputs.
PROTECTED = frozenset({*STUDENT_GROUP_COLUMNS, "first_name", "last_name", "birth_date"})

RECENT_WINDOWS = (10, 20)  # school days


@dataclass(frozen=True)
class Feature:
    name: str
    words: str  # what it is, for the docs and the report


# The model's inputs, in order. Days are school days; rates are shares 0..1.
FEATURES: tuple[Feature, ...] = (
    Feature("days_enrolled", "membership days so far this year"),
    Feature("days_absent", "days absent so far this year (every category the definition counts)"),
    Feature("days_excused", "excused days absent so far"),
    Feature("days_unexcused", "unexcused days absent so far"),
    Feature("days_suspended", "days of out-of-school suspension so far"),
    Feature("absence_rate", "days absent / days enrolled so far"),
    Feature("absent_last_10", "days absent in the last 10 school days"),
    Feature("absent_last_20", "days absent in the last 20 school days"),
    Feature("enrolled_last_20", "membership days in the last 20 school days"),
    Feature("rate_last_20", "absence rate over the membership days of the last 20 school days"),
    Feature("trend", "rate in the last 20 school days minus the rate before them"),
    Feature("longest_run", "longest run of consecutive school days absent (half a day or more)"),
    Feature("monday_friday_share", "share of the days absent that fell on a Monday or Friday"),
    Feature("first_day_number", "school day of the year of the first membership day (1: day one)"),
    Feature("days_since_entry", "school days from the first membership day through D"),
    Feature("schools_this_year", "schools attended this year so far"),
    Feature("grade", "grade (PK -1, KG 0, 1..12)"),
    Feature("year_elapsed", "share of the school year's instructional days past by D"),
    Feature("prior_rate", "last year's absence rate (missing: not enrolled last year)"),
    Feature("prior_chronic", "chronically absent last year under the definition (1/0)"),
    Feature("prior_days_enrolled", "days enrolled last year"),
    Feature("prior2_rate", "the absence rate two years back"),
    Feature("prior2_chronic", "chronically absent two years back (1/0)"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
# What identifies a row (and what the evaluation joins on); not model inputs.
KEY_COLUMNS = ("school_year", "district_id", "school_id", "student_id", "grade_level")

_GRADE_NUMBER = {"PK": -1, "TK": -1, "KG": 0, **{f"{g:02d}": g for g in range(1, 13)}}


def _window_days(stay: ir.Table, size: int) -> ir.IntegerValue:
    """A stay's membership days among the last `size` school days through D."""
    low = ibis.greatest(stay.first_number, stay.days_so_far - (size - 1))
    return ibis.greatest(stay.last_number - low + 1, 0)


def _per_student_stays(stay: ir.Table) -> ir.Table:
    latest = stay.entry_date
    return stay.group_by("school_year", "district_id", "student_id").aggregate(
        school_id=stay.school_id.argmax(latest),
        grade_level=stay.grade_level.argmax(latest),
        calendar_id=stay.calendar_id.argmax(latest),
        days_enrolled=stay.days_enrolled.sum(),
        enrolled_last_10=_window_days(stay, 10).sum(),
        enrolled_last_20=_window_days(stay, 20).sum(),
        first_day_number=stay.first_number.min(),
        days_so_far=stay.days_so_far.argmax(latest),
        days_in_year=stay.days_in_year.argmax(latest),
        schools_this_year=stay.school_id.nunique(),
        enrolled_now=stay.enrolled_now.any(),
    )


def _narrow(rows: ir.Table) -> ir.Table:
    """Only what the totals and the runs need from each absence row (both read them, so the
    engine may keep them between the two: narrow rows keep a state's within memory)."""
    weekday = rows.date.day_of_week.index()  # Monday 0 .. Sunday 6
    kind = ibis.cases(
        *((rows.category == category, i) for i, category in enumerate(CATEGORY_COLUMNS)),
        else_=-1,
    )
    return rows.select(
        "district_id",
        "student_id",
        "school_id",
        "day_number",
        "counted",
        kind=kind.cast("int8"),
        monday_friday=weekday.isin([0, 4]),
        back=(rows.days_so_far - rows.day_number).cast("int32"),  # school days before D's
    )


def _per_student_absences(rows: ir.Table) -> ir.Table:
    def units_where(condition: ir.BooleanValue) -> ir.IntegerValue:
        return condition.ifelse(rows.counted, 0).cast("int64").sum()

    return rows.group_by("district_id", "student_id").aggregate(
        absent_units=rows.counted.sum(),
        **{
            column: units_where(rows.kind == i)
            for i, column in enumerate(CATEGORY_COLUMNS.values())
        },
        **{f"units_last_{size}": units_where(rows.back < size) for size in RECENT_WINDOWS},
        monday_friday_units=units_where(rows.monday_friday),
    )


def _longest_runs(rows: ir.Table, units_per_day: int) -> ir.Table:
    """Per student: the longest run of consecutive school days absent half a day or more.

    Gaps and islands: within a school, consecutive school-day numbers minus the row's rank are
    constant along a run (a move to another school ends a run).
    """
    days = rows.filter(rows.counted * 2 >= units_per_day)
    # One partition key (the student), ordered by school then day: within a school the rank
    # still climbs one a row, and it sorts a quarter faster than partitioning by both.
    order = ibis.window(group_by=days.student_id, order_by=[days.school_id, days.day_number])
    days = days.mutate(island=days.day_number - ibis.row_number().over(order))
    runs = days.group_by("district_id", "student_id", "school_id", "island").aggregate(
        length=days.day_number.count()
    )
    return runs.group_by("district_id", "student_id").aggregate(longest_run=runs.length.max())


def prior_year(tables: Tables, definition: Definition, year: int) -> ir.Table:
    """Per student: that year's whole-year rate, chronic flag and days enrolled (all schools)."""
    one = year_tables(tables, [year])
    units = rolled_units(one, definition, "state")
    rows = classify(units, definition, tables.units_per_day)
    return rows.group_by("student_id").aggregate(
        rate=rows.absence_rate.argmax(rows.days_enrolled),
        chronic=rows.chronically_absent.argmax(rows.days_enrolled).cast("int64"),
        days_enrolled=rows.days_enrolled.sum(),
    )


def history_expression(tables: Tables, definition: Definition, year: int) -> ir.Table:
    """Per student: last year's and the year before's whole-year attendance (HISTORY_COLUMNS)."""
    last = prior_year(tables, definition, year - 1).select(
        student_id="student_id",
        prior_rate="rate",
        prior_chronic="chronic",
        prior_days_enrolled="days_enrolled",
    )
    before = prior_year(tables, definition, year - 2).select(
        student_id="student_id", prior2_rate="rate", prior2_chronic="chronic"
    )
    ids = last.select("student_id").union(before.select("student_id"), distinct=True)
    joined = ids.left_join(last, "student_id").select(ids, *last.columns[1:])
    return joined.left_join(before, "student_id").select(joined, *before.columns[1:])


HISTORY_COLUMNS = (
    "prior_rate",
    "prior_chronic",
    "prior_days_enrolled",
    "prior2_rate",
    "prior2_chronic",
)


def current_expression(
    tables: Tables, definition: Definition, as_of: dt.date, year: int | None = None
) -> ir.Table:
    """This year's features (all but HISTORY_COLUMNS) of every student with membership by D."""
    if year is None:
        year = school_year_at(tables, as_of)
    t = _current_totals(tables, definition, as_of, year)
    return t.select(
        *KEY_COLUMNS, "enrolled_now", "absent_units", **_current_features(t, tables.units_per_day)
    )


def _current_totals(tables: Tables, definition: Definition, as_of: dt.date, year: int) -> ir.Table:
    """Per student this year: stays, absence totals (0 where none) and the longest run."""
    stay = year_stays(tables, definition, year, as_of)
    students = _per_student_stays(stay)
    rows = _narrow(absence_days(tables, definition, year, as_of))
    absent = _per_student_absences(rows)
    runs = _longest_runs(rows, tables.units_per_day)
    keys = ["district_id", "student_id"]  # every row is of the one year
    joined = students.left_join(absent, keys).select(
        students, *(c for c in absent.columns if c not in keys)
    )
    t = joined.left_join(runs, keys).select(joined, "longest_run")
    zero = (
        "absent_units",
        *CATEGORY_COLUMNS.values(),
        *(f"units_last_{s}" for s in RECENT_WINDOWS),
        "monday_friday_units",
        "longest_run",
    )
    return t.mutate(**{c: t[c].fill_null(0) for c in zero})


def _current_features(t: ir.Table, upd: int) -> dict[str, ir.Value]:
    """The model's inputs of this year, in days and shares, from the per-student totals."""
    in_days = 1.0 / upd
    enrolled_before = t.days_enrolled - t.enrolled_last_20
    absent_before = t.absent_units - t.units_last_20
    rate_last_20 = (t.enrolled_last_20 > 0).ifelse(
        t.units_last_20 * in_days / t.enrolled_last_20.cast("float64"), ibis.null("float64")
    )
    rate_before = (enrolled_before > 0).ifelse(
        absent_before * in_days / enrolled_before.cast("float64"), ibis.null("float64")
    )
    grade = ibis.cases(
        *((t.grade_level == label, number) for label, number in _GRADE_NUMBER.items()),
        else_=ibis.null("int64"),
    )
    return {
        "days_enrolled": t.days_enrolled.cast("float64"),
        "days_absent": t.absent_units * in_days,
        "days_excused": t.excused_units * in_days,
        "days_unexcused": t.unexcused_units * in_days,
        "days_suspended": t.suspended_units * in_days,
        "absence_rate": _absence_rate(t, upd),
        "absent_last_10": t.units_last_10 * in_days,
        "absent_last_20": t.units_last_20 * in_days,
        "enrolled_last_20": t.enrolled_last_20.cast("float64"),
        "rate_last_20": rate_last_20,
        "trend": rate_last_20 - rate_before,
        "longest_run": t.longest_run.cast("float64"),
        "monday_friday_share": (t.absent_units > 0).ifelse(
            t.monday_friday_units / t.absent_units.cast("float64"), ibis.null("float64")
        ),
        "first_day_number": t.first_day_number.cast("float64"),
        "days_since_entry": (t.days_so_far - t.first_day_number + 1).cast("float64"),
        "schools_this_year": t.schools_this_year.cast("float64"),
        "grade": grade.cast("float64"),
        "year_elapsed": t.days_so_far / t.days_in_year.cast("float64"),
    }


def _absence_rate(t: ir.Table, upd: int) -> ir.FloatingValue:
    return t.absent_units * (1.0 / upd) / t.days_enrolled.cast("float64")


RATE_KEYS = ("school_year", "district_id", "school_id", "student_id")


def rates_frame(totals: ir.Table, upd: int) -> pd.DataFrame:
    """RATE_KEYS, absent_units and days_enrolled per student -> the columns the queue reads of
    `student_features` for the students enrolled, the rate worked out as it works it out, in
    its order."""
    t = totals.select(
        *RATE_KEYS,
        absent_units=totals.absent_units.fill_null(0),
        days_enrolled=totals.days_enrolled.cast("float64"),
        absence_rate=_absence_rate(totals, upd),
    ).order_by(["district_id", "school_id", "student_id"])
    frame = t.to_pandas()
    frame["school_year"] = frame["school_year"].astype("int64")
    frame["absent_units"] = frame["absent_units"].astype("int64")
    for name in ("days_enrolled", "absence_rate"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame.reset_index(drop=True)


def feature_expression(
    tables: Tables, definition: Definition, as_of: dt.date, year: int | None = None
) -> ir.Table:
    """The features of every student with membership in the year through D (see module doc).

    Columns: KEY_COLUMNS, `enrolled_now` (still enrolled on D), `absent_units` (exact) and
    FEATURE_NAMES. `year` defaults to the school year D belongs to.
    """
    if year is None:
        year = school_year_at(tables, as_of)
    current = current_expression(tables, definition, as_of, year)
    history = history_expression(tables, definition, year)
    joined = current.left_join(history, "student_id").select(current, *HISTORY_COLUMNS)
    return joined.select(
        *KEY_COLUMNS,
        "enrolled_now",
        "absent_units",
        *FEATURE_NAMES,
    ).order_by(["district_id", "school_id", "student_id"])


def student_features(
    tables: Tables,
    definition: Definition,
    as_of: dt.date,
    year: int | None = None,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The features run, as a pandas frame (float features, NaN for missing).

    `history`: `history_expression` for the same year, already run, so that several dates of
    one year (training) work out the earlier years once.
    """
    # Not `to_frame`: text stays in pandas' Arrow-backed strings (a state's ids would take
    # gigabytes as Python objects).
    if history is None:
        frame = feature_expression(tables, definition, as_of, year).to_pandas()
    else:
        current = current_expression(tables, definition, as_of, year).to_pandas()
        frame = current.merge(history, on="student_id", how="left")
        frame = frame.loc[:, [*KEY_COLUMNS, "enrolled_now", "absent_units", *FEATURE_NAMES]]
        frame = frame.sort_values(["district_id", "school_id", "student_id"], ignore_index=True)
    for name in FEATURE_NAMES:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    frame["enrolled_now"] = frame["enrolled_now"].astype(bool)
    frame["school_year"] = frame["school_year"].astype("int64")
    frame["absent_units"] = frame["absent_units"].astype("int64")
    return frame.reset_index(drop=True)


def student_history(tables: Tables, definition: Definition, year: int) -> pd.DataFrame:
    """`history_expression` run (one row per student with a record in the two years before)."""
    return history_expression(tables, definition, year).to_pandas()


def year_end_outcomes(tables: Tables, definition: Definition, year: int) -> ir.Table:
    """Per student and district: whether the year ended with the student chronically absent."""
    one = year_tables(tables, [year])
    rows = classify(
        rolled_units(one, definition, "district"),
        definition,
        tables.units_per_day,
    )
    return rows.select(
        "school_year",
        "district_id",
        "student_id",
        final_rate="absence_rate",
        chronic="chronically_absent",
        final_days_enrolled="days_enrolled",
    )
