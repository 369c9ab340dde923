"""Evaluation a district can trust: train on earlier years, test on a later one, as of each month.

For the held-out school year, as of the first of each month (September to March by default),
every student enrolled that day is looked at four ways:

- waiting for the line: the student is chronically absent so far this year (the definition's
  threshold, exactly, once eligible) — what a district sees without early warning;
- the rules (`homeroom.signals.flags.flag_students`): any rule suggesting early or intensive
  support (tier 2 or 3) fires;
- the model (`homeroom.signals.model`): among the k students with the highest chance (the
  district's capacity, `capacity` × students enrolled), and separately every student whose
  chance is at least `cut`;
- the queue (`homeroom.signals.ranking.rank_queue`, the list `homeroom signals queue` writes):
  among its first k.

Truth is how the student's year ended (chronically absent under the definition, the whole year,
counted once in the district). The measures are in `homeroom.signals.measures`, the day each
student crossed the line in `homeroom.signals.crossings`, and the tables worked out from the
checks (by date, by strategy, lead times, by group) in `homeroom.signals.evaluation_tables`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import numpy as np
import pandas as pd

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.engine import to_frame
from homeroom.signals.crossings import crossing_days, on_the_line
from homeroom.signals.evaluation_tables import (
    GROUP_COLUMNS,
    by_date,
    capacity_alternatives,
    check_leads,
    group_recalls,
    group_table,
    lead_distribution,
    recall_gaps,
    recall_spreads,
    strategy_summary,
)
from homeroom.signals.features import student_features, student_history, year_end_outcomes
from homeroom.signals.flags import flag_students
from homeroom.signals.measures import capacity_k, reliability, top_k
from homeroom.signals.model import DEFAULT_MONTHS, ChronicModel, Progress, cores
from homeroom.signals.ranking import rank_queue
from homeroom.signals.training import check_dates, default_training_years, school_years, train


@dataclass
class Evaluation:
    definition: Definition
    test_year: int
    train_years: tuple[int, ...]
    dates: tuple[dt.date, ...]
    capacity: float
    cut: float
    model: dict[str, Any]  # the trained model's metadata (method, candidates' Brier, timings)
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

    def check_leads(self) -> pd.DataFrame:
        return check_leads(self.checks, self.crossings)

    def group_recalls(self) -> pd.DataFrame:
        return group_recalls(self.checks, self.definition.minimum_group_size)

    def recall_gaps(self) -> pd.DataFrame:
        return recall_gaps(self.group_recalls())

    def alternatives(self) -> pd.DataFrame:
        """The queue at 1.5 and 2 times the capacity: a group-blind change and its cost."""
        wider = [round(self.capacity * factor, 6) for factor in (1.5, 2)]
        return capacity_alternatives(self.checks, wider)

    def reliability(self) -> pd.DataFrame:
        return reliability(self.checks["chronic"], self.checks["probability"])


@dataclass(frozen=True)
class Strategies:
    """How the model's strategies flag: the district's capacity and the chance cut."""

    capacity: float = 0.05  # a share of the students enrolled, or a number when 1 or more
    cut: float = 0.5


@dataclass(frozen=True)
class TestYear:
    """What the checks of one held-out year share: its outcomes and the earlier years."""

    year: int
    outcomes: pd.DataFrame  # `year_end_outcomes`, run
    history: pd.DataFrame  # `student_history`, run


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
        started = time.perf_counter()
        model = _trained(tables, definition, test_year, train_years, months, say, threads)
        seconds["training"] = time.perf_counter() - started

    started = time.perf_counter()
    say(f"outcomes of {test_year} and the day each student crossed the line")
    outcomes = to_frame(year_end_outcomes(tables, definition, test_year))
    crossings = to_frame(crossing_days(tables, definition, test_year))
    crossings = crossings.merge(
        outcomes.loc[outcomes["chronic"], ["district_id", "student_id"]],
        on=["district_id", "student_id"],
    )
    held_out = TestYear(test_year, outcomes, student_history(tables, definition, test_year))
    strategies = Strategies(capacity, cut)
    dates = check_dates(test_year, months)
    frames = []
    for as_of in dates:
        say(f"checking {as_of.isoformat()}")
        frames.append(check(tables, definition, model, as_of, held_out, strategies, threads))
    checks = pd.concat(frames, ignore_index=True)
    checks = checks.merge(student_groups(tables, test_year), on="student_id", how="left")
    seconds["testing"] = time.perf_counter() - started
    return Evaluation(
        definition=definition,
        test_year=test_year,
        train_years=tuple(model.years),
        dates=tuple(dates),
        capacity=capacity,
        cut=cut,
        model=model.metadata(),
        checks=checks,
        crossings=crossings,
        seconds=seconds,
    )


def _trained(
    tables: Tables,
    definition: Definition,
    test_year: int,
    train_years: Sequence[int] | None,
    months: Sequence[int],
    say: Progress,
    threads: int | None,
) -> ChronicModel:
    """A model trained on `train_years` (default: the years before the test year)."""
    years = (
        list(train_years)
        if train_years is not None
        else default_training_years(tables, before=test_year)
    )
    if test_year in years:
        raise ValueError("the test year must be left out of the training years")
    return train(tables, definition, years, months=months, progress=say, threads=threads)


def check(
    tables: Tables,
    definition: Definition,
    model: ChronicModel,
    as_of: dt.date,
    held_out: TestYear,
    strategies: Strategies,
    threads: int | None = 1,
) -> pd.DataFrame:
    """Every student enrolled on one date, with the truth and each strategy's flag."""
    rows = student_features(tables, definition, as_of, held_out.year, held_out.history)
    rows = rows[rows["enrolled_now"]].reset_index(drop=True)
    with cores(threads):
        chance = model.probability(rows) if len(rows) else np.zeros(0)
    truth = rows.merge(
        held_out.outcomes[["district_id", "student_id", "chronic"]],
        on=["district_id", "student_id"],
        how="left",
    )["chronic"].fillna(False)
    k = capacity_k(len(rows), strategies.capacity)
    flags = flag_students(tables, definition, as_of)
    line = on_the_line(rows, definition, tables.units_per_day)
    rank = _queue_rank(rows, flags, chance, line)
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
            "line": line,
            "rules": _supported(flags, rows),
            "model_top_k": top_k(chance, k, rows["student_id"].to_numpy()),
            "queue": rank <= k,
            "queue_rank": rank,
            "model_cut": chance >= strategies.cut,
        }
    )


