"""The watch list's rows: which students the rules flag as of a date, why, and the evidence.

`flag_students(tables, definition, as_of)` gives one row per student, school and rule that fires
(docs/signals.md, "Rules"). The facts (`homeroom.signals.facts`) and the rule columns
(`homeroom.signals.rules`) are one Ibis expression that runs on DuckDB or Spark; only the
students who meet some rule come back to pandas, where each flag's reason is written.
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb
import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.signals import reasons
from homeroom.signals.facts import facts_and_totals
from homeroom.signals.features import RATE_KEYS, rates_frame
from homeroom.signals.history import school_year_at
from homeroom.signals.rules import RULE_IDS, RULES, RuleInput

Progress = Callable[[str], None]

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
_DATES = ("first_day", "longest_run_start", "longest_run_end", "support_started")
_TEXTS = ("student_id", "school_id", "rule", "reason", "district_id", "grade_level",
          "support_basis")  # fmt: skip
_WHOLE = ("suggested_tier", "school_year", "days_enrolled", "months_completed", "longest_run",
          "recent_days_enrolled", "prior_year_days_enrolled",
          "since_support_days_enrolled")  # fmt: skip
# The flag rows' Arrow types, as Parquet gets them from a frame of flag rows (a part's column
# that is all empty has none of its own): days and rates are floats.
FLAG_SCHEMA = pa.schema(
    [
        (c, pa.date32() if c in _DATES else pa.string() if c in _TEXTS else pa.int64()
         if c in _WHOLE else pa.float64())
        for c in COLUMNS
    ]
)  # fmt: skip


def with_rules(facts: ir.Table, definition: Definition, units_per_day: int) -> ir.Table:
    """Student facts with one boolean column per rule, named by its id."""
    given = RuleInput(facts, definition.signals, units_per_day, definition.minimum_days_enrolled)
    return facts.mutate(**{rule.id: rule.fires(given).fill_null(False) for rule in RULES})


class Scratch:
    """Intermediate tables stored for one run on DuckDB (temporary tables, dropped at the end).

    A table used by several parts of the rules (the stays, the students, the ordered absence
    rows) is then computed once, and DuckDB plans the rest knowing its real size. Elsewhere
    (Spark cannot keep temporary tables, see STACK.md) `keep` returns the expression as is.
    """

    def __init__(self, tables: Tables, *, hand_back_memory: str | None = None) -> None:
        backend = tables.attendance.get_backend()
        self._backend = backend if backend.name == "duckdb" else None
        self._names: list[str] = []
        # The connection's memory limit, given only where the connection is the command's own:
        # the limit is its database's, and a web request beside it must not meet 64 MB. (DuckDB
        # reads its limit back rounded, so the one to restore is given.)
        self._limit = hand_back_memory

    def keep(self, table: ir.Table) -> ir.Table:
        if self._backend is None:
            return table
        name = f"homeroom_signals_{uuid.uuid4().hex[:12]}"
        self._backend.create_table(name, table, temp=True)
        self._names.append(name)
        return self._backend.table(name)

    @property
    def stores(self) -> bool:
        """Whether `keep` stores tables (else each use of a kept table computes it again)."""
        return self._backend is not None

    def release(self) -> None:
        """Hand back the memory DuckDB keeps of its work so far (cached pages; stored tables go
        to its spill folder): what comes next is pandas' (a state's queue held 3 GiB of DuckDB's
        pages beside 4 GiB of frames). The limit comes back at once; pages read later return.
        Nothing unless made with `hand_back_memory` (the limit to restore)."""
        if self._backend is None or self._limit is None:
            return
        con = self._backend.con
        # (fetchall: DuckDB refuses other work while a result is unfinished)
        try:
            con.execute("SET memory_limit = '64MB'").fetchall()
        except duckdb.Error:
            pass  # pinned pages it cannot let go: nothing lost but the memory
        finally:
            con.execute("SET memory_limit = ?", [self._limit]).fetchall()

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._backend is not None:
            for name in self._names:
                self._backend.drop_table(name, force=True)
            self.release()
        self._names.clear()


# Flagged students turned into flag rows at a time (`flag_parts`): a state's 4 million flagged
# students as one frame of 8 million evidence rows held 8.5 GiB (docs/benchmarks.md).
PART_STUDENTS = 100_000


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
    with flag_parts(tables, definition, as_of, progress=progress) as found:
        parts = list(found.parts())
    return pd.concat(parts, ignore_index=True) if parts else empty_flags()


class FlagParts:
    """The flag rows of a run, a group of whole schools at a time (`flag_parts`).

    The groups follow the schools' order, which is the rows' first sort key, so the parts one
    after another are exactly `flag_students`' rows.
    """

    def __init__(
        self, flagged: ir.Table, totals: ir.Table, definition: Definition, units_per_day: int,
        say: Progress, part_students: int,
    ) -> None:  # fmt: skip
        self.flagged = flagged
        self._totals = totals
        self._definition = definition
        self._units_per_day = units_per_day
        self._say = say
        self._part_students = part_students
        schools = flagged.group_by("school_id").aggregate(students=flagged.count())
        counted = schools.to_pyarrow().to_pydict()
        self.schools = sorted(zip(counted["school_id"], counted["students"], strict=True))
        self.students = sum(n for _, n in self.schools)  # (a student once per school)

    def parts(self) -> Iterator[pd.DataFrame]:
        """Each group's flag rows (columns `COLUMNS`), in `flag_students`' order."""
        for facts in self.fact_parts("writing the reasons"):
            yield long_flags(facts, self._definition, self._units_per_day)

    def fact_parts(self, doing: str = "the reasons") -> Iterator[pd.DataFrame]:
        """Each group's flagged students' facts (flagged_facts' columns), schools in order."""
        done = 0
        for low, high, students in school_ranges(self.schools, self._part_students):
            self._say(f"{doing} of students {done + 1:,}-{done + students:,} "
                      f"of {self.students:,}")  # fmt: skip
            school = self.flagged.school_id
            part = self.flagged.filter((school >= low) & (school <= high))
            done += students
            # Straight from Arrow: dates come as dates, several times faster than Ibis' own.
            yield part.to_pyarrow().to_pandas()

    def rates(self) -> pd.DataFrame:
        """Every student enrolled on D with their rate so far, as `student_features` gives it
        (features.rates_frame: the same rows, order and values)."""
        totals = self._totals.select(*RATE_KEYS, "absent_units", "days_enrolled")
        return rates_frame(totals, self._units_per_day)

    def students_by_rule(self) -> dict[str, int]:
        """How many students each rule flags (a student at two schools once)."""
        flagged = self.flagged
        counts = flagged.aggregate(
            **{rule: flagged.student_id.nunique(where=flagged[rule]) for rule in RULE_IDS}
        ).to_pyarrow().to_pylist()[0]  # fmt: skip
        return {rule: int(counts[rule] or 0) for rule in RULE_IDS}

    def students_flagged(self) -> int:
        """How many students some rule flags (a student at two schools once)."""
        return int(self.flagged.student_id.nunique().to_pyarrow().as_py() or 0)


def school_ranges(
    schools: list[tuple[str, int]], part_students: int
) -> Iterator[tuple[str, str, int]]:
    """Sorted (school, students) as ranges of whole schools (first, last, students) of about
    `part_students` each (a larger school is a range of its own)."""
    first, count = None, 0
    for index, (school, students) in enumerate(schools):
        if first is None:
            first = school
        count += students
        if count >= part_students or index == len(schools) - 1:
            yield first, school, count
            first, count = None, 0


@contextmanager
def flag_parts(
    tables: Tables,
    definition: Definition,
    as_of: dt.date,
    *,
    progress: Progress | None = None,
    part_students: int = PART_STUDENTS,
    rates: bool = False,
    hand_back_memory: str | None = None,
) -> Iterator[FlagParts]:
    """The run's flagged students kept once (DuckDB: a temporary table, gone on exit), to be
    turned into flag rows part by part: a state's watch list in bounded memory. `rates`: the
    enrolled students' rates will be read (`FlagParts.rates`). `hand_back_memory`: the
    connection is the command's own and this its memory limit ("3GB"): DuckDB's pages may be
    handed back (`Scratch.release`)."""
    say = progress or (lambda _step: None)
    say("finding the school year")
    year = school_year_at(tables, as_of)
    with Scratch(tables, hand_back_memory=hand_back_memory) as scratch:
        say(f"working out each student's school year {year} through {as_of.isoformat()}")
        facts, totals = facts_and_totals(tables, definition, as_of, year, keep=scratch.keep)
        facts = with_rules(facts, definition, tables.units_per_day)
        say("applying the rules")
        flagged = scratch.keep(facts.filter(ibis.or_(*(facts[rule] for rule in RULE_IDS))))
        # Where nothing is stored (Spark), each part would compute every student again.
        part_students = part_students if scratch.stores else sys.maxsize
        if rates:  # stored now, read after the memory is handed back (`FlagParts.rates`)
            totals = scratch.keep(totals.select(*RATE_KEYS, "absent_units", "days_enrolled"))
        found = FlagParts(flagged, totals, definition, tables.units_per_day, say, part_students)
        scratch.release()
        yield found


def flagged_facts(
    tables: Tables, definition: Definition, as_of: dt.date, say: Progress
) -> pd.DataFrame:
    """The facts of the students some rule flags as of D, one row each, with a boolean column
    per rule (what `long_flags` turns into flag rows), all at once."""
    with flag_parts(tables, definition, as_of, progress=say, part_students=sys.maxsize) as found:
        return all_facts(found)


def all_facts(found: FlagParts) -> pd.DataFrame:
    """Every part's facts as one frame (the columns, when no student is flagged)."""
    parts = list(found.fact_parts())
    if parts:
        return pd.concat(parts, ignore_index=True)
    return found.flagged.limit(0).to_pyarrow().to_pandas()


def long_flags(facts: pd.DataFrame, definition: Definition, units_per_day: int) -> pd.DataFrame:
    """Student facts (one row per student with a column per rule) as one row per rule that
    fires, with its suggested tier, reason and the evidence columns, sorted by need."""
    positions: list[np.ndarray] = []
    numbers: list[np.ndarray] = []
    tiers: list[int | None] = []
    texts: list[str] = []
    need = np.zeros(len(facts), dtype="int64")
    for index, rule in enumerate(RULES):
        fired = facts[rule.id].astype(bool).to_numpy()
        where = np.flatnonzero(fired)
        if not len(where):
            continue
        if rule.suggested_tier is not None:
            need = np.where(fired, np.maximum(need, rule.suggested_tier), need)
        positions.append(where)
        numbers.append(np.full(len(where), index))
        tiers += [rule.suggested_tier] * len(where)
        texts += rule.reason(reasons.Texts(facts.iloc[where], units_per_day), definition.signals)
    if not positions:
        return empty_flags()
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
    return student_order(
        evidence["school_id"], evidence["student_id"], evidence["absence_rate"], need
    )


def student_order(
    school_id: pd.Series, student_id: pd.Series, absence_rate: pd.Series, need: np.ndarray
) -> np.ndarray:
    """The order of the students' flag rows: school, then need (the highest tier a rule
    suggests), then absence rate (highest first), then student id."""
    schools = pd.factorize(school_id, sort=True)[0]
    students = pd.factorize(student_id, sort=True)[0]
    rate = absence_rate.fillna(0).to_numpy()
    return np.lexsort((students, -rate, -need, schools))


def empty_flags() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    frame["suggested_tier"] = frame["suggested_tier"].astype("Int64")
    return frame
