"""A hand-made district whose every number is known, for the data-quality monitor tests.

School S1: 20 students (A01-A20) all year, 10 unexcused absences every school day (students
rotate), so its typical day has 10 rows and its typical week 50 absences. School S2: 5 students
(B01-B05), one excused absence each Monday and Friday (too few to judge). One calendar per
school: 160 weekdays from Monday 2 September 2024 (32 full weeks), no breaks; weekends are left
out of the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb

from datasets import Builder, write_dataset
from homeroom.contract import validate_dataset
from homeroom.definitions import load_definition
from homeroom.quality import MonitorResult, run_monitors

YEAR = 2025
START = dt.date(2024, 9, 2)  # a Monday
WEEKDAYS = 160


def weekdays(count: int = WEEKDAYS) -> list[dt.date]:
    days, day = [], START
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


DAYS = weekdays()


def calendar(
    b: Builder, calendar_id: str, off: set[int] = frozenset(), count: int = WEEKDAYS
) -> None:
    for i, day in enumerate(weekdays(count)):
        b.add(
            "calendar",
            calendar_id=calendar_id,
            school_year=YEAR,
            date=day,
            instructional="false" if i in off else "true",
        )


def district(
    s1_rows: Callable[[int], int] = lambda i: 10,
    *,
    through: int = WEEKDAYS,
) -> Builder:
    """The district; `s1_rows(i)`: S1's absences on school day i; attendance through day
    `through` (the extract date) at every school."""
    b = Builder()
    b.school("S1")
    b.school("S2")
    calendar(b, "S1")
    calendar(b, "S2")
    for n in range(1, 21):
        b.stay(f"A{n:02d}", "S1", YEAR, DAYS[0])
    for n in range(1, 6):
        b.stay(f"B{n:02d}", "S2", YEAR, DAYS[0])
    for i, day in enumerate(DAYS[:through]):
        for k in range(s1_rows(i)):
            b.absent(f"A{(i * 10 + k) % 20 + 1:02d}", "S1", day, "unexcused")
        if day.weekday() in (0, 4):
            b.absent(f"B{i % 5 + 1:02d}", "S2", day, "excused")
    return b


def monitors(folder: Path, b: Builder) -> dict[str, MonitorResult]:
    """Write the dataset, validate it as `homeroom check` does and run every monitor."""
    write_dataset(folder, b.data())
    con = duckdb.connect()
    try:
        report = validate_dataset(folder, con, definition=load_definition("default"))
        found = run_monitors(con, quarantine=report.quarantine)
        leftover = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_hq_%'"
        ).fetchall()[0][0]
        assert leftover == 0, "the monitors left scratch tables behind"
    finally:
        con.close()
    return {m.key: m for m in found}


def line_of(b: Builder, table: str, **match: str) -> int:
    """The CSV line (header = 1) of the first row of `table` with these values."""
    for index, row in enumerate(b.data()[table]):
        if all(row.get(k) == v for k, v in match.items()):
            return index + 2
    raise LookupError(match)
