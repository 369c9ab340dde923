"""signals/ranking: rank_students (whole-column sorts) gives exactly what the per-student loop it
replaced gave (kept here as the reference), on the synthetic district's flags and on random
flag rows: same rows, same order, same values and dtypes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from homeroom.signals.flags import flag_students
from homeroom.signals.ranking import RANK_COLUMNS, rank_queue, rank_students, short_reason
from homeroom.signals.rules import RULES
from signals.conftest import DEFINITION

_RULE_ORDER = {rule.id: n for n, rule in enumerate(RULES)}


def reference_rank_students(flags: pd.DataFrame) -> pd.DataFrame:
    """The per-student loop rank_students was (one pandas sort per student: minutes at 1M)."""
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


def test_same_as_the_per_student_loop_on_the_synthetic_district(tables):
    compared = 0
    for day in (dt.date(2024, 10, 1), dt.date(2024, 12, 2), dt.date(2025, 2, 3)):
        flags = flag_students(tables, DEFINITION, day)
        expected = reference_rank_students(flags)
        pd.testing.assert_frame_equal(rank_students(flags), expected, check_exact=True)
        # Rows in another order rank the same (ties by student id, not arrival).
        shuffled = flags.sample(frac=1.0, random_state=7).reset_index(drop=True)
        pd.testing.assert_frame_equal(
            rank_students(shuffled), reference_rank_students(shuffled), check_exact=True
        )
        compared += len(expected)
    assert compared > 10  # the district flags students on these days


TIERS = {rule.id: rule.suggested_tier for rule in RULES}
_flag_row = st.fixed_dictionaries(
    {
        "student_id": st.sampled_from(["A", "B", "C", "D", "E", "F"]),
        "school_id": st.sampled_from(["S1", "S2"]),
        "rule": st.sampled_from([*TIERS, "someone_elses_rule"]),
        "rate": st.one_of(st.none(), st.sampled_from([0.0, 0.05, 0.1, 0.25])),
        "days": st.one_of(st.none(), st.floats(0, 40, allow_nan=False)),
        "reason": st.sampled_from(["", "Absent 3 days by 1 October", "word " * 14]),
    }
)


def _frame(rows: list[dict], prior: bool, text: bool) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "student_id": [r["student_id"] for r in rows],
            "school_id": [r["school_id"] for r in rows],
            "rule": [r["rule"] for r in rows],
            "suggested_tier": pd.array([TIERS.get(r["rule"]) for r in rows], dtype="Int64"),
            "reason": [r["reason"] for r in rows],
            "school_year": 2025,
            "grade_level": "05",
            "absence_rate": [r["rate"] for r in rows],
            "days_absent": [r["days"] for r in rows],
        }
    )
    if prior:
        frame["prior_year_rate"] = [r["rate"] for r in reversed(rows)]
    # Flags read back from a saved run have text columns; flag_students' have objects.
    return frame if text else frame.astype({"student_id": object, "school_id": object})


@settings(max_examples=150, deadline=None)
@given(st.lists(_flag_row, min_size=1, max_size=25), st.booleans(), st.booleans())
def test_same_as_the_per_student_loop_on_random_flags(rows, prior, text):
    flags = _frame(rows, prior, text)
    expected = reference_rank_students(flags)
    ranked = rank_students(flags)
    pd.testing.assert_frame_equal(ranked, expected, check_exact=True)
    enrolled = pd.DataFrame(
        {"student_id": ["A", "C", "G"], "school_id": ["S1", "S2", "S1"], "absence_rate": 0.1}
    )
    assert len(rank_queue(enrolled, flags)) == 3
