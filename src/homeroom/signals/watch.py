"""The watch list of a workspace or a dataset folder: the rules run as of a date.

The command line (`homeroom signals`) and the web app both come through here, so they flag the
same students for the same data, definition and date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import ibis
import pandas as pd

from homeroom.contract.report import ValidationReport
from homeroom.contract.tables import Tables
from homeroom.definitions import Definition
from homeroom.signals.flags import Progress, flag_students
from homeroom.signals.history import SignalsError
from homeroom.warehouse import Workspace


@dataclass(frozen=True)
class WatchList:
    flags: pd.DataFrame  # flag_students' rows
    as_of: dt.date
    definition: Definition
    load_id: int | None = None  # the workspace load it was computed from


def latest_day(tables: Tables, today: dt.date | None = None) -> dt.date:
    """The default as-of date: the last date with attendance recorded, but never after today.

    Counting days through today when the data stops earlier would count the days since as
    present and understate every rate.
    """
    today = today or dt.date.today()
    attendance = tables.attendance
    last = attendance.filter(attendance.date <= ibis.literal(today)).date.max().execute()
    if last is None or pd.isna(last):
        calendar = tables.calendar
        last = calendar.filter(calendar.date <= ibis.literal(today)).date.max().execute()
    if last is None or pd.isna(last):
        raise SignalsError(
            "the data holds no school day up to today; give the date with --as-of YYYY-MM-DD"
        )
    return pd.Timestamp(last).date()


def rules_for_tables(
    tables: Tables,
    definition: Definition,
    as_of: dt.date | None = None,
    *,
    progress: Progress | None = None,
) -> WatchList:
    day = as_of or latest_day(tables)
    return WatchList(flag_students(tables, definition, day, progress=progress), day, definition)


def rules_for_workspace(
    workspace: Workspace,
    as_of: dt.date | None = None,
    *,
    definition: Definition | None = None,
    engine: str | None = None,
    progress: Progress | None = None,
) -> WatchList:
    """The flags of a workspace's current load (read-only) as of D (default: `latest_day`)."""
    from homeroom.resolver import engine_tables, require_compatible_load
    from homeroom.warehouse import connect

    definition = definition or workspace.definition()
    con = connect(workspace, read_only=True)
    try:
        current = require_compatible_load(con, workspace, definition)
        with engine_tables(con, current.units_per_day, engine or workspace.engine) as tables:
            found = rules_for_tables(tables, definition, as_of, progress=progress)
    finally:
        con.close()
    return WatchList(found.flags, found.as_of, definition, current.load_id)


def rules_for_folder(
    data_dir: Path,
    as_of: dt.date | None = None,
    *,
    definition: Definition,
    engine: str = "duckdb",
    progress: Progress | None = None,
    on_validated: Callable[[ValidationReport], None] | None = None,
) -> WatchList:
    """Validate a dataset folder in memory and run the rules on it.

    `on_validated` receives the validation report, so a caller can say what was quarantined.
    """
    from homeroom.contract import validate_dataset
    from homeroom.resolver import engine_tables

    con = duckdb.connect()
    try:
        report = validate_dataset(Path(data_dir), con, definition=definition, progress=progress)
        if on_validated is not None:
            on_validated(report)
        with engine_tables(con, report.units_per_day, engine) as tables:
            return rules_for_tables(tables, definition, as_of, progress=progress)
    finally:
        con.close()
