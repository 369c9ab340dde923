"""reports.groups: a column's groups in words, and the gaps between them as sentences."""

from __future__ import annotations

import pandas as pd
import pytest

from homeroom.metrics.groups import RANKING_MINIMUM
from homeroom.reports.groups import GroupRate, GroupTable, column_gap, group_table


def group(value: str, eligible: int, chronic: int) -> GroupRate:
    return GroupRate("race_ethnicity", value, value, eligible, chronic, chronic / eligible, None)


def test_groups_too_small_to_rank_shown_but_left_out_of_the_gaps():
    table = GroupTable(
        "race_ethnicity",
        "Race and ethnicity",
        (
            group("asian", 200, 30),  # 15%
            group("native_hawaiian_pacific_islander", RANKING_MINIMUM - 1, 20),  # 69%
            group("white", 900, 180),  # 20%
            group("black", 300, 96),  # 32%
        ),
    )
    gap = column_gap(table, minimum_group_size=10)
    # A group of 29 at 69% is a chance swing; the ranked gap is black (32%) vs asian (15%).
    assert (gap.group.value, gap.comparison.value) == ("black", "asian")
    assert gap.column_label == "Race and ethnicity"
    assert gap.sentence == (
        "Black or African American students: 32.0% chronically absent, vs 15.0% of Asian students"
    )
    assert gap.points_text == "17.0 points"


def test_a_group_table_is_in_natural_order_with_words_and_suppressed():
    frame = pd.DataFrame(
        {
            "sex": ["M", "F", "X"],
            "students_eligible": [300, 320, 4],
            "chronically_absent_count": [60, 80, 1],
            "chronic_absence_rate": [0.2, 0.25, 0.25],
        }
    )
    table = group_table(frame, "sex", minimum=10)
    assert [g.label for g in table.groups] == ["Female", "Male", "Nonbinary (X)"]
    female, male, other = table.groups
    assert other.suppression == "small" and other.chronic_absence_rate is None
    assert male.suppression == "complementary"
    assert female.chronic_absence_rate == pytest.approx(0.25)
