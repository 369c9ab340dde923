"""The early-warning ranking: one row per flagged student, in order of need; and the need queue.

Need order, as the school's watch list has always shown it: intensive support (a tier 3 rule)
first, then early support (tier 2), then patterns worth a conversation; within each, the
students with more rules first, then the higher absence rate, then the student id (so the order
never depends on how the rows arrived). The work queue, the watch list and the API read it here.
"""

from __future__ import annotations

import math

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
    if focus not in FOCUSES:
        raise ValueError(f"focus must be one of {', '.join(FOCUSES)}; got {focus!r}")
    rows = _with_flags(enrolled, rank_students(flags))
    chance = pd.Series(float("nan"), index=rows.index)
    if chances is not None:
        merged = rows[["student_id", "school_id"]].merge(
            chances[["student_id", "school_id", "probability"]],
            on=["student_id", "school_id"],
            how="left",
        )
        chance = pd.Series(merged["probability"].to_numpy(dtype=float), index=rows.index)
    over = rows["chronic_so_far"] if focus == "early" else pd.Series(False, index=rows.index)
    order = _need_order(rows, chance, chances is not None, over)
    rows, chance = rows.loc[order], chance.loc[order]
    out = pd.DataFrame(
        {
            "student_id": rows["student_id"].to_numpy(),
            "school_id": rows["school_id"].to_numpy(),
            "rank": range(1, len(rows) + 1),
            "suggested_tier": pd.array(rows["suggested_tier"].to_numpy(), dtype="Int64"),
            "chance_chronic": chance.round(4).to_numpy(),
            "main_reason": [
                _queue_reason(reason, c, rate)
                for reason, c, rate in zip(
                    rows["main_reason"], chance, rows["absence_rate"], strict=True
                )
            ],
            "rules": [";".join(r) for r in rows["rules"]],
        }
    )
    out["rank"] = out["rank"].astype("int64")
    return out.loc[:, list(QUEUE_COLUMNS)]


def _need_order(
    rows: pd.DataFrame, chance: pd.Series, with_model: bool, over: pd.Series
) -> pd.Index:
    """The rows' index in need order (see rank_queue); students `over` the line last."""
    tier = pd.to_numeric(rows["suggested_tier"], errors="coerce").astype("float64")  # NaN: none
    if with_model:
        band = (tier != 3).astype(int)
    else:
        band = pd.Series(3, index=rows.index)
        band[rows["main_rule"].notna()] = 2
        band[tier == 2] = 1
        band[tier == 3] = 0
    order = pd.DataFrame(
        {
            "over": over.fillna(False).astype(bool).astype(int),
            "band": band,
            # Students the model could not score (none, normally) follow those it scored.
            "chance": -chance.fillna(-1.0),
            "rules": -rows["rules"].map(len),
            "rate": -rows["absence_rate"].fillna(0.0),
            "student_id": rows["student_id"],
        }
    )
    return order.sort_values(list(order.columns), kind="stable").index


def _with_flags(enrolled: pd.DataFrame, ranked: pd.DataFrame) -> pd.DataFrame:
    """Each enrolled student with their ranked flags: those at the same school, else (a student
    flagged at a school they have since left) their most urgent flags at another."""
    base = enrolled.loc[:, ["student_id", "school_id", "absence_rate"]].reset_index(drop=True)
    base = base.astype({"student_id": str, "school_id": str})
    over = enrolled.get("chronic_so_far", pd.Series(False, index=enrolled.index))
    base["chronic_so_far"] = over.fillna(False).to_numpy(dtype=bool)
    base["absence_rate"] = pd.to_numeric(base["absence_rate"], errors="coerce")
    picked = ranked.loc[:, ["student_id", "school_id", "suggested_tier", "absence_rate",
                            "rules", "main_rule", "main_reason", "need_rank"]]  # fmt: skip
    merged = base.reset_index().merge(
        picked, on="student_id", how="left", suffixes=("", "_flagged")
    )
    merged["_other"] = merged["school_id_flagged"].notna() & (
        merged["school_id_flagged"] != merged["school_id"]
    )
    merged = merged.sort_values(["index", "_other", "need_rank"], kind="stable")
    merged = merged.drop_duplicates("index").set_index("index").sort_index()
    merged["absence_rate"] = merged["absence_rate"].fillna(merged["absence_rate_flagged"])
    merged["rules"] = merged["rules"].map(lambda r: r if isinstance(r, list) else [])
    return merged.drop(columns=["school_id_flagged", "absence_rate_flagged", "_other"])


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
