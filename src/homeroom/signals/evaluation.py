"""Evaluation a district can trust: train on earlier years, test on a later one, as of each month.

For the held-out school year, as of the first of each month (September to March by default),
every student enrolled that day is looked at three ways:

- waiting for the line: the student is chronically absent so far this year (the definition's
  threshold, exactly, once eligible) — what a district sees without early warning;
- the rules (`homeroom.signals.flags.flag_students`): any rule suggesting early or intensive
  support (tier 2 or 3) fires;
- the model (`homeroom.signals.model`): among the k students with the highest chance (the
  district's capacity, `capacity` × students enrolled), and separately every student whose
  chance is at least `cut`.

Truth is how the student's year ended (chronically absent under the definition, the whole year,
counted once in the district). The figures: AUC, precision and recall at each date, calibration
(Brier score and a reliability table), the same by student group (groups are read here only, to
evaluate; they are never model inputs), and the lead time: for each student who ended the year
chronically absent, the school days between the first check at which a strategy flagged them
and the day they crossed the line (`crossing_days`, worked out day by day from absence rows).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.engine import to_frame
from homeroom.metrics.membership import calendar_day_numbers, numbered_stays
from homeroom.metrics.rates import at_least
from homeroom.signals.features import student_features, student_history, year_end_outcomes
from homeroom.signals.history import absence_days, year_tables
from homeroom.signals.model import (
    DEFAULT_MONTHS,
    ChronicModel,
    brier,
    check_dates,
    cores,
    default_training_years,
    school_years,
    train,
)

GROUP_COLUMNS = (
    "race_ethnicity",
    "economically_disadvantaged",
    "students_with_disabilities",
    "english_learner",
)
STRATEGIES = ("line", "rules", "model_top_k", "model_cut")
RECALL_GOAL = 0.05  # recall within 5 points across groups
LEAD_BANDS = (
    ("40 or more school days earlier", 40, math.inf),
    ("20-39 days earlier", 20, 40),
    ("1-19 days earlier", 1, 20),
    ("the day they crossed or later", -math.inf, 1),
)
NOT_FLAGGED = "not flagged by the last check"
KEYS = ["school_year", "district_id", "student_id"]

Progress = Callable[[str], None]


# -- the measures, on plain arrays ----------------------------------------------------------------
def auc(truth: Sequence[bool], score: Sequence[float]) -> float:
    """The chance a random chronically absent student scores above a random other (ties: half).

    NaN when only one kind of student is present.
    """
    from scipy.stats import rankdata

    y = np.asarray(truth, dtype=bool)
    s = np.asarray(score, dtype="float64")
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = rankdata(s)
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def top_k(score: Sequence[float], k: int, tiebreak: Sequence[str] | None = None) -> np.ndarray:
    """A mask of the k highest scores; equal scores are taken in `tiebreak` order (student id)."""
    s = np.asarray(score, dtype="float64")
    keys = np.arange(len(s)) if tiebreak is None else np.asarray(tiebreak, dtype=object)
    order = np.lexsort((keys.astype(str), -s))
    mask = np.zeros(len(s), dtype=bool)
    mask[order[: max(0, min(k, len(s)))]] = True
    return mask


def capacity_k(students: int, capacity: float) -> int:
    """How many students the district can serve: a share of those enrolled (rounded up), or a
    number when `capacity` is 1 or more."""
    if capacity >= 1:
        return int(capacity)
    return int(math.ceil(capacity * students))


def precision_recall(truth: Sequence[bool], flagged: Sequence[bool]) -> tuple[float, float]:
    """Share of flagged students who ended chronically absent; share of those who were flagged."""
    y = np.asarray(truth, dtype=bool)
    f = np.asarray(flagged, dtype=bool)
    hits = int((y & f).sum())
    precision = hits / int(f.sum()) if f.any() else math.nan
    recall = hits / int(y.sum()) if y.any() else math.nan
    return precision, recall


def reliability(truth: Sequence[bool], chance: Sequence[float], bins: int = 10) -> pd.DataFrame:
    """Students by predicted chance (tenths): how many, the mean chance, the share that ended
    chronically absent. A calibrated model has the two close in every row."""
    y = np.asarray(truth, dtype="float64")
    p = np.asarray(chance, dtype="float64")
    which = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        n = int(inside.sum())
        rows.append(
            {
                "chance": f"{b * 100 // bins}-{(b + 1) * 100 // bins}%",
                "students": n,
                "mean_chance": float(p[inside].mean()) if n else math.nan,
                "ended_chronic": float(y[inside].mean()) if n else math.nan,
            }
        )
    return pd.DataFrame(rows)


def lead_band(lead: float) -> str:
    if lead != lead:  # NaN: never flagged
        return NOT_FLAGGED
    for label, low, high in LEAD_BANDS:
        if low <= lead < high:
            return label
    raise AssertionError(lead)


# -- the day each student crossed the line -----------------------------------------------------
def crossing_days(tables: Tables, definition: Definition, year: int) -> ir.Table:
    """Per student and district: the first date the student was chronically absent so far.

    That is the first day on which the student is eligible (days enrolled >= the minimum) and
    days absent through the day meet the threshold of days enrolled through the day. Days absent
    only grow on absence dates and eligibility starts on one day, so the first such day is an
    absence date or the day the student became eligible; those candidates are checked, each
    with membership days through it from the stays' school-day numbers (no row per day).
    Columns: school_year, district_id, student_id, crossed_on, crossed_number (its school-day
    number in the calendar of the school where it happened).
    """
    one = year_tables(tables, [year])
    stays = numbered_stays(one, definition)
    numbered = calendar_day_numbers(one.calendar)
    minimum = max(definition.minimum_days_enrolled, 1)

    # The date of the minimum-th membership day: in the stay where the running count reaches it.
    running = ibis.cumulative_window(group_by=[stays[k] for k in KEYS], order_by=stays.start_date)
    counted = stays.mutate(through=stays.days_enrolled.sum().over(running))
    counted = counted.mutate(before=counted.through - counted.days_enrolled)
    hit = counted.filter((counted.before < minimum) & (counted.through >= minimum))
    hit = hit.mutate(day_number=hit.first_number + (minimum - hit.before) - 1)
    school_days = numbered.filter(numbered.is_instructional == 1).select(
        calendar_id="calendar_id", school_year="school_year", day_number="days_through", date="date"
    )
    eligible_on = hit.join(school_days, ["calendar_id", "school_year", "day_number"]).select(
        *KEYS,
        "calendar_id",
        "date",
        "day_number",
        counted=ibis.literal(0, "int64"),
        kind=ibis.literal(1, "int64"),
    )
    last = dt.date(year + 1, 12, 31)
    absences = absence_days(tables, definition, year, last).select(
        *KEYS,
        "calendar_id",
        "date",
        "day_number",
        counted=ibis._.counted.cast("int64"),
        kind=ibis.literal(0, "int64"),
    )
    candidates = absences.union(eligible_on)
    order = ibis.cumulative_window(
        group_by=[candidates[k] for k in KEYS], order_by=[candidates.date, candidates.kind]
    )
    candidates = candidates.mutate(units=candidates.counted.sum().over(order))

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
    per = joined.group_by([*KEYS, "date", "kind", "calendar_id", "day_number", "units"]).aggregate(
        enrolled=days.sum()
    )
    upd = tables.units_per_day
    eligible = per.enrolled >= definition.minimum_days_enrolled
    if definition.threshold_share is not None:
        over = at_least(per.units, per.enrolled * upd, definition.threshold_share)
    else:
        limit = definition.threshold_days
        over = per.units * limit.denominator >= ibis.literal(limit.numerator * upd, "int64")
    crossed = per.filter(eligible & over)
    return crossed.group_by(KEYS).aggregate(
        crossed_on=crossed.date.min(),
        crossed_number=crossed.day_number.argmin(crossed.date),
    )


def on_the_line(frame: pd.DataFrame, definition: Definition, units_per_day: int) -> np.ndarray:
    """Chronically absent so far (eligible, and days absent at the threshold), exactly, from a
    features frame's `absent_units` and `days_enrolled`."""
    units = frame["absent_units"].astype("int64").to_numpy().astype(object)
    days = frame["days_enrolled"].astype("int64").to_numpy().astype(object)
    eligible = frame["days_enrolled"].to_numpy() >= definition.minimum_days_enrolled
    if definition.threshold_share is not None:
        share = definition.threshold_share
        over = units * share.denominator >= days * units_per_day * share.numerator
    else:
        limit = definition.threshold_days
        over = units * limit.denominator >= limit.numerator * units_per_day
    return eligible & np.asarray(over, dtype=bool)


