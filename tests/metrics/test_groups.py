"""homeroom.metrics.groups: suppression, which groups are ranked, and the gaps between groups."""

from __future__ import annotations

import pytest

from homeroom.metrics.groups import (
    COMPLEMENTARY,
    RANKING_MINIMUM,
    SMALL,
    GroupRate,
    GroupTable,
    column_gap,
    largest_gaps,
    lowest_group,
    ranking_minimum,
    suppress,
    suppression_reasons,
)


def _group(label: str, eligible: int) -> GroupRate:
    return GroupRate("sex", label, label, eligible, eligible // 2, 0.5, None)


@pytest.mark.parametrize(
    ("sizes", "hidden"),
    [
        ((100, 200, 300), set()),
        ((4, 200, 300), {0, 1}),  # one small group: the next smallest is hidden with it
        ((4, 7, 300), {0, 1}),  # two small groups, 11 together: enough
        ((2, 3, 300, 400), {0, 1, 2}),  # two small groups, 5 together: a third is hidden
        ((3, 500), {0, 1}),
    ],
)
def test_complementary_suppression(sizes, hidden):
    groups = suppress([_group(str(i), n) for i, n in enumerate(sizes)], minimum=10)
    assert {i for i, g in enumerate(groups) if g.suppressed} == hidden


def test_suppression_says_why_and_blanks_every_number():
    assert suppression_reasons([4, 200, 300], 10) == {0: SMALL, 1: COMPLEMENTARY}
    small, other, shown = suppress([_group("a", 4), _group("b", 200), _group("c", 300)], 10)
    for hidden in (small, other):
        assert (
            hidden.students_eligible,
            hidden.chronically_absent_count,
            hidden.chronic_absence_rate,
            hidden.change,
        ) == (None, None, None, None)
        assert hidden.label in ("a", "b")
    assert shown.students_eligible == 300 and not shown.suppressed


def _race(value: str, eligible: int, chronic: int) -> GroupRate:
    return GroupRate("race_ethnicity", value, value, eligible, chronic, chronic / eligible, None)


def test_groups_too_small_to_rank_are_left_out_of_the_gaps():
    table = GroupTable(
        "race_ethnicity",
        "Race and ethnicity",
        (
            _race("asian", 200, 30),  # 15%
            _race("native_hawaiian_pacific_islander", RANKING_MINIMUM - 1, 20),  # 69%
            _race("white", 900, 180),  # 20%
            _race("black", 300, 96),  # 32%
        ),
    )
    gap = column_gap(table, minimum_group_size=10)
    # A group of 29 at 69% is a chance swing; the ranked gap is black (32%) vs asian (15%).
    assert (gap.group.value, gap.comparison.value) == ("black", "asian")
    assert gap.difference == pytest.approx(0.32 - 0.15)


def test_the_ranking_minimum_is_never_below_the_suppression_minimum():
    assert ranking_minimum(10) == RANKING_MINIMUM == 30
    assert ranking_minimum(50) == 50


def test_a_fifteen_student_group_is_never_the_lowest_group():
    groups = (
        _race("asian", 15, 0),  # 0%: lowest, but too small to be the baseline
        _race("white", 400, 60),  # 15%
        _race("black", 100, 30),  # 30%
    )
    assert lowest_group(groups, minimum_group_size=10).value == "white"
    assert lowest_group(groups[:1], minimum_group_size=10) is None


def test_a_flag_column_compares_the_group_with_the_other_students():
    def flag(value: str, eligible: int, chronic: int) -> GroupRate:
        return GroupRate("homeless", value, value, eligible, chronic, chronic / eligible, None)

    table = GroupTable("homeless", "Homelessness", (flag("True", 50, 24), flag("False", 950, 249)))
    gap = column_gap(table, 10)
    assert (gap.group.value, gap.comparison.value) == ("True", "False")
    small = GroupTable("homeless", "Homelessness", (flag("True", 20, 10), flag("False", 950, 249)))
    assert column_gap(small, 10) is None


def test_largest_gaps_widest_first_whichever_way_they_point():
    wide = GroupTable("race_ethnicity", "Race", (_race("white", 100, 10), _race("black", 100, 50)))
    narrow = GroupTable(
        "sex",
        "Sex",
        (
            GroupRate("sex", "F", "F", 100, 30, 0.3, None),
            GroupRate("sex", "M", "M", 100, 20, 0.2, None),
        ),
    )
    assert [g.column for g in largest_gaps([narrow, wide], 10)] == ["race_ethnicity", "sex"]
    assert [g.column for g in largest_gaps([narrow, wide], 10, limit=1)] == ["race_ethnicity"]


def test_rate_band_names_the_band_a_rate_falls_in():
    from fractions import Fraction

    from homeroom.metrics.groups import rate_band

    names = ("low", "modest", "significant", "high", "extreme")
    cuts = (Fraction(1, 20), Fraction(1, 10), Fraction(1, 5), Fraction(3, 10))
    assert rate_band(0.0, names, cuts) == "low"
    assert rate_band(0.1, names, cuts) == "significant"  # a cut belongs to the band it starts
    assert rate_band(0.0999, names, cuts) == "modest"
    assert rate_band(0.95, names, cuts) == "extreme"
    assert rate_band(None, names, cuts) is None
