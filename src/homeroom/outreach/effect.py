"""Did each support work? The estimate behind `homeroom effect`, the web page and the report.

The first parameter is a `homeroom.resolver.Resolved` (data, definition, as-of date): the
school year is the one the as-of date falls in, absences are counted as its definition counts
them, and only school days up to the as-of date are used. Supports come from the validated
`supports` table, plus any `Event`s the caller adds (the casebook's plans, actions and
imported supports: the casebook is read by the caller, so this module stays one way).
For each kind of support, and for all pooled (each student's first support), every served
student is matched (homeroom.outreach.effect_match) to students of the same school and grade
not served by the as-of date. docs/effect.md explains the method and its limits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from homeroom.metrics.absences import row_amounts
from homeroom.outreach.effect_match import Days, Estimate, Pair, estimate, match
from homeroom.resolver import Resolved

POOLED = "all"
COLUMNS = (
    "support",
    "students_served",
    "students_compared",
    "rate_change_served",
    "rate_change_compared",
    "effect_points",
    "ci_low",
    "ci_high",
    "conclusion",
)


@dataclass(frozen=True)
class Event:
    """One support started for one student at one school."""

    support: str
    student_id: str
    school_id: str
    start_date: dt.date


def supports_recorded(resolved: Resolved) -> list[Event]:
    """The validated supports table (empty for a dataset without one, or a load made before
    the table existed)."""
    known = resolved.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'supports'"
    ).fetchall()[0][0]
    if not known:
        return []
    rows = resolved.con.execute(
        "SELECT support, student_id, school_id, start_date FROM supports "
        "ORDER BY student_id, start_date, support"
    ).fetchall()
    return [Event(str(s), str(st), str(sc), d) for s, st, sc, d in rows]


def effects(resolved: Resolved, extra: Iterable[Event] = ()) -> list[Estimate]:
    """One estimate per kind of support (alphabetical), then the pooled row `all`."""
    # The same support from two sources (the loaded table and its copy in the casebook) once.
    recorded = dict.fromkeys([*supports_recorded(resolved), *extra])
    events = [e for e in recorded if e.start_date <= resolved.as_of]
    if not events:
        return []
    groups, where = _days(resolved)
    served = {e.student_id for e in events}
    kinds = sorted({e.support for e in events})
    firsts: dict[str, Event] = {}
    for event in sorted(events, key=lambda e: (e.start_date, e.support)):
        firsts.setdefault(event.student_id, event)
    rows = [
        estimate(kind, _pairs([e for e in events if e.support == kind], groups, where, served))
        for kind in kinds
    ]
    return [*rows, estimate(POOLED, _pairs(list(firsts.values()), groups, where, served))]


def as_frame(rows: list[Estimate]) -> pd.DataFrame:
    """The rows with the columns of `homeroom effect`'s file, figures to 2 decimals."""
    frame = pd.DataFrame([[getattr(r, c) for c in COLUMNS] for r in rows], columns=list(COLUMNS))
    return frame.round(2)


_Key = tuple[str, str]  # school_id, grade_level


def _pairs(
    events: list[Event],
    groups: dict[_Key, tuple[Days, np.ndarray]],
    where: dict[tuple[str, str], tuple[_Key, int]],
    served: set[str],
) -> list[Pair]:
    pairs = []
    pools: dict[_Key, np.ndarray] = {}
    for event in events:
        found = where.get((event.school_id, event.student_id))
        if found is None:
            continue
        key, row = found
        days, dates = groups[key]
        if key not in pools:
            pools[key] = np.array(
                [i for i, s in enumerate(days.student_ids) if s not in served], dtype=np.int64
            )
        pool = pools[key]
        start = int(np.searchsorted(dates, np.datetime64(event.start_date), side="left"))
        pair = match(days, row, start, pool) if len(pool) else None
        if pair is not None:
            pairs.append(pair)
    return pairs


