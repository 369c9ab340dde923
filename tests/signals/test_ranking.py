"""signals/ranking: the need order of flagged students (rank_students) and the need queue of
every enrolled student (rank_queue, by school, within capacity), on hand-made flag rows."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from homeroom.signals.ranking import (
    QUEUE_COLUMNS,
    RANK_COLUMNS,
    queue_for_school,
    queue_within_capacity,
    rank_queue,
    rank_students,
)

TIERS = {"prior_year_severe": 3, "ytd_severe": 3, "pace": 2, "ytd_chronic": 2,
         "september_5_plus": 2, "consecutive": None, "new_arrival": None}  # fmt: skip
LONG = "Absent 13.6% of school days this year so far: 3 of 22 days (early support from 10%)"


def flag(student: str, rule: str, rate: float, school: str = "S1", reason: str = "") -> dict:
    return {
        "student_id": student,
        "school_id": school,
        "rule": rule,
        "suggested_tier": TIERS[rule],
        "reason": reason or f"{rule} fires",
        "school_year": 2025,
        "grade_level": "05",
        "absence_rate": rate,
        "days_absent": rate * 40,
        "prior_year_rate": None,
    }


def flags(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def enrolled(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["student_id", "school_id", "absence_rate"])


def test_rank_students_tier_3_then_tier_2_then_conversation_then_more_rules_then_rate():
    ranked = rank_students(
        flags(
            flag("talk", "consecutive", 0.30),
            flag("pace_low", "pace", 0.05),
            flag("pace_two_rules", "pace", 0.04),
            flag("pace_two_rules", "consecutive", 0.04),
            flag("pace_high", "pace", 0.08),
            flag("severe", "ytd_severe", 0.22),
        )
    )
    assert list(ranked.columns) == list(RANK_COLUMNS)
    assert list(ranked["student_id"]) == [
        "severe",
        "pace_two_rules",
        "pace_high",
        "pace_low",
        "talk",
    ]
    assert list(ranked["need_rank"]) == [1, 2, 3, 4, 5]
    assert ranked["suggested_tier"].tolist()[:4] == [3, 2, 2, 2]
    assert pd.isna(ranked["suggested_tier"].iloc[4])


def test_rank_students_main_rule_is_highest_tier_then_first_declared_reason_in_12_words():
    ranked = rank_students(
        flags(
            flag("A", "consecutive", 0.1, reason="Absent 4 school days in a row"),
            flag("A", "ytd_chronic", 0.1, reason=LONG),
            flag("A", "pace", 0.1, reason="Absent 3 days by 1 October"),
        )
    )
    row = ranked.iloc[0]
    # pace and ytd_chronic are both tier 2; pace is declared first.
    assert row["rules"] == ["pace", "ytd_chronic", "consecutive"]
    assert row["main_rule"] == "pace" and row["main_reason"] == "Absent 3 days by 1 October"
    alone = rank_students(flags(flag("B", "ytd_chronic", 0.1, reason=LONG))).iloc[0]
    # The sentence is 16 words: the rule's title instead, capitalised.
    assert alone["main_reason"] == "Chronically absent this year so far"


def test_rank_students_ties_go_by_student_id_whatever_the_rows_order():
    rows = [flag("B", "pace", 0.05), flag("A", "pace", 0.05), flag("C", "pace", 0.05)]
    assert list(rank_students(flags(*rows))["student_id"]) == ["A", "B", "C"]
    assert list(rank_students(flags(*reversed(rows)))["student_id"]) == ["A", "B", "C"]
    assert rank_students(flags().reindex(columns=RANK_COLUMNS)).empty


def test_queue_without_a_model_follows_the_rules_then_lists_the_unflagged_by_rate():
    queue = rank_queue(
        enrolled(
            ("quiet", "S1", 0.0),
            ("some", "S1", 0.04),
            ("talk", "S2", 0.02),
            ("pace", "S1", 0.06),
            ("severe", "S2", 0.25),
        ),  # fmt: skip
        flags(
            flag("severe", "ytd_severe", 0.25, "S2"),
            flag("pace", "pace", 0.06),
            flag("talk", "new_arrival", 0.02, "S2", "Arrived on 1 October 2024"),
        ),  # fmt: skip
    )
    assert list(queue.columns) == list(QUEUE_COLUMNS)
    assert list(queue["student_id"]) == ["severe", "pace", "talk", "some", "quiet"]
    assert list(queue["rank"]) == [1, 2, 3, 4, 5]
    assert queue["chance_chronic"].isna().all()
    assert list(queue["rules"]) == ["ytd_severe", "pace", "new_arrival", "", ""]
    assert queue["main_reason"].iloc[2] == "Arrived on 1 October 2024"
    assert queue["main_reason"].iloc[3] == "No rule fires; 4.0% absent so far this year"
    assert queue["suggested_tier"].iloc[0] == 3 and pd.isna(queue["suggested_tier"].iloc[2])
    assert all(len(r.split()) <= 12 for r in queue["main_reason"])


def test_queue_with_a_model_puts_tier_3_first_then_orders_everyone_by_chance():
    queue = rank_queue(
        enrolled(
            ("quiet", "S1", 0.0),
            ("pace", "S1", 0.06),
            ("severe", "S1", 0.25),
            ("rising", "S1", 0.03),
        ),  # fmt: skip
        flags(flag("severe", "ytd_severe", 0.25), flag("pace", "pace", 0.06)),
        pd.DataFrame(
            {
                "student_id": ["quiet", "pace", "severe", "rising"],
                "school_id": ["S1"] * 4,
                "probability": [0.05, 0.30, 0.20, 0.61234],
            }
        ),
    )
    # severe (tier 3) first even with a lower chance; then rising (61%) above pace (30%).
    assert list(queue["student_id"]) == ["severe", "rising", "pace", "quiet"]
    assert queue["chance_chronic"].tolist() == [0.2, 0.6123, 0.3, 0.05]
    assert queue["main_reason"].iloc[1] == (
        "No rule fires; the model gives a 61% chance of chronic absence"
    )


def test_queue_a_student_flagged_at_a_school_left_keeps_the_flags():
    queue = rank_queue(
        enrolled(("mover", "S2", 0.12), ("stay", "S2", 0.0)),
        flags(flag("mover", "ytd_chronic", 0.12, "S1")),  # flagged at the school left
    )
    assert list(queue["student_id"]) == ["mover", "stay"]
    assert queue["school_id"].iloc[0] == "S2" and queue["rules"].iloc[0] == "ytd_chronic"


def test_queue_for_a_school_ranks_within_it_and_capacity_keeps_the_first():
    queue = rank_queue(
        enrolled(*[(f"S{i:02d}", "A" if i % 2 else "B", i / 100) for i in range(10)]),
        flags(),
    )
    # No flag: the highest absence rate first.
    assert list(queue["student_id"][:3]) == ["S09", "S08", "S07"]
    school = queue_for_school(queue, "A")
    assert list(school["student_id"]) == ["S09", "S07", "S05", "S03", "S01"]
    assert list(school["rank"]) == [1, 2, 3, 4, 5]
    assert len(queue_within_capacity(queue, 0.25)) == math.ceil(2.5)  # a share, rounded up
    assert list(queue_within_capacity(school, 2)["student_id"]) == ["S09", "S07"]
    assert len(queue_within_capacity(queue, 400)) == 10
    assert len(queue_within_capacity(queue, None)) == 10
    with pytest.raises(ValueError, match="above 0"):
        queue_within_capacity(queue, 0)


def test_queue_early_focus_lists_the_students_already_over_the_line_after_the_others():
    """'over' is at 25% (tier 3, over the line); 'near' at 8% is not yet over. Early focus (the
    default): near, rising, quiet, then over; need focus: over (tier 3) first."""
    students = enrolled(
        ("quiet", "S1", 0.0), ("near", "S1", 0.08), ("over", "S1", 0.25), ("rising", "S1", 0.03)
    ).assign(chronic_so_far=[False, False, True, False])
    rows = flags(flag("over", "ytd_severe", 0.25), flag("near", "pace", 0.08))
    chances = pd.DataFrame(
        {
            "student_id": ["quiet", "near", "over", "rising"],
            "school_id": ["S1"] * 4,
            "probability": [0.05, 0.40, 0.95, 0.30],
        }
    )
    early = rank_queue(students, rows, chances)
    assert list(early["student_id"]) == ["near", "rising", "quiet", "over"]
    need = rank_queue(students, rows, chances, focus="need")
    assert list(need["student_id"]) == ["over", "near", "rising", "quiet"]
    # Without the column nobody is over the line: the need order.
    plain = rank_queue(students.drop(columns="chronic_so_far"), rows, chances)
    assert list(plain["student_id"]) == list(need["student_id"])
    with pytest.raises(ValueError, match="focus"):
        rank_queue(students, rows, chances, focus="later")
