"""signals/ranking: the queue taken by position (queue_from_ranked) is the queue the merges and
the frame sort gave (kept here as the reference), on random enrolled students and flags:
students flagged at a school they left, enrolled at two schools, never flagged, with and
without a rate, a model's chance and either focus."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from homeroom.signals import ranking
from homeroom.signals.ranking import QUEUE_COLUMNS, queue_from_ranked, rank_students
from signals.test_ranking_equivalence import _flag_row, _frame


def reference_queue_from_ranked(enrolled, ranked, chances=None, *, focus="early"):
    """queue_from_ranked as it was: a merge of every enrolled student, a sort of the frame."""
    rows = _reference_with_flags(enrolled, ranked)
    chance = pd.Series(float("nan"), index=rows.index)
    if chances is not None:
        merged = rows[["student_id", "school_id"]].merge(
            chances[["student_id", "school_id", "probability"]],
            on=["student_id", "school_id"], how="left",
        )  # fmt: skip
        chance = pd.Series(merged["probability"].to_numpy(dtype=float), index=rows.index)
    over = rows["chronic_so_far"] if focus == "early" else pd.Series(False, index=rows.index)
    tier = pd.to_numeric(rows["suggested_tier"], errors="coerce").astype("float64")
    if chances is not None:
        band = (tier != 3).astype(int)
    else:
        band = pd.Series(3, index=rows.index)
        band[rows["main_rule"].notna()] = 2
        band[tier == 2] = 1
        band[tier == 3] = 0
    keys = pd.DataFrame(
        {
            "over": over.fillna(False).astype(bool).astype(int),
            "band": band,
            "chance": -chance.fillna(-1.0),
            "rules": -rows["rules"].map(len),
            "rate": -rows["absence_rate"].fillna(0.0),
            "student_id": rows["student_id"],
        }
    )
    order = keys.sort_values(list(keys.columns), kind="stable").index
    rows, chance = rows.loc[order], chance.loc[order]
    out = pd.DataFrame(
        {
            "student_id": rows["student_id"].to_numpy(),
            "school_id": rows["school_id"].to_numpy(),
            "rank": range(1, len(rows) + 1),
            "suggested_tier": pd.array(rows["suggested_tier"].to_numpy(), dtype="Int64"),
            "chance_chronic": chance.round(4).to_numpy(),
            "main_reason": [
                ranking._queue_reason(reason, c, rate)
                for reason, c, rate in zip(
                    rows["main_reason"], chance, rows["absence_rate"], strict=True
                )
            ],
            "rules": [";".join(r) for r in rows["rules"]],
        }
    )
    out["rank"] = out["rank"].astype("int64")
    return out.loc[:, list(QUEUE_COLUMNS)]


def _reference_with_flags(enrolled, ranked):
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


_enrolled_row = st.fixed_dictionaries(
    {
        "student_id": st.sampled_from(["A", "B", "C", "D", "E", "F", "G", "H"]),
        "school_id": st.sampled_from(["S1", "S2", "S3"]),
        "absence_rate": st.one_of(st.none(), st.sampled_from([0.0, 0.05, 0.1, 0.25, 0.3])),
        "chronic_so_far": st.booleans(),
    }
)
_chance = st.one_of(st.none(), st.sampled_from([0.05, 0.5, 0.5, 0.9]))


@settings(max_examples=200, deadline=None)
@given(
    flag_rows=st.lists(_flag_row, min_size=0, max_size=20),
    enrolled_rows=st.lists(_enrolled_row, min_size=1, max_size=12, unique_by=lambda r: (
        r["student_id"], r["school_id"])),
    chances=st.one_of(st.none(), st.lists(_chance, min_size=12, max_size=12)),
    focus=st.sampled_from(["early", "need"]),
)  # fmt: skip
def test_the_queue_by_position_is_the_queue_by_merges(flag_rows, enrolled_rows, chances, focus):
    ranked = rank_students(_frame(flag_rows, False, False)) if flag_rows else rank_students(
        _frame([{"student_id": "A", "school_id": "S1", "rule": "pace", "rate": None,
                 "days": None, "reason": ""}], False, False).iloc[:0])  # fmt: skip
    enrolled = pd.DataFrame(enrolled_rows)
    scored = None
    if chances is not None:
        scored = enrolled.loc[:, ["student_id", "school_id"]].assign(
            probability=[c if c is not None else float("nan") for c in chances[: len(enrolled)]]
        )
    found = queue_from_ranked(enrolled, ranked, scored, focus=focus)
    expected = reference_queue_from_ranked(enrolled, ranked, scored, focus=focus)
    pd.testing.assert_frame_equal(found, expected, check_exact=True)