def _days(
    resolved: Resolved,
) -> tuple[dict[_Key, tuple[Days, np.ndarray]], dict[tuple[str, str], tuple[_Key, int]]]:
    """Running totals per school and grade, and where each (school, student) sits in them.

    A student with stays in two grades of one school is counted in the first listed.
    """
    stays, calendar, absences = _frames(resolved)
    dates_of = {c: np.sort(g["date"].to_numpy()) for c, g in calendar.groupby("calendar_id")}
    first = stays.drop_duplicates(["school_id", "student_id"])[
        ["school_id", "student_id", "grade_level"]
    ]
    stays = stays.merge(first, on=["school_id", "student_id"], suffixes=("_stay", ""))
    groups: dict[_Key, tuple[Days, np.ndarray]] = {}
    where: dict[tuple[str, str], tuple[_Key, int]] = {}
    absences = absences.merge(first, on=["school_id", "student_id"])
    absent_in = dict(list(absences.groupby(["school_id", "grade_level"])))
    for (school, grade, cal), group in stays.groupby(["school_id", "grade_level", "calendar_id"]):
        key = (str(school), str(grade))
        dates = dates_of.get(cal, np.array([], dtype="datetime64[ns]"))
        ids, rows = np.unique(group["student_id"].to_numpy(), return_inverse=True)
        change = np.zeros((len(ids), len(dates) + 1))
        lo = np.searchsorted(dates, group["entry_date"].to_numpy(), side="left")
        hi = np.searchsorted(dates, group["end"].to_numpy(), side="right")
        np.add.at(change, (rows, lo), 1)
        np.add.at(change, (rows, hi), -1)
        enrolled = np.minimum(change.cumsum(1)[:, :-1], 1)
        absent = np.zeros_like(enrolled)
        found = absent_in.get(key)
        if found is not None and len(dates):
            row_of = {s: i for i, s in enumerate(ids)}
            at = np.searchsorted(dates, found["date"].to_numpy())
            who = found["student_id"].map(row_of).to_numpy()
            ok = at < len(dates)
            np.add.at(absent, (who[ok].astype(np.int64), at[ok]), found["days"].to_numpy()[ok])
        absent *= enrolled
        zero = np.zeros((len(ids), 1))
        names = tuple(str(s) for s in ids)
        groups[key] = (
            Days(names, np.hstack([zero, enrolled.cumsum(1)]), np.hstack([zero, absent.cumsum(1)])),
            dates,
        )
        where.update({(key[0], s): (key, i) for i, s in enumerate(names)})
    return groups, where


def _frames(resolved: Resolved) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The year's stays (with calendar and last day), school days and counted absences."""
    con, as_of = resolved.con, resolved.as_of
    year = con.execute(
        "SELECT max(school_year) FROM enrollments WHERE entry_date <= ?", [as_of]
    ).fetchall()[0][0]
    stays = con.execute(
        "SELECT e.student_id, e.school_id, e.grade_level, s.calendar_id, "
        "CAST(e.entry_date AS TIMESTAMP) AS entry_date, "
        "CAST(coalesce(e.last_day, DATE '9999-12-31') AS TIMESTAMP) AS end "
        "FROM enrollments e JOIN schools s USING (school_id) WHERE e.school_year = ? "
        "ORDER BY e.student_id, e.entry_date",
        [year],
    ).df()
    calendar = con.execute(
        "SELECT calendar_id, CAST(date AS TIMESTAMP) AS date FROM calendar "
        "WHERE school_year = ? AND instructional AND date <= ?",
        [year, as_of],
    ).df()
    with resolved.tables() as tables:
        rows = row_amounts(tables.attendance, resolved.definition, tables.units_per_day)
        rows = rows.filter((rows.school_year == year) & (rows.absent_units > 0))
        absences = rows.select("student_id", "school_id", "date", "absent_units").to_pandas()
    absences["date"] = pd.to_datetime(absences["date"]).to_numpy()
    absences["days"] = absences["absent_units"] / resolved.units_per_day
    return stays, calendar, absences
