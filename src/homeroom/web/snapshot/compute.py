"""Computing one snapshot: the metrics as of a date, written into the serving file's tables.

Per snapshot: student rows per school and per district (a student who moved counted once) for
that snapshot's school year only, and the aggregates of the district and of each school, for
all students and by each group column of the district summary, stored long:
(as_of, unit, district_id, school_id, group_column, group_value, AGGREGATE_COLUMNS), where
`unit` is "district" or "school" (`level` is the school level of AGGREGATE_COLUMNS) and
`group_column` is '' for all students. Every number comes from the metrics layer
(`homeroom.pipeline.MetricsSession`, one per date), never re-derived in SQL here.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

import duckdb
import ibis

from homeroom.contract.schema import STUDENT_GROUP_COLUMNS
from homeroom.definitions import Definition
from homeroom.metrics import AGGREGATE_COLUMNS, Tables
from homeroom.web.snapshot.dates import ON_DEMAND, Snapshot

if TYPE_CHECKING:
    from homeroom.pipeline import MetricsSession

AGGREGATE_LEVELS = ("district", "school")
# Rows go in snapshot by snapshot, each date's rows already in school and student order, so
# a date's rows are contiguous without sorting again.
SNAPSHOT_TABLES = ("snapshots", "student_rows", "district_rows", "aggregates")
# The students table's columns copied beside each student row.
ROSTER_COLUMNS = ("first_name", "last_name", *STUDENT_GROUP_COLUMNS)


def _years(tables: Tables, years: set[int]) -> Tables:
    """The tables cut to some school years (a snapshot needs its year and the one before)."""
    wanted = sorted(years)

    def keep(table):  # noqa: ANN001, ANN202 - an Ibis table in and out
        return table.filter(table.school_year.isin(wanted))

    return replace(
        tables,
        students=keep(tables.students) if tables.students_by_year else tables.students,
        enrollments=keep(tables.enrollments),
        calendar=keep(tables.calendar),
        attendance=keep(tables.attendance),
    )


def _aggregate_requests() -> list[tuple[str, str | None]]:
    from homeroom.reports.summary import DEFAULT_GROUP_COLUMNS

    return [
        (level, column) for level in AGGREGATE_LEVELS for column in (None, *DEFAULT_GROUP_COLUMNS)
    ]


def _student_select(snapshot: Snapshot, sql: str) -> str:
    """A snapshot's student rows with the names and group columns beside them, so a list
    filters, sorts and pages one table."""
    roster = ", ".join(f"roster.{c}" for c in ROSTER_COLUMNS)
    return (
        f"SELECT DATE '{snapshot.as_of.isoformat()}' AS as_of, rows.*, {roster} "
        f"FROM ({sql}) AS rows LEFT JOIN roster ON roster.student_id = rows.student_id "
        "AND roster.school_year = rows.school_year "
        f"WHERE rows.school_year = {int(snapshot.school_year)}"
    )


def _aggregate_select(snapshot: Snapshot, level: str, column: str | None, sql: str) -> str:
    school = "school_id" if level == "school" else "CAST(NULL AS VARCHAR)"
    group_column = f"'{column}'" if column else "''"
    group_value = f'CAST("{column}" AS VARCHAR)' if column else "CAST(NULL AS VARCHAR)"
    return (
        f"SELECT DATE '{snapshot.as_of.isoformat()}' AS as_of, '{level}' AS unit, "
        f"school_year, district_id, {school} AS school_id, {group_column} AS group_column, "
        f"{group_value} AS group_value, {', '.join(AGGREGATE_COLUMNS)} FROM ({sql}) AS rows "
        f"WHERE school_year = {int(snapshot.school_year)}"
    )


def create_snapshot_tables(
    con: duckdb.DuckDBPyConnection, tables: Tables, definition: Definition, prefix: str = ""
) -> None:
    """Empty tables with the metrics' own column types (the expressions are built, not run)."""
    from homeroom.pipeline import metrics_expression

    probe = Snapshot(0, dt.date(2000, 1, 1), ON_DEMAND)
    con.execute(f"CREATE TABLE {prefix}snapshots (school_year BIGINT, as_of DATE, kind VARCHAR)")
    for name, per in (("student_rows", "school"), ("district_rows", "district")):
        sql = ibis.to_sql(metrics_expression(tables, definition, per=per))
        con.execute(f"CREATE TABLE {prefix}{name} AS {_student_select(probe, sql)} LIMIT 0")
    sql = ibis.to_sql(metrics_expression(tables, definition, level="school"))
    con.execute(
        f"CREATE TABLE {prefix}aggregates AS "
        f"{_aggregate_select(probe, 'school', None, sql)} LIMIT 0"
    )
    # Sums of integers come out as 128-bit integers, which pandas reads as floats.
    for name in SNAPSHOT_TABLES:
        for column, kind, *_ in con.execute(f"DESCRIBE {prefix}{name}").fetchall():
            if kind == "HUGEINT":
                con.execute(f'ALTER TABLE {prefix}{name} ALTER COLUMN "{column}" TYPE BIGINT')


