"""homeroom.metrics.membership_days on the hand-made district (see district.py)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from datasets import write_dataset
from homeroom.contract import validate_dataset
from homeroom.definitions import load_definition
from homeroom.engine import duckdb_tables, to_frame
from homeroom.metrics import DAY_COLUMNS, membership_days
from homeroom.metrics.days import MAX_STUDENTS
from web.data.district import district


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    folder = write_dataset(tmp_path_factory.mktemp("days"), district().data())
    con = duckdb.connect()
    report = validate_dataset(folder, con, definition=load_definition("default"))
    yield duckdb_tables(con, report.units_per_day)
    con.close()


def test_a_mover_is_counted_once_across_schools_in_date_order(tables):
    days = to_frame(membership_days(tables, load_definition("default"), ["M01"], school_year=2025))
    assert list(days.columns) == list(DAY_COLUMNS)
    assert len(days) == 80  # 44 days at S1 to 31 October, then S2 to 20 December
    assert list(days["school_id"].iloc[[0, 43, 44, 79]]) == ["S1", "S1", "S2", "S2"]
    nov4 = days[days["date"] == dt.date(2024, 11, 4)].iloc[0]
    # Through 4 November: 46 days, 4 absences (3 at S1, 1 at S2), in the same district.
    assert (nov4["days_enrolled"], nov4["days_absent"], nov4["category"]) == (46, 4.0, "unexcused")
    assert nov4["counted_units"] == tables.units_per_day
    assert days["days_enrolled"].iloc[-1] == 80


def test_as_of_and_the_half_day_rule(tables):
    days = to_frame(
        membership_days(
            tables,
            load_definition("edfacts"),
            ["A01"],
            school_year=2025,
            as_of=dt.date(2024, 9, 10),
        )
    )
    # Under the half-day rule half a day missed is a whole day absent.
    assert list(days["date"]) == [dt.date(2024, 9, d) for d in (2, 3, 4, 5, 6, 9, 10)]
    last = days.iloc[-1]
    assert (last["recorded_units"] * 2, last["counted_units"]) == (
        tables.units_per_day,
        tables.units_per_day,
    )
    assert last["days_absent"] == 3.0
    assert days[days["category"].isna()]["recorded_units"].eq(0).all()


def test_only_a_few_students_at_a_time(tables):
    with pytest.raises(ValueError, match="at most"):
        membership_days(
            tables, load_definition("default"), [f"S{i}" for i in range(MAX_STUDENTS + 1)]
        )
    with pytest.raises(ValueError, match="at least one"):
        membership_days(tables, load_definition("default"), [])
