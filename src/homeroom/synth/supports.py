"""Synthetic supports with a known effect: `homeroom synth --supports --support-effect POINTS`.

Run after the rest of the district is written, on its files, so a district without supports
stays byte-identical. Supports are given the way schools give them: in the latest school
year, each school starts its supports on one date between 35% and 65% of its instructional
days (a campaign; one date a school, so that a student not served was judged on the same
date as the served: docs/effect.md). Each stay spanning that date by 20 school days each
side (a student's first such stay) is served with a chance that grows with the absence rate
over the 20 school days before the start, as an early-warning flag sees it: 55% at 10% or
more, 20% from 5%, 4% below (flagged students mostly, some others). Choosing on a recent
stretch is what makes a plain before/after comparison mislead (regression to the mean).

The known effect is built by thinning: for a served student, whole-day absences (codes A, E,
U, S: a whole day under every definition) on or after the start date are removed at random,
k of them over the D membership days from the start to the end of the stay, so that the
student's rate after the start falls by k / D. k is chosen so that the mean of k / D over the
served students is exactly |POINTS| / 100: each student aims at |POINTS| / 100 plus what the
students before fell short of (rounding to whole days, or too few absences to remove), so the
shortfall is carried on and the mean misses by at most one day over the last student's D,
divided by the number served. What the rate "would have been" is the generated attendance
itself, so the effect is exact against the counterfactual, not merely in expectation.
Only lowering is built (POINTS <= 0): adding absences would need days to invent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from homeroom.synth.writer import path_for, write_table

# The kinds of support (issue 14: a letter, a call, a home visit, a plan at each tier),
# their tier and how often a served student gets each.
SUPPORT_KINDS: tuple[tuple[str, int, float], ...] = (
    ("letter", 1, 0.22),
    ("call", 1, 0.22),
    ("home visit", 2, 0.16),
    ("plan tier 1", 1, 0.14),
    ("plan tier 2", 2, 0.14),
    ("plan tier 3", 3, 0.12),
)
WHOLE_DAY_CODES = ("A", "E", "U", "S")
_COUNTED = {"A": 1.0, "E": 1.0, "U": 1.0, "S": 1.0, "H": 0.5}  # as `default` counts
RECENT_DAYS = 20  # a school flags on the absence rate over the last 20 school days
MIN_DAYS_EACH_SIDE = 20  # a start needs this many membership days in them and after it
SUPPORTS_SCHEMA = pa.schema(
    [
        ("student_id", pa.string()),
        ("school_id", pa.string()),
        ("support", pa.string()),
        ("tier", pa.int32()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
    ]
)


@dataclass(frozen=True)
class SupportsSummary:
    served: int
    absences_removed: int
    mean_rate_change: float  # the mean of -k / D over the served students, in points


def add_supports(
    out_dir: Path, fmt: str, rng: np.random.Generator, effect_points: float
) -> SupportsSummary:
    """Write `supports` beside the district's tables and thin the served students' absences."""
    if effect_points > 0:
        raise ValueError("--support-effect must be 0 or negative (points fewer absences)")
    tables = {name: _read(out_dir, name, fmt) for name in ("enrollments", "calendar", "schools")}
    arrow = _read_arrow(out_dir, "attendance", fmt)
    attendance = arrow.to_pandas(date_as_object=False)
    stays = _candidate_stays(rng, tables, attendance)
    served = stays[rng.random(len(stays)) < _serve_chance(stays["before_rate"].to_numpy())]
    served = served.reset_index(drop=True)
    weights = np.array([w for _, _, w in SUPPORT_KINDS])
    served["kind"] = rng.choice(len(SUPPORT_KINDS), size=len(served), p=weights / weights.sum())
    drop, changes = _thin(rng, served, attendance, -effect_points / 100)
    keep = np.ones(arrow.num_rows, dtype=bool)
    keep[np.asarray(drop, dtype=np.int64)] = False
    write_table(arrow.filter(pa.array(keep)), out_dir, "attendance", fmt)
    write_table(_supports_table(served), out_dir, "supports", fmt)
    return SupportsSummary(
        served=len(served),
        absences_removed=len(drop),
        mean_rate_change=float(-np.mean(changes) * 100) if len(changes) else 0.0,
    )


def _read_arrow(out_dir: Path, name: str, fmt: str) -> pa.Table:
    path = path_for(out_dir, name, fmt)
    if fmt == "parquet":
        return pq.read_table(path)
    # Empty text stays empty (not ""), so a rewritten CSV reads as the generator wrote it.
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))


def _read(out_dir: Path, name: str, fmt: str) -> pd.DataFrame:
    return _read_arrow(out_dir, name, fmt).to_pandas(date_as_object=False)


def _serve_chance(before_rate: np.ndarray) -> np.ndarray:
    """Mostly flagged students, some at risk, a few others: how schools really give supports."""
    return np.where(before_rate >= 0.10, 0.55, np.where(before_rate >= 0.05, 0.20, 0.04))


def _candidate_stays(
    rng: np.random.Generator, tables: dict[str, pd.DataFrame], attendance: pd.DataFrame
) -> pd.DataFrame:
    """Stays of the latest year enrolled all of the RECENT_DAYS school days before their
    school's start date and MIN_DAYS_EACH_SIDE after (a student's first such stay), with the
    days and absences of those recent days.

    Every such stay is a candidate, a mover's second school included: a student the
    estimate may compare with is one who could have been served."""
    stays = tables["enrollments"]
    year = stays["school_year"].max()
    stays = stays[stays["school_year"] == year].sort_values(["student_id", "entry_date"])
    cal = tables["calendar"]
    cal = cal[(cal["school_year"] == year) & cal["instructional"].astype(bool)]
    days_of = {c: np.sort(g["date"].to_numpy()) for c, g in cal.groupby("calendar_id")}
    schools = tables["schools"]
    calendar_of = dict(zip(schools["school_id"], schools["calendar_id"], strict=True))
    school_ids = sorted(calendar_of)
    share = dict(zip(school_ids, 0.35 + 0.30 * rng.random(len(school_ids)), strict=True))
    rows = []
    for stay in stays.itertuples(index=False):
        days = days_of[calendar_of[stay.school_id]]
        start = days[int(len(days) * share[stay.school_id])]
        last = days[-1] if pd.isna(stay.exit_date) else np.datetime64(stay.exit_date)
        member = days[(days >= np.datetime64(stay.entry_date)) & (days <= last)]
        at = int(np.searchsorted(days, start))
        recent = days[max(at - RECENT_DAYS, 0)]  # the first of the school days a flag looks at
        before = int(((member < start) & (member >= recent)).sum())
        after = int((member >= start).sum())
        rows.append((stay.student_id, stay.school_id, start, recent, last, before, after))
    frame = pd.DataFrame(
        rows,
        columns=["student_id", "school_id", "start", "recent", "last", "days_before", "days_after"],
    )
    frame = frame[
        (frame["days_before"] >= MIN_DAYS_EACH_SIDE) & (frame["days_after"] >= MIN_DAYS_EACH_SIDE)
    ]
    frame = frame.drop_duplicates("student_id").reset_index(drop=True)
    counted = attendance.assign(amount=attendance["code"].map(_COUNTED).fillna(0.0))
    joined = counted.merge(
        frame[["student_id", "school_id", "start", "recent"]], on=["student_id", "school_id"]
    )
    window = (joined["date"] < joined["start"]) & (joined["date"] >= joined["recent"])
    early = joined[window].groupby("student_id")["amount"].sum()
    frame = frame.assign(absent_before=frame["student_id"].map(early).fillna(0.0).to_numpy())
    return frame.assign(before_rate=frame["absent_before"] / frame["days_before"])


def _thin(
    rng: np.random.Generator, served: pd.DataFrame, attendance: pd.DataFrame, drop_rate: float
) -> tuple[list[int], list[float]]:
    """Row labels of attendance to remove, and each served student's rate change k / D."""
    whole = attendance[attendance["code"].isin(WHOLE_DAY_CODES)]
    after = whole.reset_index(names="row").merge(
        served[["student_id", "school_id", "start", "last"]].reset_index(names="who"),
        on=["student_id", "school_id"],
    )
    after = after[(after["date"] >= after["start"]) & (after["date"] <= after["last"])]
    rows_of = {who: g["row"].to_numpy() for who, g in after.groupby("who")}
    drop: list[int] = []
    changes: list[float] = []
    owed = 0.0  # the rate the students before fell short of, carried on
    for who, days in enumerate(served["days_after"].to_numpy()):
        rows = rows_of.get(who, np.empty(0, dtype=np.int64))
        aim = drop_rate + owed
        k = int(min(max(round(aim * days), 0), len(rows)))
        drop.extend(int(r) for r in rng.permutation(rows)[:k])
        changes.append(k / days)
        owed = aim - k / days
    return drop, changes


def _supports_table(served: pd.DataFrame) -> pa.Table:
    kinds = served["kind"].to_numpy()
    order = np.lexsort((served["student_id"].to_numpy(),))
    return pa.table(
        {
            "student_id": pa.array(served["student_id"].to_numpy()[order], pa.string()),
            "school_id": pa.array(served["school_id"].to_numpy()[order], pa.string()),
            "support": pa.array([SUPPORT_KINDS[k][0] for k in kinds[order]], pa.string()),
            "tier": pa.array([SUPPORT_KINDS[k][1] for k in kinds[order]], pa.int32()),
            "start_date": pa.array(served["start"].to_numpy()[order].astype("datetime64[D]")),
            "end_date": pa.nulls(len(served), pa.date32()),
        },
        schema=SUPPORTS_SCHEMA,
    )
