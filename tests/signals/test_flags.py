"""The watch list (`flag_students`) on a hand-made district, one student per story.

School year 2025 runs on weekdays from Monday 2 September 2024 to Friday 13 June 2025 (no
holidays), so school-day numbers are easy to count: September has 21 school days (2-30),
October 23, November 21, December 22. Last year (2024) has exactly 100 school days from
Monday 4 September 2023. Schools S1 and S2 (district D1) share that calendar.

Every number in a comment is worked out by hand from those dates; `flags_at` runs the rules
like the command does (CSV files, validated, then `flag_students`).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from datasets import Builder, write_dataset
from homeroom.contract import validate_dataset
from homeroom.definitions import Definition, load_definition
from homeroom.engine import duckdb_tables
from homeroom.signals.flags import COLUMNS, flag_students
from homeroom.signals.history import SignalsError
from homeroom.signals.rules import RULE_IDS

YEAR = 2025
START = dt.date(2024, 9, 2)
PRIOR_START = dt.date(2023, 9, 4)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def weekdays(start: dt.date, count: int) -> list[int]:
    """Day offsets (of `count` dates from `start`) that fall on a weekend."""
    return [i for i in range(count) if (start + dt.timedelta(days=i)).weekday() >= 5]


def district() -> Builder:
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.school("S2", "D1", calendar_id="C1")
    b.calendar("C1", YEAR, START, 285, off=weekdays(START, 285))  # to 2025-06-13: 205 days
    b.calendar("C1", YEAR - 1, PRIOR_START, 140, off=weekdays(PRIOR_START, 140))  # 100 days
    prior_days = b.days("C1", YEAR - 1)

    def year_from(student: str, entry: str = "2024-09-02", school: str = "S1", **kw: Any) -> None:
        b.stay(student, school, YEAR, d(entry), **kw)

    def absent(student: str, *dates: str, school: str = "S1", fraction: Any = "") -> None:
        for day in dates:
            b.absent(student, school, d(day), "unexcused", fraction=fraction)

    def last_year(student: str, whole: int, half: int = 0) -> None:
        b.stay(student, "S1", YEAR - 1, PRIOR_START)
        for day in prior_days[:whole]:
            b.absent(student, "S1", day, "excused")
        for day in prior_days[whole : whole + half]:
            b.absent(student, "S1", day, "excused", fraction="0.5")

    # No absences and no last year: never flagged.
    year_from("QUIET")
    # Last year: 10 of 100 (10%), 20 of 100 (20%), 9.5 of 100; none absent this year.
    for student, whole, half in (("PRIOR10", 10, 0), ("PRIOR20", 20, 0), ("PRIOR9", 9, 1)):
        last_year(student, whole, half)
        year_from(student)
    # 10% last year, and 3 absences in the first 30 school days this year (10%).
    last_year("PRIORSTAY", 10)
    year_from("PRIORSTAY")
    absent("PRIORSTAY", "2024-09-10", "2024-09-17", "2024-09-24")
    # Arrives Thursday 26 September (school day 19): its months end on the 25th.
    year_from("PACE26", "2024-09-26")
    absent("PACE26", "2024-10-01", "2024-10-03", "2024-10-08")
    # Arrives Tuesday 31 December (school day 87): months end 30 January, then 28 February.
    year_from("FEB", "2024-12-31")
    absent("FEB", "2025-01-07", "2025-01-14", "2025-02-04")
    # S1 through 31 October, then S2: absences at both schools count, the flag goes to S2.
    year_from("MOVER", exit=d("2024-10-31"))
    year_from("MOVER", "2024-11-01", school="S2")
    absent("MOVER", "2024-09-10", "2024-09-24")
    absent("MOVER", "2024-11-12", "2024-11-19", school="S2")
    # Left on 15 October after 5 absences: on no watch list after that.
    year_from("LEFT", exit=d("2024-10-15"))
    absent("LEFT", "2024-09-03", "2024-09-05", "2024-09-10", "2024-09-12", "2024-09-17")
    # Half days on three Mondays; 0.4 of a day on five days.
    year_from("HALF")
    absent("HALF", "2024-09-09", "2024-09-16", "2024-09-23", fraction="0.5")
    year_from("QUARTER")
    absent(
        "QUARTER",
        "2024-09-10",
        "2024-09-11",
        "2024-09-12",
        "2024-09-13",
        "2024-09-17",
        fraction="0.4",
    )
    # Half days on three school days in a row.
    year_from("HALFRUN")
    absent("HALFRUN", "2024-10-01", "2024-10-02", "2024-10-03", fraction="0.5")
    # September: 4.5 days; 5 days (and one in October).
    year_from("SEPT")
    absent("SEPT", "2024-09-03", "2024-09-05", "2024-09-11", "2024-09-19")
    absent("SEPT", "2024-09-25", fraction="0.5")
    year_from("SEPT5")
    absent("SEPT5", "2024-09-03", "2024-09-05", "2024-09-10", "2024-09-12", "2024-09-17")
    absent("SEPT5", "2024-10-01")
    # Four of five absences on a Monday or Friday; three Mondays and Fridays only.
    year_from("MONFRI")
    absent("MONFRI", "2024-09-09", "2024-09-13", "2024-09-23", "2024-10-04", "2024-10-16")
    year_from("MONFRI3")
    absent("MONFRI3", "2024-09-09", "2024-09-16", "2024-09-20")
    # Thursday, Friday and Monday in a row (the weekend is no school day); later two more.
    year_from("RUN")
    absent("RUN", "2024-10-10", "2024-10-11", "2024-10-14", "2024-11-05", "2024-11-06")
    # Tuesday, Wednesday, (present Thursday), Friday: runs of 2 and 1.
    year_from("RUN2")
    absent("RUN2", "2024-10-08", "2024-10-09", "2024-10-11")
    # Nothing in the first 40 school days, then 4 (or 2) in the 20 school days to 22 November.
    year_from("RISE")
    absent("RISE", "2024-10-29", "2024-11-06", "2024-11-13", "2024-11-20")
    year_from("RISE2")
    absent("RISE2", "2024-10-29", "2024-11-13")
    # Pace first met on Monday 30 September (2 absences, first month); then 3 (or 2) in the
    # 30 school days after it.
    year_from("NOIMPROVE")
    absent("NOIMPROVE", "2024-09-16", "2024-09-30", "2024-10-08", "2024-10-22", "2024-11-05")
    year_from("IMPROVED")
    absent("IMPROVED", "2024-09-16", "2024-09-30", "2024-10-08", "2024-10-22")
    # Arrives Monday 13 January (school day 96), absent on its 2nd and 3rd days.
    year_from("YOUNG", "2025-01-13")
    absent("YOUNG", "2025-01-14", "2025-01-15")
    # 5 absences in the first 44 school days (to 31 October): 11.36%.
    year_from("YTD")
    absent("YTD", "2024-09-11", "2024-09-25", "2024-10-09", "2024-10-17", "2024-10-30")
    return b


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = write_dataset(tmp_path_factory.mktemp("signals") / "data", district().data())
    con = duckdb.connect()
    report = validate_dataset(folder, con, definition=load_definition("default"))
    assert report.quarantined == 0
    yield duckdb_tables(con, report.units_per_day)
    con.close()


@pytest.fixture(scope="module")
def flags_at(tables: Any) -> Any:
    @cache
    def run(as_of: str, definition: str | Definition = "default") -> pd.DataFrame:
        chosen = definition if isinstance(definition, Definition) else load_definition(definition)
        return flag_students(tables, chosen, d(as_of))

    return run


def rules_of(flags: pd.DataFrame, student: str) -> set[str]:
    return set(flags.loc[flags["student_id"] == student, "rule"])


def row(flags: pd.DataFrame, student: str, rule: str) -> dict[str, Any]:
    rows = flags[(flags["student_id"] == student) & (flags["rule"] == rule)]
    assert len(rows) == 1, f"{student} {rule}: {len(rows)} rows"
    return rows.iloc[0].to_dict()


def reason(flags: pd.DataFrame, student: str, rule: str) -> str:
    return row(flags, student, rule)["reason"]


# --- no flags -----------------------------------------------------------------------------


def test_the_flag_rows_columns_and_rule_ids(flags_at: Any) -> None:
    flags = flags_at("2024-11-29")
    assert tuple(flags.columns) == COLUMNS
    assert tuple(flags.columns[:5]) == (
        "student_id",
        "school_id",
        "rule",
        "suggested_tier",
        "reason",
    )
    assert set(flags["rule"]) <= set(RULE_IDS)
    assert not flags.duplicated(["student_id", "school_id", "rule"]).any()


def test_a_student_with_no_absences_and_no_last_year_is_never_flagged(flags_at: Any) -> None:
    for day in ("2024-09-02", "2024-10-31", "2025-03-03", "2025-06-13", "2025-07-30"):
        assert rules_of(flags_at(day), "QUIET") == set()


def test_a_date_before_any_school_year_is_a_clear_error(tables: Any) -> None:
    with pytest.raises(SignalsError, match="no school year in the calendar has begun by"):
        flag_students(tables, load_definition("default"), d("2023-08-01"))


# --- last year ------------------------------------------------------------------------------


def test_last_year_chronic_and_severe(flags_at: Any) -> None:
    flags = flags_at("2024-10-11")
    assert rules_of(flags, "PRIOR10") == {"prior_year_chronic"}
    assert rules_of(flags, "PRIOR20") == {"prior_year_severe"}  # severe only, not both
    assert rules_of(flags, "PRIOR9") == set()  # 9.5 of 100 is under 10%
    assert reason(flags, "PRIOR10", "prior_year_chronic") == (
        "Chronically absent last year (2023-24): 10 of 100 school days missed (10%)"
    )
    assert reason(flags, "PRIOR20", "prior_year_severe") == (
        "Severely chronically absent last year (2023-24): 20 of 100 school days missed (20%)"
    )
    severe = row(flags, "PRIOR20", "prior_year_severe")
    assert severe["suggested_tier"] == 3
    assert (severe["prior_year_days_enrolled"], severe["prior_year_days_absent"]) == (100, 20)
    assert row(flags, "PRIOR10", "prior_year_chronic")["suggested_tier"] == 2


def test_students_with_no_last_year_get_no_last_year_flag(flags_at: Any) -> None:
    flags = flags_at("2024-10-11")
    prior = flags[flags["rule"].str.startswith("prior_year")]
    assert set(prior["student_id"]) == {"PRIOR10", "PRIOR20", "PRIORSTAY"}


def test_last_year_flags_start_on_the_first_day(flags_at: Any) -> None:
    assert rules_of(flags_at("2024-09-02"), "PRIOR10") == {"prior_year_chronic"}


# --- pace -----------------------------------------------------------------------------------


def test_pace_counts_months_from_a_mid_year_entry_on_the_26th(flags_at: Any) -> None:
    # First day Thursday 26 September; absences 1, 3 and 8 October (3 days).
    # As of 24 October the first month (to 25 October) is not complete: limit 2.
    assert reason(flags_at("2024-10-24"), "PACE26", "pace") == (
        "3 days absent since 26 September 2024, within the first month (pace rule: 2 a month)"
    )
    # 24 November: one whole month (26 Sep - 25 Oct) completed, the second ends 25 November:
    # limit 2 x 1 = 2, and 3 >= 2.
    flags = flags_at("2024-11-24")
    assert rules_of(flags, "PACE26") == {"pace"}
    assert reason(flags, "PACE26", "pace") == (
        "3 days absent since 26 September 2024, with 1 whole month completed "
        "(pace rule: 2 a month, so 2 or more)"
    )
    pace = row(flags, "PACE26", "pace")
    assert (pace["months_completed"], pace["days_absent"], pace["days_enrolled"]) == (1, 3, 42)
    assert pace["first_day"] == d("2024-09-26")
    # 25 November completes the second month: limit 4, and 3 < 4.
    assert rules_of(flags_at("2024-11-25"), "PACE26") == set()


def test_pace_across_february(flags_at: Any) -> None:
    # First day 31 December: the first month ends 30 January, the second on 28 February.
    # 27 February: 1 month, limit 2, 3 absences: pace. 28 February: 2 months, limit 4: not.
    flags = flags_at("2025-02-27")
    assert rules_of(flags, "FEB") == {"pace", "new_arrival"}
    assert reason(flags, "FEB", "pace") == (
        "3 days absent since 31 December 2024, with 1 whole month completed "
        "(pace rule: 2 a month, so 2 or more)"
    )
    assert rules_of(flags_at("2025-02-28"), "FEB") == {"new_arrival"}


def test_a_student_at_two_schools_is_flagged_once_at_the_current_school(flags_at: Any) -> None:
    # 2 absences at S1 in September, 2 at S2 in November; 65 school days to 29 November.
    # Two whole months from 2 September (to 1 October, to 1 November): limit 4, 4 absent.
    flags = flags_at("2024-11-29")
    mover = flags[flags["student_id"] == "MOVER"]
    assert set(mover["school_id"]) == {"S2"}
    assert set(mover["rule"]) == {"pace", "september_2_4"}  # its September was at S1
    pace = row(flags, "MOVER", "pace")
    assert (pace["days_enrolled"], pace["days_absent"], pace["months_completed"]) == (65, 4, 2)
    assert pace["reason"] == (
        "4 days absent since 2 September 2024, with 2 whole months completed "
        "(pace rule: 2 a month, so 4 or more)"
    )


def test_a_student_who_left_is_not_flagged(flags_at: Any) -> None:
    # Enrolled through 15 October (5 absences in September): flagged that day, not after.
    assert "pace" in rules_of(flags_at("2024-10-15"), "LEFT")
    assert rules_of(flags_at("2024-10-16"), "LEFT") == set()


# --- partial days ---------------------------------------------------------------------------


def test_half_days_under_fractional_and_half_day_rules(flags_at: Any) -> None:
    # HALF: three half days (Mondays 9, 16, 23 September). Fractional: 1.5 days, under every
    # limit. EDFacts' half-day rule: each is a whole day, 3 in 21 school days (14.3%).
    assert rules_of(flags_at("2024-09-30"), "HALF") == set()
    edfacts = flags_at("2024-09-30", "edfacts")
    assert rules_of(edfacts, "HALF") == {"pace", "ytd_chronic", "september_2_4"}
    assert reason(edfacts, "HALF", "pace") == (
        "3 days absent since 2 September 2024, within the first month (pace rule: 2 a month)"
    )
    assert reason(edfacts, "HALF", "ytd_chronic") == (
        "Absent 14.2% of school days this year so far: 3 of 21 days (early support from 10%)"
    )


def test_fractions_under_half_a_day_add_up_only_when_fractional(flags_at: Any) -> None:
    # QUARTER: 0.4 of a day on five days = 2 days (fractional); nothing under the half-day rule.
    fractional = flags_at("2024-09-30")
    assert rules_of(fractional, "QUARTER") == {"pace", "september_2_4"}
    assert reason(fractional, "QUARTER", "pace") == (
        "2 days absent since 2 September 2024, within the first month (pace rule: 2 a month)"
    )
    assert rules_of(flags_at("2024-09-30", "edfacts"), "QUARTER") == set()


def test_half_days_in_a_row_make_a_run(flags_at: Any) -> None:
    # Half days on 1, 2 and 3 October: 1.5 days absent, but three school days in a row.
    for definition in ("default", "edfacts"):
        flags = flags_at("2024-10-31", definition)
        assert "consecutive" in rules_of(flags, "HALFRUN")
        assert reason(flags, "HALFRUN", "consecutive") == (
            "Absent 3 school days in a row, 1 October 2024 to 3 October 2024"
        )


# --- this year so far -------------------------------------------------------------------------


def test_year_to_date_chronic(flags_at: Any) -> None:
    # 5 of 44 school days (11.36%); pace: 1 month (to 1 October; the 2nd ends 1 November),
    # limit 2; 2 in September.
    flags = flags_at("2024-10-31")
    assert rules_of(flags, "YTD") == {"pace", "ytd_chronic", "september_2_4"}
    assert reason(flags, "YTD", "ytd_chronic") == (
        "Absent 11.3% of school days this year so far: 5 of 44 days (early support from 10%)"
    )
    assert row(flags, "YTD", "ytd_chronic")["absence_rate"] == pytest.approx(5 / 44)


def test_not_yet_eligible_then_severe(flags_at: Any) -> None:
    # From 13 January, absent 14 and 15 January. 23 January: 9 days enrolled, under the
    # minimum of 10, so no rate rule yet (2 of 9 is 22%); pace (2 in the first month) fires.
    flags = flags_at("2025-01-23")
    assert rules_of(flags, "YOUNG") == {"pace", "new_arrival"}
    # 24 January: 10 days, 2 absent = 20%: intensive, not early support as well.
    flags = flags_at("2025-01-24")
    assert rules_of(flags, "YOUNG") == {"pace", "ytd_severe", "new_arrival"}
    assert reason(flags, "YOUNG", "ytd_severe") == (
        "Absent 20% of school days this year so far: 2 of 10 days (intensive support from 20%)"
    )
    assert row(flags, "YOUNG", "ytd_severe")["suggested_tier"] == 3


def test_new_arrival(flags_at: Any) -> None:
    flags = flags_at("2025-01-24")
    assert reason(flags, "YOUNG", "new_arrival") == (
        "Arrived on 13 January 2025, school day 96 of the year"
    )
    assert pd.isna(row(flags, "YOUNG", "new_arrival")["suggested_tier"])
    # PACE26 arrived on school day 19, within the first 20: not a new arrival.
    assert "new_arrival" not in rules_of(flags_at("2024-10-24"), "PACE26")


# --- no improvement -------------------------------------------------------------------------


def test_no_improvement_after_pace_started(flags_at: Any) -> None:
    # Pace first met on 30 September (the 2nd absence, first month): 2 of 21 days before
    # (9.52%). On 11 November, 30 school days later: 3 of 30 since (10%), not lower.
    flags = flags_at("2024-11-11")
    assert rules_of(flags, "NOIMPROVE") == {"pace", "september_2_4", "no_improvement"}
    assert reason(flags, "NOIMPROVE", "no_improvement") == (
        "No improvement 30 school days after early support began on 30 September 2024: "
        "absent 10% of days since (3 of 30), 9.5% before (2 of 21)"
    )
    found = row(flags, "NOIMPROVE", "no_improvement")
    assert found["suggested_tier"] == 3
    assert found["support_started"] == d("2024-09-30") and found["support_basis"] == "pace"
    assert (found["since_support_days_enrolled"], found["since_support_days_absent"]) == (30, 3)
    assert found["before_support_rate"] == pytest.approx(2 / 21)
    # 2 of 30 since (6.7%) is an improvement.
    assert rules_of(flags, "IMPROVED") == {"pace", "september_2_4"}
    # 8 November is only 29 school days after.
    assert "no_improvement" not in rules_of(flags_at("2024-11-08"), "NOIMPROVE")


def test_no_improvement_on_last_years_rate(flags_at: Any) -> None:
    # 10% last year; this year 3 of the first 30 school days (to 11 October): 10%, not lower.
    flags = flags_at("2024-10-11")
    assert rules_of(flags, "PRIORSTAY") == {
        "prior_year_chronic",
        "pace",
        "ytd_chronic",
        "september_2_4",
        "no_improvement",
    }
    assert reason(flags, "PRIORSTAY", "no_improvement") == (
        "No improvement on last year's chronic absence after 30 school days: "
        "absent 10% this year (3 of 30 days), 10% last year"
    )
    assert "no_improvement" not in rules_of(flags_at("2024-10-10"), "PRIORSTAY")
    # Last year's chronic students with no absence this year are improving.
    assert "no_improvement" not in rules_of(flags, "PRIOR10")


# --- September ------------------------------------------------------------------------------


def test_september_bands(flags_at: Any) -> None:
    flags = flags_at("2024-10-15")
    assert reason(flags, "SEPT", "september_2_4") == (
        "4.5 days absent in September (2 to under 5 is an early warning)"
    )
    assert "september_5_plus" not in rules_of(flags, "SEPT")
    # 5 in September; the October absence does not count.
    assert reason(flags, "SEPT5", "september_5_plus") == "5 days absent in September (5 or more)"
    assert row(flags, "SEPT5", "september_5_plus")["september_days_absent"] == 5
    assert row(flags, "SEPT5", "september_5_plus")["suggested_tier"] == 2
    assert "september_2_4" not in rules_of(flags, "SEPT5")
    assert pd.isna(row(flags, "SEPT", "september_2_4")["suggested_tier"])


def test_september_counts_so_far_during_september(flags_at: Any) -> None:
    # By 10 September SEPT5 has 3 absences (3, 5 and 10 September).
    assert "september_2_4" in rules_of(flags_at("2024-09-10"), "SEPT5")


def test_arrivals_after_september_have_no_september_flag(flags_at: Any) -> None:
    flags = flags_at("2025-02-27")
    assert not rules_of(flags, "FEB") & {"september_2_4", "september_5_plus"}


# --- patterns -------------------------------------------------------------------------------


def test_mondays_and_fridays(flags_at: Any) -> None:
    # 9 Sep (Mon), 13 Sep (Fri), 23 Sep (Mon), 4 Oct (Fri), 16 Oct (Wed): 4 of 5.
    flags = flags_at("2024-10-31")
    assert rules_of(flags, "MONFRI") == {"pace", "ytd_chronic", "september_2_4", "monday_friday"}
    assert reason(flags, "MONFRI", "monday_friday") == (
        "4 of 5 days absent fell on a Monday or Friday (80%)"
    )
    # Three absences, all on Mondays and Fridays: under the minimum of 4.
    assert "monday_friday" not in rules_of(flags, "MONFRI3")


def test_consecutive_days_run_over_the_weekend(flags_at: Any) -> None:
    # Thursday 10, Friday 11 and Monday 14 October are three school days in a row.
    flags = flags_at("2024-11-29")
    assert "consecutive" in rules_of(flags, "RUN")
    assert reason(flags, "RUN", "consecutive") == (
        "Absent 3 school days in a row, 10 October 2024 to 14 October 2024"
    )
    found = row(flags, "RUN", "consecutive")
    assert (found["longest_run"], found["longest_run_start"]) == (3, d("2024-10-10"))
    # 8, 9 and 11 October: a present Thursday breaks the run.
    assert "consecutive" not in rules_of(flags, "RUN2")


def test_recent_rise(flags_at: Any) -> None:
    # 22 November is school day 60: the last 20 are days 41-60 (28 October on). RISE: 4 of
    # 20 (20%) against 0 of the 40 before; RISE2: 2, under the minimum of 3.
    flags = flags_at("2024-11-22")
    assert rules_of(flags, "RISE") == {"pace", "recent_rise"}
    assert reason(flags, "RISE", "recent_rise") == (
        "Absent 20% of the last 20 school days (4 of 20), up from 0% before (0 of 40 days)"
    )
    found = row(flags, "RISE", "recent_rise")
    assert (found["recent_rate"], found["earlier_rate"]) == (pytest.approx(0.2), 0)
    assert "recent_rise" not in rules_of(flags, "RISE2")


# --- thresholds from the definition -----------------------------------------------------------


def test_a_districts_own_thresholds(tmp_path: Path, flags_at: Any) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        'extends = "default"\n[definition]\nname = "mine"\n[signals]\n'
        "consecutive_days = 2\nnew_arrival_after_school_days = 100\n"
        "pace_absences_per_month = 1.5\n",
        encoding="utf-8",
    )
    mine = load_definition(path)
    assert mine.signals.pace_absences_per_month == Fraction(3, 2)
    flags = flags_at("2024-11-29", mine)
    assert "consecutive" in rules_of(flags, "RUN2")  # a run of 2 now counts
    assert reason(flags, "RUN2", "consecutive") == (
        "Absent 2 school days in a row, 8 October 2024 to 9 October 2024"
    )
    # Two whole months: 1.5 x 2 = 3 days, and PACE26 has 3.
    assert reason(flags, "PACE26", "pace") == (
        "3 days absent since 26 September 2024, with 2 whole months completed "
        "(pace rule: 1.5 a month, so 3 or more)"
    )
    assert "new_arrival" not in rules_of(flags_at("2025-02-27", mine), "FEB")  # day 87 <= 100


def test_rows_are_sorted_by_school_then_need(flags_at: Any) -> None:
    flags = flags_at("2024-11-29")
    assert list(flags["school_id"]) == sorted(flags["school_id"])
    s1 = flags[flags["school_id"] == "S1"]
    need = s1.groupby("student_id", sort=False)["suggested_tier"].max().fillna(0).tolist()
    assert need == sorted(need, reverse=True)