# SQL compiled by any serving file of this process, by what its expressions are built from.
_SHARED: dict[tuple[str, int, str, str | None], tuple[str, str]] = {}
_SHARED_LOCK = threading.Lock()


def request_signature(tables: Tables, definition: Definition) -> str:
    """Everything a request's expression is built from, but the data and the date: the
    definition, the tables' names and columns, the units of a day. Expressions never read the
    data while being built (they are plans), so files with the same signature compile alike."""
    shapes = [
        f"{name}:{table.get_name()}:{table.schema()!r}"
        for name, table in sorted(vars(tables).items())
        if hasattr(table, "schema")
    ]
    rules = replace(definition, path="")  # where the profile was read from changes nothing
    return repr((rules, tables.units_per_day, tables.students_by_year, shapes))


class CompiledRequests:
    """The SQL of each request, compiled once per school year and reused for its snapshots.

    Compiling an Ibis expression costs more than running it here (about 8 of the 13 CPU
    seconds of a small district's serving file). A session's expressions depend on its date
    only through its stored per-student amounts (`MetricsSession.units`), so the SQL of one
    snapshot serves every other snapshot of the year with that table's name swapped. With a
    `signature` (request_signature) the SQL is also kept for later files of the process with
    the same one: a web server preparing the file after each load, or a test run.
    """

    def __init__(self, signature: str | None = None) -> None:
        self._signature = signature
        self._held: dict[tuple[str, int, str, str | None], tuple[str, str]] = (
            _SHARED if signature is not None else {}
        )
        self._lock = _SHARED_LOCK if signature is not None else threading.Lock()

    def sql(
        self,
        session: MetricsSession,
        year: int,
        level: str,
        detail: str | None,
        build: Callable[[], Any],
    ) -> str:
        units = session.units
        if units is None:  # sessions made here always keep their units
            raise RuntimeError("a snapshot's MetricsSession lost its stored units")
        name = units.get_name()
        key = (self._signature or "", year, level, detail)
        with self._lock:
            held = self._held.get(key)
        if held is None:
            sql = ibis.to_sql(build())
            with self._lock:
                self._held[key] = (name, sql)
            return sql
        first_name, sql = held
        return sql.replace(first_name, name)


def compute_snapshot(
    con: duckdb.DuckDBPyConnection,
    tables: Tables,
    definition: Definition,
    snapshot: Snapshot,
    prefix: str = "",
    compiled: CompiledRequests | None = None,
) -> None:
    """Add one snapshot's rows, computed with one MetricsSession (one pass over attendance)."""
    from homeroom.pipeline import MetricsSession

    compiled = compiled or CompiledRequests()
    year = snapshot.school_year
    year_tables = _years(tables, {year - 1, year})
    with MetricsSession(year_tables, definition, as_of=snapshot.as_of) as session:
        for name, per in (("student_rows", "school"), ("district_rows", "district")):
            sql = compiled.sql(session, year, "student", per, partial(session.expression, per=per))
            con.execute(f"INSERT INTO {prefix}{name} BY NAME {_student_select(snapshot, sql)}")
        for level, column in _aggregate_requests():
            by = (column,) if column else ()
            sql = compiled.sql(
                session,
                year,
                level,
                column,
                partial(session.expression, level, by=by),
            )
            con.execute(
                f"INSERT INTO {prefix}aggregates BY NAME "
                f"{_aggregate_select(snapshot, level, column, sql)}"
            )
    con.execute(
        f"INSERT INTO {prefix}snapshots VALUES (?, ?, ?)",
        [snapshot.school_year, snapshot.as_of, snapshot.kind],
    )
