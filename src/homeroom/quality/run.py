"""Run every data-quality monitor on validated tables and return their findings in order."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd

from homeroom.quality.calendar import calendar_gaps
from homeroom.quality.changes import changed_absences
from homeroom.quality.context import Context
from homeroom.quality.quarantined import (
    attendance_without_enrollment,
    overlapping_stays,
    unmapped_codes,
)
from homeroom.quality.recording import absence_drops, days_without_attendance
from homeroom.quality.result import MonitorResult, PreviousLoad
from homeroom.quality.stops import attendance_stops

_TABLES = ("schools", "enrollments", "calendar", "attendance")


def run_monitors(
    con: duckdb.DuckDBPyConnection,
    *,
    schema: str = "main",
    quarantine: pd.DataFrame | None = None,
    previous: PreviousLoad | None = None,
    progress: Callable[[str], None] | None = None,
    units_per_day: int | None = None,
) -> list[MonitorResult]:
    """The findings of every monitor on the validated tables of `schema` in `con`.

    `quarantine`: the validation's quarantine (table, file, line, column, reason, and maybe
    source_file, source_line); without it the monitors that read it say so. `previous`: the
    previous load's attendance, for the changed-absences monitor; `units_per_day`: the unit of
    this load's absent_units (default: the previous load's). Writes nothing but TEMP tables,
    which it drops, so it can run inside the caller's load transaction.
    """
    missing = [t for t in _TABLES if not _exists(con, schema, t)]
    if missing:
        raise ValueError(f"no validated table {', '.join(missing)} in schema {schema!r}")
    units = units_per_day or (previous.units_per_day if previous else None)
    ctx = Context(con, schema, progress, checksum_units=units if previous else None)
    try:
        return [
            days_without_attendance(ctx),
            attendance_stops(ctx),
            calendar_gaps(ctx),
            overlapping_stays(quarantine),
            unmapped_codes(quarantine),
            attendance_without_enrollment(quarantine),
            absence_drops(ctx),
            changed_absences(ctx, previous, units_per_day),
        ]
    finally:
        ctx.cleanup()


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
    )