# -- the evaluation -----------------------------------------------------------------------------
@dataclass
class Evaluation:
    definition: Definition
    test_year: int
    train_years: tuple[int, ...]
    dates: tuple[dt.date, ...]
    capacity: float
    cut: float
    model: dict  # the trained model's metadata (method, candidates' Brier scores, timings)
    checks: pd.DataFrame  # one row per student and check date
    crossings: pd.DataFrame  # chronically absent students: when they crossed the line
    seconds: dict[str, float] = field(default_factory=dict)

    # Everything below is worked out from `checks` and `crossings`.
    def by_date(self) -> pd.DataFrame:
        return by_date(self.checks)

    def strategies(self) -> pd.DataFrame:
        return strategy_summary(self.checks, self.crossings)

    def lead_distribution(self) -> pd.DataFrame:
        return lead_distribution(self.checks, self.crossings)

    def groups(self) -> pd.DataFrame:
        return group_table(self.checks, self.definition.minimum_group_size)

    def spreads(self) -> pd.DataFrame:
        return recall_spreads(self.groups())

    def reliability(self) -> pd.DataFrame:
        return reliability(self.checks["chronic"], self.checks["probability"])


def evaluate(
    tables: Tables,
    definition: Definition,
    *,
    test_year: int | None = None,
    train_years: Sequence[int] | None = None,
    months: Sequence[int] = DEFAULT_MONTHS,
    capacity: float = 0.05,
    cut: float = 0.5,
    model: ChronicModel | None = None,
    progress: Progress | None = None,
    threads: int | None = 1,
) -> Evaluation:
    """Train on earlier years (or use `model`), then test on `test_year` (default: the latest)."""
    say = progress or (lambda _message: None)
    years = school_years(tables)
    test_year = test_year if test_year is not None else years[-1]
    if test_year not in years:
        raise ValueError(f"school year {test_year} is not in the data (it has {years})")
    seconds: dict[str, float] = {}
    if model is None:
        train_years = (
            list(train_years)
            if train_years is not None
            else default_training_years(tables, before=test_year)
        )
        if test_year in train_years:
            raise ValueError("the test year must be left out of the training years")
        started = time.perf_counter()
        model = train(tables, definition, train_years, months=months, progress=say, threads=threads)
        seconds["training"] = time.perf_counter() - started
    else:
        train_years = list(model.years)

    started = time.perf_counter()
    say(f"outcomes of {test_year} and the day each student crossed the line")
    outcomes = to_frame(year_end_outcomes(tables, definition, test_year))
    crossings = to_frame(crossing_days(tables, definition, test_year))
    crossings = crossings.merge(
        outcomes.loc[outcomes["chronic"], ["district_id", "student_id"]],
        on=["district_id", "student_id"],
    )
    history = student_history(tables, definition, test_year)
    groups = student_groups(tables, test_year)
    frames = []
    dates = check_dates(test_year, months)
    for as_of in dates:
        say(f"checking {as_of.isoformat()}")
        frames.append(
            check(
                tables,
                definition,
                model,
                as_of,
                test_year,
                outcomes,
                history,
                capacity,
                cut,
                threads,
            )
        )
    checks = pd.concat(frames, ignore_index=True)
    checks = checks.merge(groups, on="student_id", how="left")
    seconds["testing"] = time.perf_counter() - started
    return Evaluation(
        definition=definition,
        test_year=test_year,
        train_years=tuple(train_years),
        dates=tuple(dates),
        capacity=capacity,
        cut=cut,
        model=model.metadata(),
        checks=checks,
        crossings=crossings,
        seconds=seconds,
    )


