"""The report's section "Did supports work?": printed only with rows, figures signed, in points."""

from __future__ import annotations

import math

from homeroom.reports.effect_section import effect_table


def test_no_rows_no_section() -> None:
    assert effect_table([]) is None


def test_rows_are_printed_signed_with_their_interval_and_missing_figures_muted() -> None:
    block = effect_table(
        [
            {
                "support": "letter",
                "students_served": 1200,
                "students_compared": 3400,
                "rate_change_served": -3.04,
                "rate_change_compared": -1.0,
                "effect_points": -2.04,
                "ci_low": -2.5,
                "ci_high": -1.58,
                "conclusion": "fewer absences",
            },
            {
                "support": "all",
                "students_served": 3,
                "students_compared": 2,
                "rate_change_served": 1.0,
                "rate_change_compared": 0.0,
                "effect_points": 1.0,
                "ci_low": math.nan,
                "ci_high": None,
                "conclusion": "too few to conclude",
            },
        ]  # fmt: skip
    )
    assert block is not None
    ((label, rows),) = block.groups
    assert label is None
    assert [c.text for c in rows[0]] == [
        "letter", "1,200", "3,400", "-3.0", "-1.0", "-2.0", "-2.5 to -1.6", "fewer absences",
    ]  # fmt: skip
    assert [c.text for c in rows[1]][0] == "All supports"
    assert rows[1][6].text == "—" and rows[1][6].muted
    assert rows[1][5].text == "+1.0"
