"""The queue's view of the rules: one row per flagged student, straight from the rule columns.

`rank_students(flag_students(...))` builds a row per rule that fires (with every evidence
column and a reason each) and then folds them back into one row per student; the queue reads
only the folded row's tier, rate, rule list and main reason. `ranked_flags` works those out
from the flagged students' facts (one row each, a boolean column per rule) with whole-column
operations, and writes only the main rule's reason: at a million students that is a third of
the reasons and no frame of 1.3 million evidence rows. The result is the same as
`rank_students`' for the columns the queue reads (tests/signals/test_queue_flags.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from homeroom.definitions import Definition
from homeroom.signals import reasons
from homeroom.signals.flags import student_order
from homeroom.signals.ranking import short_reason
from homeroom.signals.rules import RULES

# What rank_queue reads of rank_students' rows.
QUEUE_FLAG_COLUMNS = (
    "student_id",
    "school_id",
    "suggested_tier",
    "absence_rate",
    "rules",
    "main_rule",
    "main_reason",
    "need_rank",
)
_TIER = np.array([rule.suggested_tier or 0 for rule in RULES], dtype="int64")
# A student's rules in rank_students' order: highest tier first (none counts as 0), then the
# order declared; the main rule is the first of them.
_ORDER = np.array(sorted(range(len(RULES)), key=lambda i: (-_TIER[i], i)), dtype="int64")


def ranked_flags(facts: pd.DataFrame, definition: Definition, units_per_day: int) -> pd.DataFrame:
    """Flagged students' facts (flags.flagged_facts) -> QUEUE_FLAG_COLUMNS, in need order, as
    rank_students gives them for the same students' flag rows."""
    return in_need_order([folded(facts, definition, units_per_day)])


def folded(facts: pd.DataFrame, definition: Definition, units_per_day: int) -> pd.DataFrame:
    """Flagged students' facts -> their queue rows (QUEUE_FLAG_COLUMNS but need_rank) and the
    keys of their need order (`in_need_order`), in flag_students' student order.

    Facts a group of whole schools at a time (flags.FlagParts.fact_parts, schools in order)
    folded one by one and put in need order together give what the facts at once give.
    """
    if facts.empty:
        return _nobody()
    fired = np.column_stack([facts[rule.id].astype(bool).to_numpy() for rule in RULES])
    in_order = fired[:, _ORDER]
    main = _ORDER[in_order.argmax(axis=1)]  # every row has a rule that fires
    tier = (fired * _TIER).max(axis=1)  # 0: only conversation rules
    rate = reasons.unit_rate(facts["absent_units"], facts["days_enrolled"], units_per_day)
    student_id = facts["student_id"].astype(object)
    school_id = facts["school_id"].astype(object)
    frame = pd.DataFrame(
        {
            "student_id": student_id.to_numpy(),
            "school_id": school_id.to_numpy(),
            "suggested_tier": pd.arrays.IntegerArray(tier, tier == 0),  # 0: no tier
            "absence_rate": rate.to_numpy(),
            "rules": _rule_lists(in_order),
            "main_rule": np.asarray([rule.id for rule in RULES], dtype=object)[main],
            "main_reason": _main_reasons(facts, main, definition, units_per_day),
            "_band": np.where(tier == 3, 0, np.where(tier == 2, 1, 2)),
            "_count": fired.sum(axis=1),
        }
    )
    # rank_students groups the flag rows in the order they come (flags.long_flags' student
    # order) and sorts stably by need, then student id: that order breaks any remaining tie.
    arrival = student_order(school_id, student_id, rate, tier)
    return frame.take(arrival).reset_index(drop=True)


def _nobody() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in QUEUE_FLAG_COLUMNS[:-1]})
    frame["suggested_tier"] = frame["suggested_tier"].astype("Int64")
    return frame.assign(_band=pd.Series(dtype="int64"), _count=pd.Series(dtype="int64"))


def in_need_order(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """`folded` parts (schools in order) -> QUEUE_FLAG_COLUMNS in need order, need_rank from 1."""
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts or [_nobody()])[0]
    ids = pd.factorize(frame["student_id"], sort=True)[0]
    rate = frame["absence_rate"].fillna(0.0).to_numpy()
    # lexsort is stable: rows still tied keep their arrival (flag_students') order.
    need = np.lexsort((ids, -rate, -frame["_count"].to_numpy(), frame["_band"]))
    frame = frame.take(need).reset_index(drop=True)
    frame["need_rank"] = np.arange(1, len(frame) + 1, dtype="int64")
    return frame.loc[:, list(QUEUE_FLAG_COLUMNS)]


def _rule_lists(in_order: np.ndarray) -> list[list[str]]:
    """Each row's rule ids that fire, in rank order: a new list per row (few distinct ones)."""
    ids = [RULES[i].id for i in _ORDER]
    weights = 1 << np.arange(in_order.shape[1], dtype="int64")
    codes, distinct = pd.factorize(in_order.astype("int64") @ weights)
    lists = [[ids[i] for i in range(len(ids)) if (int(code) >> i) & 1] for code in distinct]
    return [list(lists[c]) for c in codes]


def _main_reasons(
    facts: pd.DataFrame, main: np.ndarray, definition: Definition, units_per_day: int
) -> np.ndarray:
    """The main rule's reason of each row, in at most 12 words (ranking.short_reason)."""
    out = np.empty(len(facts), dtype=object)
    for index, rule in enumerate(RULES):
        where = np.flatnonzero(main == index)
        if not len(where):
            continue
        texts = rule.reason(reasons.Texts(facts.iloc[where], units_per_day), definition.signals)
        out[where] = [short_reason(rule.id, text) for text in texts]
    return out
