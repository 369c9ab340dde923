"""Aeries preset: Attendance History Summary totals, placed on dates (year-end totals exact)."""

from __future__ import annotations

import pytest

from interop.sis.helpers import imported, metrics, written


def test_aeries_totals_import(tmp_path):
    result = imported("aeries")
    # Line 5: 120 days absent of 100 enrolled cannot be placed; rejected with its line.
    assert [(r[2], r[3]) for r in result.rejected_rows] == [(5, "days_absent")]
    stays = result.tables["enrollments"]
    s301 = stays[stays["student_id"] == "301"].set_index("school_id")
    # The second school's stay starts the day after the first ends: no overlap.
    assert s301.loc["995", "entry_date"] > s301.loc["994", "exit_date"]
    grades = stays.set_index("student_id")["grade_level"]
    assert grades["303"] == "TK" and grades["302"] == "5"
    out = written(result, tmp_path)
    assert (out.quarantine["stage"] == "import").sum() == 1
    assert (out.quarantine["stage"] == "validation").sum() == 0
    assert any("not meaningful" in a for a in result.assumptions)


@pytest.mark.parametrize(
    ("definition", "absent_302", "chronic_302"),
    [
        # 302: 10 excused + 7.5 unexcused = 17.5 of 180: 9.72%, not chronic.
        ("default", 17.5, False),
        # Half-day rule: the half day counts whole: 18 of 180 = 10%, chronic.
        ("edfacts", 18.0, True),
    ],
)
def test_aeries_metrics_by_hand(tmp_path, definition, absent_302, chronic_302):
    written(imported("aeries"), tmp_path, definition)
    m = metrics(tmp_path, definition)
    # 301 at 994: 10 + 6 + 2 = 18 of 180 = 10%: chronic; suspension kept apart.
    assert m.loc[("994", "301"), "days_enrolled"] == 180
    assert m.loc[("994", "301"), "days_absent"] == 18
    assert m.loc[("994", "301"), "days_suspended"] == 2
    assert bool(m.loc[("994", "301"), "chronically_absent"])
    assert m.loc[("995", "301"), "days_enrolled"] == 20
    assert m.loc[("994", "302"), "days_absent"] == absent_302
    assert bool(m.loc[("994", "302"), "chronically_absent"]) is chronic_302
    # 303: 5 absent, 2 excused + 1 unexcused: the 2 unsplit days take the remainder (excused).
    assert m.loc[("994", "303"), "days_enrolled"] == 90
    assert m.loc[("994", "303"), "days_absent"] == 5
    assert m.loc[("994", "303"), "days_excused"] == 4
    assert ("994", "304") not in m.index


def test_aeries_absences_are_spread_over_the_stay_as_the_spreadsheet_does():
    result = imported("aeries")
    attendance = result.tables["attendance"]
    mine = attendance[(attendance["student_id"] == "302") & (attendance["school_id"] == "994")]
    # 10 excused + 7.5 unexcused = 18 rows over 180 days: row i on school day (2i + 1) * 5, so
    # days 5, 15, ..., 175 of the calendar that starts Thursday 2024-08-15 ([totals] first_day).
    days = sorted(result.tables["calendar"].query("calendar_id == '994'")["date"])
    assert days[0] == "2024-08-15" and len(days) == 180
    assert mine["date"].tolist() == [days[5 + 10 * i] for i in range(18)]
    assert mine["date"].iloc[0] == "2024-08-22"
    assert mine["category"].tolist() == ["excused"] * 10 + ["unexcused"] * 8
    assert mine["absent_fraction"].tolist() == ["1"] * 17 + ["0.5"]
    # 301's stay at 995 (20 days) follows its 180 days at 994: calendar days 180 to 199.
    stays = result.tables["enrollments"].set_index(["student_id", "school_id"])
    year = sorted(result.tables["calendar"].query("calendar_id == '995'")["date"])
    assert len(year) == 200
    assert stays.loc[("301", "995"), ["entry_date", "exit_date"]].tolist() == [year[180], year[199]]