def _queue_rank(
    rows: pd.DataFrame, flags: pd.DataFrame, chance: np.ndarray, line: np.ndarray
) -> np.ndarray:
    """Per row: its rank in the need queue of the date (homeroom.signals.ranking, early focus)."""
    enrolled = pd.DataFrame(
        {
            "student_id": rows["student_id"].astype(str),
            "school_id": rows["school_id"].astype(str),
            "absence_rate": rows["absence_rate"],
            "chronic_so_far": line,
        }
    )
    chances = enrolled[["student_id", "school_id"]].assign(probability=chance)
    queue = rank_queue(enrolled, flags, chances)
    ranks = enrolled.merge(queue[["student_id", "school_id", "rank"]], how="left")["rank"]
    return ranks.to_numpy(dtype="int64")


def _supported(flags: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """Per row: some rule suggesting early or intensive support (tier 2 or 3) fires."""
    tiers = pd.to_numeric(flags["suggested_tier"], errors="coerce").fillna(0)
    supported = flags.loc[tiers >= 2, ["district_id", "student_id"]].drop_duplicates()
    supported["rules"] = True
    rules = (
        rows[["district_id", "student_id"]]
        .merge(supported, on=["district_id", "student_id"], how="left")["rules"]
        .fillna(False)
    )
    return rules.astype(bool).to_numpy()


def student_groups(tables: Tables, year: int) -> pd.DataFrame:
    """The evaluation's student groups (never model inputs), one row per student."""
    students = tables.students
    if tables.students_by_year:
        students = students.filter(students.school_year == ibis.literal(year, "int64"))
    frame = to_frame(students.select("student_id", *GROUP_COLUMNS))
    return frame.drop_duplicates("student_id")
