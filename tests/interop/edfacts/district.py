"""A hand-made state for FS195: every count in the tests is worked out here by hand.

School year 2025, calendar C1: 20 weekdays from Monday 2 September 2024 (DAYS[0] .. DAYS[19]).
State CA; schools S1 and S2 in district D1, S3 in district D2. The `edfacts` profile: 10% of the
days enrolled, at least 10 days enrolled, a day absent when half of it or more is missed.

| student | stays (school days) | absences | chronically absent under edfacts |
| --- | --- | --- | --- |
| A | S1 1-20 | days 1, 2 | S1, D1, state (2/20 = 10%) |
| H | S1 1-20 | days 1-3 at 0.5 | S1, D1, state: 3 half days are 3 days (15%, not 7.5%) |
| Q | S1 1-20 | days 1-5 at 0.4 | never: under half a day is no day (2 days, 10%, fractional) |
| M | S1 1-10, S2 11-20 | days 1, 2 | S1 (2/10), D1 (2/20), state; not S2 (0/10) |
| N | S1 1-10, S3 11-20 | days 1, 11 | S1 (1/10), S3 (1/10), D1, D2, state once (2/20) |
| U | S2 16-20 | days 16-18 | never: 5 days enrolled, under the minimum of 10 |
| P | S1 1-20, grade PK | days 1-10 | never: FS195 counts kindergarten to grade 12 |
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from datasets import Builder, write_dataset
from homeroom.contract import validate_dataset
from homeroom.contract.tables import Tables
from homeroom.definitions import Definition, load_definition
from homeroom.engine import duckdb_tables
from homeroom.interop.edfacts import fs195_definition

YEAR = 2025
START = dt.date(2024, 9, 2)


def _weekdays(start: dt.date, count: int) -> list[dt.date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


DAYS = _weekdays(START, 20)
LAST_DAY = DAYS[-1]


def day(n: int) -> dt.date:
    """School day n, from 1."""
    return DAYS[n - 1]


def state() -> Builder:
    b = Builder()
    b.school("S1", "D1", calendar_id="C1", state="CA")
    b.school("S2", "D1", calendar_id="C1", state="CA")
    b.school("S3", "D2", calendar_id="C1", state="CA")
    for date in DAYS:
        b.add("calendar", calendar_id="C1", school_year=YEAR, date=date, instructional="true")
    b.student("A", race_ethnicity="asian", sex="F", english_learner="true")
    b.student("H", race_ethnicity="black", sex="M", students_with_disabilities="true",
              economically_disadvantaged="true")  # fmt: skip
    b.student("Q", race_ethnicity="white", sex="F")
    b.student("M", race_ethnicity="hispanic_latino", sex="X", homeless="true")
    b.student("N", race_ethnicity="two_or_more", sex="M", section_504="true")
    b.student("U", race_ethnicity="white", sex="F")
    b.student("P", race_ethnicity="asian", sex="F")
    b.stay("A", "S1", YEAR, day(1))
    b.absent("A", "S1", day(1), "excused").absent("A", "S1", day(2), "unexcused")
    b.stay("H", "S1", YEAR, day(1))
    for n in (1, 2, 3):
        b.absent("H", "S1", day(n), "excused", fraction="0.5")
    b.stay("Q", "S1", YEAR, day(1))
    for n in (1, 2, 3, 4, 5):
        b.absent("Q", "S1", day(n), "excused", fraction="0.4")
    b.stay("M", "S1", YEAR, day(1), day(10)).stay("M", "S2", YEAR, day(11))
    b.absent("M", "S1", day(1), "excused").absent("M", "S1", day(2), "excused")
    b.stay("N", "S1", YEAR, day(1), day(10)).stay("N", "S3", YEAR, day(11))
    b.absent("N", "S1", day(1), "excused").absent("N", "S3", day(11), "suspension")
    b.stay("U", "S2", YEAR, day(16))
    for n in (16, 17, 18):
        b.absent("U", "S2", day(n), "unexcused")
    b.stay("P", "S1", YEAR, day(1), grade="PK")
    for n in range(1, 11):
        b.absent("P", "S1", day(n), "excused")
    return b


def definition() -> Definition:
    return fs195_definition(load_definition("edfacts"))


def write_state(folder: Path) -> Path:
    return write_dataset(folder, state().data())


def tables_of(folder: Path, chosen: Definition) -> tuple[Tables, duckdb.DuckDBPyConnection]:
    """Write, validate (nothing may be quarantined) and open the state's tables."""
    write_state(folder)
    con = duckdb.connect()
    report = validate_dataset(folder, con, definition=chosen)
    assert report.quarantined == 0, report.quarantine
    return duckdb_tables(con, report.units_per_day), con
