"""The early-warning ranking: one row per flagged student, in order of need.

Need order, as the school's watch list has always shown it: intensive support (a tier 3 rule)
first, then early support (tier 2), then patterns worth a conversation; within each, the
students with more rules first, then the higher absence rate, then the student id (so the order
never depends on how the rows arrived). The work queue, the watch list and the API read it here.
"""

from __future__ import annotations

import pandas as pd

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
    rows = []
    for (student_id, school_id), group in flags.groupby(["student_id", "school_id"], sort=False):
        ordered = group.assign(
            _tier=[-(int(t) if pd.notna(t) else 0) for t in group["suggested_tier"]],
            _order=[_RULE_ORDER.get(r, 99) for r in group["rule"]],
        ).sort_values(["_tier", "_order"], kind="stable")
        tiers = [int(t) for t in group["suggested_tier"].dropna()]
        tier = max(tiers) if tiers else None
        first = ordered.iloc[0]
        rate = float(first["absence_rate"]) if pd.notna(first["absence_rate"]) else None
        rows.append(
            {
                "student_id": str(student_id),
                "school_id": str(school_id),
                "school_year": int(first["school_year"]),
                "grade_level": first["grade_level"],
                "suggested_tier": tier,
                "absence_rate": rate,
                "days_absent": first["days_absent"],
                "prior_year_rate": first.get("prior_year_rate"),
                "rules": list(ordered["rule"]),
                "main_rule": str(first["rule"]),
                "main_reason": short_reason(str(first["rule"]), str(first["reason"])),
                "reasons": list(ordered["reason"]),
                "_need": ({3: 0, 2: 1}.get(tier or 0, 2), -len(group), -(rate or 0.0)),
            }
        )
    frame = pd.DataFrame(rows)
    frame = frame.sort_values(["_need", "student_id"], kind="stable").drop(columns="_need")
    frame["suggested_tier"] = frame["suggested_tier"].astype("Int64")
    frame["need_rank"] = range(1, len(frame) + 1)
    return frame.reset_index(drop=True).loc[:, list(RANK_COLUMNS)]