def check(
    tables: Tables,
    definition: Definition,
    model: ChronicModel,
    as_of: dt.date,
    year: int,
    outcomes: pd.DataFrame,
    history: pd.DataFrame,
    capacity: float,
    cut: float,
    threads: int | None = 1,
) -> pd.DataFrame:
    """Every student enrolled on one date, with the truth and each strategy's flag."""
    from homeroom.signals.flags import flag_students

    rows = student_features(tables, definition, as_of, year, history)
    rows = rows[rows["enrolled_now"]].reset_index(drop=True)
    with cores(threads):
        chance = model.probability(rows) if len(rows) else np.zeros(0)
    truth = rows.merge(
        outcomes[["district_id", "student_id", "chronic"]],
        on=["district_id", "student_id"],
        how="left",
    )["chronic"].fillna(False)
    flags = flag_students(tables, definition, as_of)
    tiers = pd.to_numeric(flags["suggested_tier"], errors="coerce").fillna(0)
    supported = flags.loc[tiers >= 2, ["district_id", "student_id"]].drop_duplicates()
    supported["rules"] = True
    rules = (
        rows[["district_id", "student_id"]]
        .merge(supported, on=["district_id", "student_id"], how="left")["rules"]
        .fillna(False)
    )
    k = capacity_k(len(rows), capacity)
    return pd.DataFrame(
        {
            "as_of": as_of,
            "district_id": rows["district_id"],
            "school_id": rows["school_id"],
            "student_id": rows["student_id"],
            "grade_level": rows["grade_level"],
            "days_so_far": (rows["days_since_entry"] + rows["first_day_number"] - 1).astype(
                "int64"
            ),
            "chronic": truth.astype(bool).to_numpy(),
            "probability": chance,
            "line": on_the_line(rows, definition, tables.units_per_day),
            "rules": rules.astype(bool).to_numpy(),
            "model_top_k": top_k(chance, k, rows["student_id"].to_numpy()),
            "model_cut": chance >= cut,
        }
    )


