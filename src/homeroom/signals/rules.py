"""The early-warning rules: which students to flag as of a date, why, and what support to suggest.

`flag_students(tables, definition, as_of)` gives one row per student, school and rule that fires
(docs/signals.md, "Rules"). The thresholds all come from the definition's `[signals]` section.

Who is looked at: students with membership in the school year of D through D who are still
enrolled on D (a student who has left is on no school's watch list), one row per student and
district, counted across the district's schools the way `per="district"` metrics count them (a
date once; the school is the latest stay's). "This year" starts at the student's first
membership day in the district this year, so a student who arrives mid-year is measured from
their entry. Last year's figures are the student's whole prior year in the data (every school).

Nothing here expands stays into days: the facts come from stays placed in calendar school-day
numbers and from the absence rows (`homeroom.signals.history`), as one Ibis expression that runs
on DuckDB or Spark; only the students who meet some rule come back to pandas, where each
flag's reason is written.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.metrics.rates import at_least
from homeroom.metrics.students import student_metrics
from homeroom.signals import reasons
from homeroom.signals.history import (
    absence_days,
    school_year_at,
    year_stays,
    year_tables,
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Rule:
    id: str
    suggested_tier: int | None  # 2 early support, 3 intensive, None: worth a conversation
    title: str  # a few words for summaries


RULES: tuple[Rule, ...] = (
    Rule("prior_year_chronic", 2, "chronically absent last year"),
    Rule("prior_year_severe", 3, "severely chronically absent last year"),
    Rule("pace", 2, "two absences a month or more"),
    Rule("ytd_chronic", 2, "chronically absent this year so far"),
    Rule("ytd_severe", 3, "severely chronically absent this year so far"),
    Rule("no_improvement", 3, "no improvement since early support began"),
    Rule("september_2_4", None, "2-4 days absent in September"),
    Rule("september_5_plus", 2, "5 or more days absent in September"),
    Rule("monday_friday", None, "absences cluster on Mondays and Fridays"),
    Rule("consecutive", None, "several school days absent in a row"),
    Rule("recent_rise", None, "absences rose in the last four weeks"),
    Rule("new_arrival", None, "arrived after the year began"),
)
RULE_IDS: tuple[str, ...] = tuple(rule.id for rule in RULES)
SUGGESTED_TIER: dict[str, int | None] = {rule.id: rule.suggested_tier for rule in RULES}

# The first columns of every flag row, in this order (the watch list file's contract).
FLAG_COLUMNS = ("student_id", "school_id", "rule", "suggested_tier", "reason")
# The evidence after them: this year through D unless the name says otherwise. Days are days
# (partial days as decimals), rates are shares (0.1 is 10%).
EVIDENCE_COLUMNS = (
    "school_year",
    "district_id",
    "grade_level",
    "first_day",
    "days_enrolled",
    "days_absent",
    "absence_rate",
    "months_completed",
    "september_days_absent",
    "monday_friday_days_absent",
    "longest_run",
    "longest_run_start",
    "longest_run_end",
    "recent_days_enrolled",
    "recent_days_absent",
    "recent_rate",
    "earlier_rate",
    "prior_year_days_enrolled",
    "prior_year_days_absent",
    "prior_year_rate",
    "support_started",
    "support_basis",
    "since_support_days_enrolled",
    "since_support_days_absent",
    "before_support_rate",
)
COLUMNS = (*FLAG_COLUMNS, *EVIDENCE_COLUMNS)

KEYS = ("school_year", "district_id", "student_id")
STUDENT_KEY = "student_key"  # a number per row of KEYS, for fast sorts and joins


# --- the facts of each student ------------------------------------------------------------


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


def _amount_at_least(units: ir.IntegerValue, days: Fraction, units_per_day: int) -> ir.BooleanValue:
    """units >= days x units_per_day, exactly (days may be partial: 2.5)."""
    return units * days.denominator >= ibis.literal(days.numerator * units_per_day, "int64")


def _pace_met(
    units: ir.IntegerValue, months: ir.IntegerValue, per_month: Fraction, units_per_day: int
) -> ir.BooleanValue:
    """Days absent >= per_month x max(1, months), exactly."""
    limit = ibis.greatest(months, 1) * ibis.literal(per_month.numerator * units_per_day, "int64")
    return units * per_month.denominator >= limit


def student_facts(
    tables: Tables,
    definition: Definition,
    as_of: dt.date,
    year: int | None = None,
    *,
    keep: Callable[[ir.Table], ir.Table] | None = None,
) -> ir.Table:
    """One row per student and district enrolled on D: this year's and last year's figures and
    one boolean column per rule (named by its id). `year` defaults to the year D belongs to.

    Amounts are exact units (`*_units`, 1/units_per_day of a day); `first_number` is the school
    day of the year (in its calendar) of the student's first membership day. `keep` may store
    an intermediate table and return it (see `Scratch`), for tables used more than once.
    """
    keep = keep or (lambda table: table)
    if year is None:
        year = school_year_at(tables, as_of)
    rules = definition.signals
    upd = tables.units_per_day
    window = rules.recent_rise_school_days

    stays = keep(year_stays(tables, definition, year, as_of))
    low = ibis.greatest(stays.first_number, stays.days_so_far - (window - 1))
    latest = stays.entry_date
    students = (
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
    students = keep(students)

    rows = absence_days(tables, definition, year, as_of)
    ordered = keep(_in_order(rows, students, upd))
    absent = _absence_totals(ordered, window)
    runs = _longest_runs(ordered, rules.consecutive_days)
    pace = _pace_start(ordered, rules.pace_absences_per_month, upd)
    before_pace = _days_through_pace_start(stays, students, pace)
    prior = _prior_year(tables, definition, year - 1)

    # The per-student parts meet on the student's number (an integer join).
    t = students
    for other in (absent, runs, pace, before_pace):
        extra = [c for c in other.columns if c != STUDENT_KEY]
        t = t.left_join(other, STUDENT_KEY).select(t, *extra)
    t = t.left_join(prior, "student_id").select(t, *(c for c in prior.columns if c != "student_id"))
    zero = (
        "absent_units",
        "september_units",
        "monday_friday_units",
        "recent_units",
        "longest_run",
        "long_runs",
    )
    t = t.drop(STUDENT_KEY).mutate(**{c: t[c].fill_null(0) for c in zero})
    t = t.mutate(months_completed=months_completed(t.first_day, ibis.literal(as_of)))
    return _with_rules(t, definition, upd)


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
    rows = ordered.filter(_amount_at_least(ordered.running_units, per_month, units_per_day))
    rows = rows.mutate(months=months_completed(rows.first_day, rows.date))
    met = rows.filter(_pace_met(rows.running_units, rows.months, per_month, units_per_day))
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


def _with_rules(t: ir.Table, definition: Definition, upd: int) -> ir.Table:
    """The rule columns (one boolean per rule id) and the early-support start."""
    rules = definition.signals
    enrolled_units = t.days_enrolled * upd
    eligible = t.days_enrolled >= definition.minimum_days_enrolled

    prior_units, prior_days = t.prior_year_absent_units, t.prior_year_days_enrolled
    prior_eligible = t.prior_year_eligible.fill_null(False)
    prior_severe = prior_eligible & at_least(prior_units, prior_days * upd, rules.prior_year_severe)
    prior_chronic = prior_eligible & at_least(
        prior_units, prior_days * upd, rules.prior_year_chronic
    )
    prior_chronic = prior_chronic.fill_null(False)
    prior_severe = prior_severe.fill_null(False)

    ytd_severe = eligible & at_least(t.absent_units, enrolled_units, rules.ytd_severe)
    ytd_chronic = eligible & at_least(t.absent_units, enrolled_units, rules.ytd_chronic)

    # Early support began with the year for a student chronically absent last year (compared
    # with last year's rate), else on the day pace first fired (compared with the days before).
    basis = ibis.cases(
        (prior_chronic, "last_year"),
        (t.pace_started.notnull(), "pace"),
        else_=ibis.null("string"),
    )
    from_last_year = basis == "last_year"
    before_units = from_last_year.ifelse(prior_units, t.pace_start_units)
    before_days = from_last_year.ifelse(prior_days, t.pace_start_days)
    since_units = from_last_year.ifelse(t.absent_units, t.absent_units - t.pace_start_units)
    since_days = from_last_year.ifelse(t.days_enrolled, t.days_enrolled - t.pace_start_days)
    no_improvement = (
        basis.notnull()
        & (since_days >= rules.no_improvement_school_days)
        & (since_units * before_days >= before_units * since_days)
    ).fill_null(False)

    september_many = _amount_at_least(t.september_units, rules.september_many_absences, upd)
    september = _amount_at_least(t.september_units, rules.september_absences, upd)

    monday_friday = (
        (t.absent_units > 0)
        & _amount_at_least(t.monday_friday_units, rules.monday_friday_minimum_days, upd)
        & at_least(t.monday_friday_units, t.absent_units, rules.monday_friday_share)
    )

    recent_days, recent_units = t.recent_days_enrolled, t.recent_units
    earlier_days = t.days_enrolled - recent_days
    earlier_units = t.absent_units - recent_units
    rise = Fraction(rules.recent_rise_points) / 100
    recent_rise = (
        (recent_days > 0)
        & (earlier_days >= rules.recent_rise_minimum_days_before)
        & _amount_at_least(recent_units, rules.recent_rise_minimum_days_absent, upd)
        & (
            (recent_units * earlier_days - earlier_units * recent_days) * rise.denominator
            >= recent_days * earlier_days * ibis.literal(rise.numerator * upd, "int64")
        )
    )

    flags = {
        "prior_year_chronic": prior_chronic & ~prior_severe,
        "prior_year_severe": prior_severe,
        "pace": _pace_met(t.absent_units, t.months_completed, rules.pace_absences_per_month, upd),
        "ytd_chronic": ytd_chronic & ~ytd_severe,
        "ytd_severe": ytd_severe,
        "no_improvement": no_improvement,
        "september_2_4": september & ~september_many,
        "september_5_plus": september_many,
        "monday_friday": monday_friday,
        "consecutive": t.longest_run >= rules.consecutive_days,
        "recent_rise": recent_rise,
        "new_arrival": t.first_number > rules.new_arrival_after_school_days,
    }
    return t.mutate(
        support_basis=basis,
        support_started=from_last_year.ifelse(t.first_day, t.pace_started),
        before_support_units=before_units,
        before_support_days=before_days,
        since_support_units=since_units,
        since_support_days=since_days,
        **{rule: flags[rule].fill_null(False) for rule in RULE_IDS},
    )


# --- the flags ----------------------------------------------------------------------------


class Scratch:
    """Intermediate tables stored for one run on DuckDB (temporary tables, dropped at the end).

    A table used by several parts of the rules (the stays, the students, the ordered absence
    rows) is then computed once, and DuckDB plans the rest knowing its real size. Elsewhere
    (Spark cannot keep temporary tables, see STACK.md) `keep` returns the expression as is.
    """

    def __init__(self, tables: Tables) -> None:
        backend = tables.attendance.get_backend()
        self._backend = backend if backend.name == "duckdb" else None
        self._names: list[str] = []

    def keep(self, table: ir.Table) -> ir.Table:
        if self._backend is None:
            return table
        name = f"homeroom_signals_{uuid.uuid4().hex[:12]}"
        self._backend.create_table(name, table, temp=True)
        self._names.append(name)
        return self._backend.table(name)

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *_exc: object) -> None:
        for name in self._names:
            self._backend.drop_table(name, force=True)  # type: ignore[union-attr]
        self._names.clear()


def flag_students(
    tables: Tables,
    definition: Definition,
    as_of: dt.date,
    *,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """One row per student, school and rule that fires as of D (columns `COLUMNS`).

    Sorted by school, then by need: intensive support (tier 3) first, then early support, then
    patterns worth a conversation; within those by absence rate, highest first.
    """
    say = progress or (lambda _step: None)
    say("finding the school year")
    year = school_year_at(tables, as_of)
    with Scratch(tables) as scratch:
        say(f"working out each student's school year {year} through {as_of.isoformat()}")
        facts = student_facts(tables, definition, as_of, year, keep=scratch.keep)
        fires = ibis.or_(*(facts[rule] for rule in RULE_IDS))
        say("applying the rules")
        # Straight from Arrow: dates come as dates, and it is several times faster than
        # Ibis' own pandas conversion for a district's worth of rows.
        frame = facts.filter(fires).to_pyarrow().to_pandas()
    say(f"writing the reasons for {len(frame):,} students")
    return long_flags(frame, definition, tables.units_per_day)


def long_flags(facts: pd.DataFrame, definition: Definition, units_per_day: int) -> pd.DataFrame:
    """Student facts (one row per student with a column per rule) as one row per rule that
    fires, with its suggested tier, reason and the evidence columns, sorted by need."""
    positions, numbers, tiers, texts = [], [], [], []
    need = np.zeros(len(facts), dtype="int64")
    for number, rule in enumerate(RULES):
        fired = facts[rule.id].astype(bool).to_numpy()
        where = np.flatnonzero(fired)
        if not len(where):
            continue
        if rule.suggested_tier is not None:
            need = np.where(fired, np.maximum(need, rule.suggested_tier), need)
        positions.append(where)
        numbers.append(np.full(len(where), number))
        tiers += [rule.suggested_tier] * len(where)
        texts += reasons.write(rule.id, facts.iloc[where], definition, units_per_day)
    if not positions:
        return _empty()
    evidence = reasons.evidence(facts, units_per_day)
    # Students in order (school, then need, then absence rate, highest first), then each
    # student's flags in the order of RULES: integer sorts, so the frame is taken only once.
    rank = np.empty(len(facts), dtype="int64")
    rank[_student_order(evidence, need)] = np.arange(len(facts))
    where, number = np.concatenate(positions), np.concatenate(numbers)
    order = np.lexsort((number, rank[where]))
    flags = evidence.take(where[order]).reset_index(drop=True)
    flags["rule"] = pd.Series(np.asarray(RULE_IDS, dtype=object)[number[order]], dtype=object)
    flags["suggested_tier"] = pd.array(tiers, dtype="Int64")[order]
    flags["reason"] = pd.Series(np.asarray(texts, dtype=object)[order], dtype=object)
    return flags.loc[:, list(COLUMNS)]


def _student_order(evidence: pd.DataFrame, need: np.ndarray) -> np.ndarray:
    schools = pd.factorize(evidence["school_id"], sort=True)[0]
    students = pd.factorize(evidence["student_id"], sort=True)[0]
    rate = evidence["absence_rate"].fillna(0).to_numpy()
    return np.lexsort((students, -rate, -need, schools))


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    frame["suggested_tier"] = frame["suggested_tier"].astype("Int64")
    return frame
