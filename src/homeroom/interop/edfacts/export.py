"""`homeroom export fs195`: the submission file(s) and counts.csv, written only when all is known.

Everything is counted and laid out in memory first; the files are then written beside each other
through temporary names, so a failure leaves no half-written file in the folder.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from homeroom.contract.tablefiles import csv_text
from homeroom.contract.tables import Tables
from homeroom.engine import to_frame
from homeroom.interop.edfacts.codes import FIPS
from homeroom.interop.edfacts.fs195 import chronic_rows, fs195_counts
from homeroom.interop.edfacts.fs195_file import (
    FILE_TYPES,
    FS195FileError,
    data_records,
    file_name,
    file_text,
    header_record,
)

if TYPE_CHECKING:
    from homeroom.resolver import Resolved

COUNTS_FILE = "counts.csv"


@dataclass
class FS195Written:
    out_dir: Path
    school_year: int
    state: str
    files: dict[str, Path] = field(default_factory=dict)  # level -> submission file
    records: dict[str, int] = field(default_factory=dict)  # level -> data records
    counts_rows: int = 0


def only_state(tables: Tables) -> str:
    """The one state of the schools (postal code); the federal file is one state's."""
    states = sorted(
        str(s) for s in to_frame(tables.schools.select("state").distinct())["state"] if s
    )
    if len(states) != 1 or states[0].upper() not in FIPS:
        found = ", ".join(states) or "none"
        raise FS195FileError(
            "FS195 is one state's file: schools.state must hold one US state's postal code "
            f"(e.g. CA) for every school; found {found}. Name it with --state"
        )
    return states[0].upper()


def default_school_year(tables: Tables, as_of: dt.date) -> int:
    """The school year of the as-of date: the latest year with a calendar date on or before it."""
    calendar = tables.calendar
    latest = calendar.filter(calendar.date <= as_of).school_year.max().name("year")
    year = to_frame(latest.as_table())["year"].iloc[0]
    if pd.isna(year):
        raise FS195FileError(f"no school year has a calendar date on or before {as_of}")
    return int(year)


def export_fs195(
    request: Resolved,
    out_dir: Path,
    *,
    school_year: int | None = None,
    fmt: str = "csv",
    version: str = "v1",
    state: str | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> FS195Written:
    """Count under the request's definition (the FS195 one) and write the files to `out_dir`.

    `state`: the state's postal code when `schools.state` does not hold it (synthetic data).
    """
    step = progress or (lambda _message: None)
    if state is not None and state.upper() not in FIPS:
        raise FS195FileError(f"the state must be a US state's postal code (e.g. CA); got {state!r}")
    with request.tables() as tables:
        state = state.upper() if state is not None else only_state(tables)
        year = school_year or default_school_year(tables, request.as_of)
        step(f"Counting chronically absent students, {year - 1}-{year}")
        rows = chronic_rows(tables, request.definition, year, request.as_of)
    written = FS195Written(Path(out_dir), year, state)
    texts: dict[str, str] = {}
    for level in FILE_TYPES:
        records = data_records(rows[level], FIPS[state])
        name = file_name(state, level, version, fmt)
        header = header_record(level, len(records), name, year, now or dt.datetime.now())
        texts[name] = file_text(header, records, fmt)
        written.files[level] = written.out_dir / name
        written.records[level] = len(records)
    counts = fs195_counts(rows)
    texts[COUNTS_FILE] = csv_text(counts)
    written.counts_rows = len(counts)
    step(f"Writing {out_dir}")
    _write_all(written.out_dir, texts)
    return written


def _write_all(folder: Path, texts: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    temporary = {name: folder / f".{name}.partial" for name in texts}
    try:
        for name, text in texts.items():
            with temporary[name].open("w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        for name, path in temporary.items():
            os.replace(path, folder / name)
    finally:
        for path in temporary.values():
            path.unlink(missing_ok=True)
