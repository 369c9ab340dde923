"""The early-warning ranking: one row per flagged student, in order of need; and the need queue.

Need order, as the school's watch list has always shown it: intensive support (a tier 3 rule)
first, then early support (tier 2), then patterns worth a conversation; within each, the
students with more rules first, then the higher absence rate, then the student id (so the order
never depends on how the rows arrived). The work queue, the watch list and the API read it here.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.extensions import take

from homeroom.signals.rules import RULES

MAX_REASON_WORDS = 12
_RULE_ORDER = {rule.id: n for n, rule in enumerate(RULES)}
_TITLES = {rule.id: rule.title for rule in RULES}
RANK_COLUMNS = (
    "student_id",
    "school_id",
    "school_year",
    "grade_level",
    "suggested_tier",
    "absence_rate",
    "days_absent",
    "prior_year_rate",
    "rules",
    "main_rule",
    "main_reason",
    "reasons",
    "need_rank",
)
# What rank_students reads of the flag rows (prior_year_rate may be missing).
_FIRST_COLUMNS = ("student_id", "school_id", "rule", "suggested_tier", "reason", "school_year",
                  "grade_level", "absence_rate", "days_absent", "prior_year_rate")  # fmt: skip


def short_reason(rule: str, reason: str) -> str:
    """The reason in at most 12 words: the rule's own sentence when short enough, else its
    title ("chronically absent this year so far")."""
    words = str(reason).split()
    if 0 < len(words) <= MAX_REASON_WORDS:
        return str(reason)
    title = _TITLES.get(rule, rule.replace("_", " "))
    return title[:1].upper() + title[1:]


def rank_students(flags: pd.DataFrame) -> pd.DataFrame:
    """Flag rows (homeroom.signals.flags.COLUMNS) -> one row per student and school, ranked.

    `rules` lists the student's rule ids, the main (highest tier, then first declared) rule
    first; `reasons` their sentences in the same order; `need_rank` counts from 1.
    """
    if flags.empty:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in RANK_COLUMNS})
        frame["need_rank"] = frame["need_rank"].astype("int64")
        return frame
    # Whole-column sorts, no pandas work per student: a state flags hundreds of thousands.
    wanted = [c for c in _FIRST_COLUMNS if c in flags.columns]
    keyed = flags.loc[flags["student_id"].notna() & flags["school_id"].notna(), wanted]
    keyed = keyed.reset_index(drop=True)
    # Students in the order they first appear (as groupby(sort=False) had them).
    group = keyed.groupby(["student_id", "school_id"], sort=False).ngroup().to_numpy()
    tier = pd.to_numeric(keyed["suggested_tier"], errors="coerce").astype("float64")
    declared = keyed["rule"].map(_RULE_ORDER).fillna(99).to_numpy()
    # Within a student: highest tier first (none counts as 0), then the order declared.
    order = np.lexsort((np.arange(len(keyed)), declared, -tier.fillna(0).to_numpy(), group))
    rows = keyed.take(order).reset_index(drop=True)
    cut = np.flatnonzero(np.diff(group[order])) + 1
    starts = np.concatenate(([0], cut))
    first = rows.take(starts).reset_index(drop=True)
    top = pd.Series(tier.to_numpy()[order]).groupby(group[order]).max().to_numpy()
    rates = [None if pd.isna(r) else float(r) for r in first["absence_rate"].tolist()]
    counts = np.diff(np.append(starts, len(rows)))
    main = [str(r) for r in first["rule"].tolist()]
    frame = pd.DataFrame(
        {
            "student_id": [str(s) for s in first["student_id"].tolist()],
            "school_id": [str(s) for s in first["school_id"].tolist()],
            "school_year": [int(y) for y in first["school_year"].tolist()],
            "grade_level": first["grade_level"].tolist(),
            "suggested_tier": [None if t != t else int(t) for t in top.tolist()],
            "absence_rate": rates,
            "days_absent": first["days_absent"].tolist(),
            "prior_year_rate": (
                first["prior_year_rate"].tolist()
                if "prior_year_rate" in first
                else [None] * len(first)
            ),
            "rules": _split(rows["rule"], cut),
            "main_rule": main,
            "main_reason": [
                short_reason(rule, str(reason))
                for rule, reason in zip(main, first["reason"].tolist(), strict=True)
            ],
            "reasons": _split(rows["reason"], cut),
        }
    )
    band = np.array([{3: 0, 2: 1}.get(int(t) if t == t else 0, 2) for t in top.tolist()])
    ids = pd.factorize(frame["student_id"], sort=True)[0]
    need = np.lexsort(
        (np.arange(len(frame)), ids, -np.array([r or 0.0 for r in rates]), -counts, band)
    )
    frame = frame.take(need)
    frame["suggested_tier"] = frame["suggested_tier"].astype("Int64")
    frame["need_rank"] = range(1, len(frame) + 1)
    return frame.reset_index(drop=True).loc[:, list(RANK_COLUMNS)]


def _split(column: pd.Series, cut: np.ndarray) -> list[list[object]]:
    """The column's values as one list per student (`cut`: where each next student starts)."""
    # List slices: np.split makes an array per student, several times slower.
    values = column.to_numpy(dtype=object).tolist()
    bounds = [0, *cut.tolist(), len(values)]
    return [values[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


# The need queue (`homeroom signals queue`, docs/signals.md "The ranked queue"): every student
# enrolled on the date, the rules and the model's chance combined.
QUEUE_COLUMNS = (
    "student_id",
    "school_id",
    "rank",
    "suggested_tier",
    "chance_chronic",
    "main_reason",
    "rules",
)


FOCUSES = ("early", "need")


def rank_queue(
    enrolled: pd.DataFrame,
    flags: pd.DataFrame,
    chances: pd.DataFrame | None = None,
    *,
    focus: str = "early",
) -> pd.DataFrame:
    """One row per enrolled student in need order: QUEUE_COLUMNS, `rank` from 1.

    `enrolled`: student_id, school_id, absence_rate (this year so far; NaN when unknown) and,
    optionally, chronic_so_far (already over the definition's line this year), one row per
    student enrolled on the date. `flags`: the rules' rows (homeroom.signals.flags.COLUMNS).
    `chances`: student_id, school_id, probability from the trained model, or None when no model
    is trained (then `chance_chronic` is empty and the rules alone order the list).

    Need order: a student a tier 3 rule flags (intensive support) comes first; then, with a
    model, everyone else by the model's chance, highest first; without one, tier 2 rules, then
    patterns worth a conversation, then students no rule flags. Ties: more rules first, then the
    higher absence rate, then the student id, so the order never depends on how the rows
    arrived. `focus="early"` (the default) puts the students not yet chronically absent this
    year first, in that order, then those already over the line, in that order: the queue is
    for reaching students before they cross (docs/signals.md). `focus="need"` is need order
    alone.
    """
    return queue_from_ranked(enrolled, rank_students(flags), chances, focus=focus)


def queue_from_ranked(
    enrolled: pd.DataFrame,
    ranked: pd.DataFrame,
    chances: pd.DataFrame | None = None,
    *,
    focus: str = "early",
) -> pd.DataFrame:
    """rank_queue from the flagged students already ranked: rank_students' rows, or at least
    student_id, school_id, suggested_tier, absence_rate, rules, main_rule, main_reason and
    need_rank (homeroom.signals.queue_flags works out only those)."""
    if focus not in FOCUSES:
        raise ValueError(f"focus must be one of {', '.join(FOCUSES)}; got {focus!r}")
    rows = _with_flags(enrolled, ranked)
    chance = np.full(len(rows), np.nan)
    if chances is not None:
        merged = rows[["student_id", "school_id"]].merge(
            chances[["student_id", "school_id", "probability"]],
            on=["student_id", "school_id"],
            how="left",
        )
        chance = merged["probability"].to_numpy(dtype=float)
    over = rows["chronic_so_far"].to_numpy(dtype=bool) if focus == "early" else None
    order = _need_order(rows, chance, chances is not None, over)
    chance = chance[order]
    rate, reason = rows["absence_rate"].to_numpy()[order], rows["main_reason"].array.take(order)
    out = pd.DataFrame(
        {
            "student_id": rows["student_id"].array.take(order),
            "school_id": rows["school_id"].array.take(order),
            "rank": np.arange(1, len(rows) + 1, dtype="int64"),
            "suggested_tier": rows["suggested_tier"].array.take(order),
            "chance_chronic": pd.Series(chance).round(4).to_numpy(),
            "main_reason": _streamed_text(
                (_queue_reason(r, c, a) for r, c, a in zip(reason, chance, rate, strict=True)),
                len(order),
            ),
            "rules": _streamed_text(
                (";".join(r) for r in rows["rules"].to_numpy()[order]), len(order)
            ),  # fmt: skip
        }
    )
    return out.loc[:, list(QUEUE_COLUMNS)]


def _streamed_text(texts: Iterator[str], count: int) -> pd.Series:
    """Text made row by row straight into one Arrow array: a state's queue never holds 6
    million Python strings at once."""
    return pa.array(texts, type=pa.string(), size=count).to_pandas()


def _need_order(
    rows: pd.DataFrame, chance: np.ndarray, with_model: bool, over: np.ndarray | None
) -> np.ndarray:
    """The rows' positions in need order (see rank_queue); students `over` the line last."""
    tier = pd.to_numeric(rows["suggested_tier"], errors="coerce").to_numpy(dtype=float)
    if with_model:
        band = (tier != 3).astype(int)  # (NaN: no tier)
    else:
        band = np.full(len(rows), 3)
        band[rows["main_rule"].notna().to_numpy()] = 2
        band[tier == 2] = 1
        band[tier == 3] = 0
    # One stable sort of whole columns (a state's queue is 6 million rows): over the line, band,
    # then, highest first, the model's chance (students it could not score, none normally,
    # after those it scored), rules, absence rate; then the student id.
    ids = pd.factorize(rows["student_id"], sort=True)[0]
    rules = rows["rules"].map(len).to_numpy()
    rate = np.nan_to_num(rows["absence_rate"].to_numpy(dtype=float), nan=0.0)
    later = over.astype(int) if over is not None else np.zeros(len(rows), dtype=int)
    return np.lexsort((ids, -rate, -rules, -np.nan_to_num(chance, nan=-1.0), band, later))


def _with_flags(enrolled: pd.DataFrame, ranked: pd.DataFrame) -> pd.DataFrame:
    """Each enrolled student with their ranked flags: those at the same school, else (a student
    flagged at a school they have since left) their most urgent flags at another. Taken by
    position, not merged, and ids kept as pandas' text arrays, never 6 million Python strings:
    a state's enrolled students are one frame."""
    student_id, school_id = _text(enrolled["student_id"]), _text(enrolled["school_id"])
    at = _flag_rows(student_id, school_id, ranked)
    flagged = at >= 0
    rate = pd.to_numeric(enrolled["absence_rate"], errors="coerce").to_numpy(dtype=float)
    flagged_rate = take(ranked["absence_rate"].to_numpy(dtype=float), at, allow_fill=True)
    over = enrolled.get("chronic_so_far", pd.Series(False, index=enrolled.index))
    nothing: list[str] = []  # (read only: the rules of a student no rule flags)
    rules = take(ranked["rules"].to_numpy(dtype=object), at, allow_fill=True)
    for row in np.flatnonzero(~flagged):  # (numpy reads a list of lists as a 2-d array)
        rules[row] = nothing
    return pd.DataFrame(
        {
            "student_id": student_id.array,
            "school_id": school_id.array,
            "absence_rate": np.where(np.isnan(rate), flagged_rate, rate),
            "chronic_so_far": over.fillna(False).to_numpy(dtype=bool),
            "suggested_tier": ranked["suggested_tier"]
            .astype("Int64")
            .array.take(at, allow_fill=True),
            "rules": rules,
            "main_rule": _text(ranked["main_rule"]).array.take(at, allow_fill=True),
            "main_reason": _text(ranked["main_reason"]).array.take(at, allow_fill=True),
        }
    )


def _text(values: pd.Series) -> pd.Series:
    """A column as pandas' text (its own array when it is text already)."""
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return values.reset_index(drop=True)
    return values.astype(str).reset_index(drop=True)


def _flag_rows(student_id: pd.Series, school_id: pd.Series, ranked: pd.DataFrame) -> np.ndarray:
    """For each enrolled student and school, the position of their row in `ranked` at that
    school, else of their row there with the lowest need_rank, else -1."""
    n = len(student_id)
    both = [student_id, _text(ranked["student_id"])]
    students = pd.factorize(pd.concat(both, ignore_index=True))[0]
    schools = pd.factorize(pd.concat([school_id, _text(ranked["school_id"])], ignore_index=True))[0]
    pair = students.astype("int64") * (int(schools.max(initial=0)) + 1) + schools
    at = pd.Index(pair[n:]).get_indexer(pair[:n])  # one ranked row per student and school
    elsewhere = np.flatnonzero(at < 0)
    if len(elsewhere) and len(ranked):
        by_need = np.argsort(ranked["need_rank"].to_numpy(), kind="stable")
        codes, first = np.unique(students[n:][by_need], return_index=True)
        wanted = students[:n][elsewhere]
        found = np.minimum(np.searchsorted(codes, wanted), len(codes) - 1)
        hit = codes[found] == wanted
        at[elsewhere[hit]] = by_need[first[found[hit]]]
    return at


def _queue_reason(rule_reason: object, chance: float, rate: float) -> str:
    """The main rule's reason; else, in at most 12 words, what puts the student where they are."""
    if isinstance(rule_reason, str) and rule_reason:
        return rule_reason
    if chance == chance:  # not NaN: a model is trained
        return f"No rule fires; the model gives a {chance:.0%} chance of chronic absence"
    if rate == rate:
        return f"No rule fires; {rate:.1%} absent so far this year"
    return "No rule fires"


def queue_for_school(queue: pd.DataFrame, school_id: str) -> pd.DataFrame:
    """The queue of one school, ranked from 1 within it (the district's order kept)."""
    one = queue[queue["school_id"] == str(school_id)].reset_index(drop=True)
    one["rank"] = pd.Series(range(1, len(one) + 1), dtype="int64")
    return one


def queue_within_capacity(queue: pd.DataFrame, capacity: float | None) -> pd.DataFrame:
    """The first students a team can serve: `capacity` a share of the queue's students (0.1:
    10%, rounded up) or a number of them (400); None keeps everyone."""
    if capacity is None:
        return queue
    if capacity <= 0:
        raise ValueError(f"capacity must be above 0; got {capacity}")
    keep = int(capacity) if capacity >= 1 else int(math.ceil(capacity * len(queue)))
    return queue.head(keep).reset_index(drop=True)
