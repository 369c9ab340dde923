"""A hand-made district for the model's feature tests, every number countable by hand.

School year 2025: weekdays only, from Monday 2 September 2024, 40 school days (eight full
weeks, weekends left out of the calendar file). School day n is then easy to place: days 1-5
are Monday-Friday of the first week, day 6 the next Monday, and so on; a Monday is a day
n with n % 5 == 1, a Friday n % 5 == 0. Last year (2024): 20 school days from Monday 4 September
2023. Schools S1 and S2 (district D1) share the calendar C1.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import shutil
import tempfile
from pathlib import Path

import duckdb

from datasets import Builder, write_dataset
from homeroom.contract import validate_dataset
from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.engine import duckdb_tables

YEAR = 2025
START = dt.date(2024, 9, 2)
PRIOR_START = dt.date(2023, 9, 4)


def school_days(start: dt.date, count: int) -> list[dt.date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


DAYS = school_days(START, 40)  # DAYS[n - 1] is school day n
PRIOR_DAYS = school_days(PRIOR_START, 20)


def day(n: int) -> dt.date:
    return DAYS[n - 1]


def calendar(b: Builder, year: int, days: list[dt.date]) -> None:
    for date in days:
        b.add("calendar", calendar_id="C1", school_year=year, date=date, instructional="true")


def tables_of(b: Builder, folder: Path, definition: Definition) -> tuple[Tables, object]:
    """Write, validate (nothing may be quarantined) and open the district's tables."""
    write_dataset(folder, b.data())
    con = duckdb.connect()
    report = validate_dataset(folder, con, definition=definition)
    assert report.quarantined == 0, report.quarantine
    return duckdb_tables(con, report.units_per_day), con


@functools.cache
def synthetic_folder() -> Path:
    """A small synthetic district over three school years (2023-2025), made once per process."""
    from homeroom.synth import generate

    folder = Path(tempfile.mkdtemp(prefix="homeroom-model-"))
    atexit.register(shutil.rmtree, folder, True)
    generate(folder, students=1500, schools=4, years=3, seed=3)
    return folder


def synthetic_tables(definition: Definition) -> tuple[Tables, duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    report = validate_dataset(synthetic_folder(), con, definition=definition)
    return duckdb_tables(con, report.units_per_day), con