def student_groups(tables: Tables, year: int) -> pd.DataFrame:
    """The evaluation's student groups (never model inputs), one row per student."""
    students = tables.students
    if tables.students_by_year:
        students = students.filter(students.school_year == ibis.literal(year, "int64"))
    frame = to_frame(students.select("student_id", *GROUP_COLUMNS))
    return frame.drop_duplicates("student_id")


# -- summaries ------------------------------------------------------------------------------------
def by_date(checks: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for as_of, day in checks.groupby("as_of", sort=True):
        y = day["chronic"].to_numpy()
        p = day["probability"].to_numpy()
        row = {
            "as_of": as_of,
            "students": len(day),
            "ended_chronic": float(y.mean()),
            "k": int(day["model_top_k"].sum()),
            "auc": auc(y, p),
            "brier": brier(y, p),
            "brier_base_rate": brier(y, np.full(len(y), y.mean())),
        }
        for strategy in STRATEGIES:
            precision, recall = precision_recall(y, day[strategy])
            row[f"{strategy}_flagged"] = int(day[strategy].sum())
            row[f"{strategy}_precision"] = precision
            row[f"{strategy}_recall"] = recall
        rows.append(row)
    return pd.DataFrame(rows)


def first_flags(checks: pd.DataFrame, strategy: str) -> pd.DataFrame:
    """Per student: the first check that flagged them and its school-day number."""
    flagged = checks.loc[checks[strategy], ["district_id", "student_id", "as_of", "days_so_far"]]
    flagged = flagged.sort_values("as_of", kind="stable")
    return flagged.drop_duplicates(["district_id", "student_id"]).rename(
        columns={"as_of": "first_flag", "days_so_far": "flag_number"}
    )


def lead_times(checks: pd.DataFrame, crossings: pd.DataFrame, strategy: str) -> pd.DataFrame:
    """Students who ended chronically absent and were enrolled at a check: the school days
    between the first flag and the day they crossed the line (positive: flagged earlier; NaN:
    never flagged)."""
    seen = checks[["district_id", "student_id"]].drop_duplicates()
    chronic = crossings.merge(seen, on=["district_id", "student_id"])
    first = first_flags(checks, strategy)
    lead = chronic.merge(first, on=["district_id", "student_id"], how="left")
    lead["lead"] = lead["crossed_number"] - lead["flag_number"]
    return lead


def strategy_summary(checks: pd.DataFrame, crossings: pd.DataFrame) -> pd.DataFrame:
    """Per strategy, over all checks: students flagged, caught, false alarms, lead time.

    Students are counted once each (flagged at any check). `recall`: of the students who ended
    chronically absent and were enrolled at some check, the share ever flagged; `false_alarms`:
    students flagged at some check who did not end chronically absent. `median_lead`: school
    days from the first flag to the crossing, among the chronically absent students flagged
    (negative: flagged after they crossed); `median_earlier_than_line`: school days between
    this strategy's first flag and waiting for the line's, among students both flagged.
    """
    ended = checks.drop_duplicates(["district_id", "student_id"])
    chronic_students = int(ended["chronic"].sum())
    line = lead_times(checks, crossings, "line")[["district_id", "student_id", "flag_number"]]
    rows = []
    for strategy in STRATEGIES:
        flagged = checks.loc[checks[strategy]].drop_duplicates(["district_id", "student_id"])
        caught = int(flagged["chronic"].sum())
        leads = lead_times(checks, crossings, strategy)
        lead = leads["lead"]
        early = lead[lead.notna()]
        both = leads.merge(line, on=["district_id", "student_id"], suffixes=("", "_line"))
        gain = (both["flag_number_line"] - both["flag_number"]).dropna()
        rows.append(
            {
                "strategy": strategy,
                "students_flagged": len(flagged),
                "caught": caught,
                "false_alarms": len(flagged) - caught,
                "recall": caught / chronic_students if chronic_students else math.nan,
                "precision": caught / len(flagged) if len(flagged) else math.nan,
                "flagged_before_crossing": float((lead > 0).mean()) if len(lead) else math.nan,
                "median_lead": float(early.median()) if len(early) else math.nan,
                "mean_lead": float(early.mean()) if len(early) else math.nan,
                # Against waiting for the line, for students both flagged (same check dates).
                "median_earlier_than_line": float(gain.median()) if len(gain) else math.nan,
                "chronic_students": chronic_students,
            }
        )
    return pd.DataFrame(rows)


def lead_distribution(checks: pd.DataFrame, crossings: pd.DataFrame) -> pd.DataFrame:
    """Per strategy: how many chronically absent students fall in each lead-time band."""
    bands = [label for label, *_ in LEAD_BANDS] + [NOT_FLAGGED]
    rows = []
    for strategy in STRATEGIES:
        lead = lead_times(checks, crossings, strategy)["lead"]
        counts = lead.map(lead_band).value_counts()
        row = {"strategy": strategy}
        row.update({band: int(counts.get(band, 0)) for band in bands})
        rows.append(row)
    return pd.DataFrame(rows)


def group_table(checks: pd.DataFrame, minimum: int) -> pd.DataFrame:
    """By student group, pooled over the check dates: AUC, Brier, each strategy's recall and
    precision. Groups with fewer than `minimum` students are marked suppressed (no figures)."""
    rows = []
    for column in GROUP_COLUMNS:
        if column not in checks:
            continue
        values = checks[column].astype(object).where(checks[column].notna(), "not recorded")
        for value, part in checks.groupby(values.astype(str), sort=True):
            students = part["student_id"].nunique()
            row = {
                "group": column,
                "value": value,
                "students": students,
                "suppressed": students < minimum,
            }
            if students >= minimum:
                y = part["chronic"].to_numpy()
                row.update(
                    {
                        "ended_chronic": float(y.mean()),
                        "auc": auc(y, part["probability"]),
                        "brier": brier(y, part["probability"]),
                    }
                )
                for strategy in STRATEGIES:
                    precision, recall = precision_recall(y, part[strategy])
                    row[f"{strategy}_recall"] = recall
                    row[f"{strategy}_precision"] = precision
            rows.append(row)
    return pd.DataFrame(rows)


def recall_spreads(groups: pd.DataFrame) -> pd.DataFrame:
    """Per group column and strategy: the widest gap in recall between its groups, and whether
    it is within the goal (5 points)."""
    rows = []
    shown = groups[~groups["suppressed"]] if len(groups) else groups
    for column, part in shown.groupby("group", sort=False):
        for strategy in STRATEGIES:
            recalls = part[f"{strategy}_recall"].dropna()
            if len(recalls) < 2:
                continue
            spread = float(recalls.max() - recalls.min())
            rows.append(
                {
                    "group": column,
                    "strategy": strategy,
                    "lowest": part.loc[recalls.idxmin(), "value"],
                    "lowest_recall": float(recalls.min()),
                    "highest": part.loc[recalls.idxmax(), "value"],
                    "highest_recall": float(recalls.max()),
                    "spread": spread,
                    "within_goal": spread <= RECALL_GOAL + 1e-12,
                }
            )
    return pd.DataFrame(rows)
