"""A student's school year as the rules see it: the year of a date, narrowed tables, the
school-day clock, stays and counted absence rows, on a hand-made district (model_district.py).

School year 2025 has 40 school days from Monday 2 September 2024, last year 20 from Monday
4 September 2023; A is at S1 all year, B arrives on school day 11.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from datasets import Builder
from homeroom.contract.tables import Tables
from homeroom.definitions import load_definition
from homeroom.engine import to_frame
from homeroom.signals.history import (
    SignalsError,
    absence_days,
    clock,
    school_year_at,
    year_stays,
    year_tables,
)
from signals.model_district import DAYS, PRIOR_DAYS, YEAR, calendar, day, tables_of

DEFINITION = load_definition("default")


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tables]:
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    calendar(b, YEAR, DAYS)
    calendar(b, YEAR - 1, PRIOR_DAYS)
    b.stay("A", "S1", YEAR, DAYS[0])
    b.stay("A", "S1", YEAR - 1, PRIOR_DAYS[0])
    b.stay("B", "S1", YEAR, day(11))
    b.absent("A", "S1", day(3), "excused")
    b.absent("A", "S1", day(12), "unexcused", fraction="0.5")
    b.absent("B", "S1", day(12), "tardy")  # not an absence under `default`
    tables, con = tables_of(b, Path(tmp_path_factory.mktemp("history")), DEFINITION)
    yield tables
    con.close()  # type: ignore[attr-defined]


def test_the_school_year_of_a_date(tables: Tables) -> None:
    assert school_year_at(tables, day(5)) == YEAR
    assert school_year_at(tables, dt.date(2024, 7, 15)) == YEAR - 1  # summer: the year just ended
    with pytest.raises(SignalsError, match="no school year in the calendar has begun by"):
        school_year_at(tables, dt.date(2023, 8, 1))


def test_tables_narrowed_to_one_year(tables: Tables) -> None:
    one = year_tables(tables, [YEAR - 1])
    assert set(to_frame(one.enrollments)["student_id"]) == {"A"}
    assert set(to_frame(one.calendar)["school_year"]) == {YEAR - 1}


def test_the_clock_stays_and_absences_through_a_date(tables: Tables) -> None:
    through = day(12)
    ticks = to_frame(clock(tables, through)).set_index("school_year")
    assert ticks.loc[YEAR, "days_so_far"] == 12 and ticks.loc[YEAR, "days_in_year"] == 40
    stays = to_frame(year_stays(tables, DEFINITION, YEAR, through)).set_index("student_id")
    assert stays.loc["A", "days_enrolled"] == 12 and stays.loc["B", "days_enrolled"] == 2
    assert stays.loc["B", "first_day"] == day(11) and bool(stays.loc["B", "enrolled_now"])
    rows = to_frame(absence_days(tables, DEFINITION, YEAR, through))
    upd = tables.units_per_day
    counted = sorted(zip(rows["student_id"], rows["day_number"], rows["counted"], strict=True))
    assert counted == [("A", 3, upd), ("A", 12, upd // 2)]  # the tardy adds nothing
