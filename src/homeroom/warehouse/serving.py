"""The web app's data: a prepared DuckDB file per load and definition, read while a load runs.

`homeroom load` needs the warehouse file read-write, so the web never holds it open. Instead
`prepare_serving` copies what the pages read into `<workspace>/serving/`, one file per load and
definition, built under a temporary name and renamed into place when complete, and adds
*snapshots*: the metrics as of chosen dates, computed by the metrics layer
(`homeroom.pipeline.MetricsSession`, one per date), never re-derived in SQL here.

Snapshot dates, for each school year: the last day of each month with instructional days
(capped at the year's last instructional day, which is the year-end snapshot), left out after
the latest date with data (a month the data have not reached would count its days as present);
the latest date with data itself; and, for each earlier year, the same point in that year, so
the year-over-year comparison of the default page is ready too. Other dates are computed on
demand by `ensure_snapshot`, from the copies inside the serving file, and kept in memory.

Per snapshot: student rows per school and per district (a student who moved counted once) for
that snapshot's school year only, and the aggregates of the district and of each school, for
all students and by each group column of the district summary, stored long:
(as_of, unit, district_id, school_id, group_column, group_value, AGGREGATE_COLUMNS), where
`unit` is "district" or "school" (`level` is the school level of AGGREGATE_COLUMNS) and
`group_column` is '' for all students.
"""

from __future__ import annotations

import calendar as month_days
import datetime as dt
import hashlib
import json
import os
import pickle
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import duckdb
import ibis
import pandas as pd

from homeroom.contract.schema import STUDENT_GROUP_COLUMNS
from homeroom.definitions import Definition
from homeroom.engine import duckdb_tables
from homeroom.metrics import AGGREGATE_COLUMNS, Tables
from homeroom.warehouse.loader import CurrentLoad, connect
from homeroom.warehouse.workspace import Workspace, WorkspaceError

SERVING_FOLDER = "serving"
FORMAT_VERSION = 2
KEEP_FILES = 2  # the new file and the one before, which a running web app may still read
STALE_TEMP_SECONDS = 24 * 3600  # a temporary file this old is left over from a crash
CACHE_SIZE = 256  # page results kept per open serving file

MONTH_END, YEAR_END, LATEST, SAME_POINT, ON_DEMAND = (
    "month_end",
    "year_end",
    "latest",
    "same_point",
    "on_demand",
)
# When one date is several kinds of snapshot, it keeps the first of these.
KINDS = (YEAR_END, MONTH_END, LATEST, SAME_POINT, ON_DEMAND)
AGGREGATE_LEVELS = ("district", "school")

# The tables copied from the warehouse, each sorted the way the pages look rows up (DuckDB
# skips row groups whose min/max cannot match, so a sorted column is nearly an index).
COPIED = {
    "schools": "school_id",
    "students": "student_id, school_year",
    "enrollments": "student_id, school_year, entry_date",
    "calendar": "calendar_id, school_year, date",
    "attendance": "student_id, date",
}
# Rows go in snapshot by snapshot, each date's rows already in school and student order, so
# a date's rows are contiguous without sorting again.
SNAPSHOT_TABLES = ("snapshots", "student_rows", "district_rows", "aggregates")
# The students table's columns copied beside each student row.
ROSTER_COLUMNS = ("first_name", "last_name", *STUDENT_GROUP_COLUMNS)
ON_DEMAND_PREFIX = "on_demand_"

Progress = Callable[[str], None]
T = TypeVar("T")


class ServingError(WorkspaceError):
    """The web's prepared data cannot answer (a date outside every school year, a lost file)."""


@dataclass(frozen=True)
class Snapshot:
    """A date the metrics are computed through, and the school year it falls in."""

    school_year: int
    as_of: dt.date
    kind: str  # one of KINDS


@dataclass(frozen=True)
class YearSpan:
    """A school year's dates over every calendar: first and last listed date, last school day."""

    school_year: int
    first_date: dt.date
    last_date: dt.date
    last_day: dt.date  # the last instructional day

    def holds(self, day: dt.date) -> bool:
        return self.first_date <= day <= self.last_date


# -- file names --------------------------------------------------------------------------------
def serving_folder(workspace: Workspace) -> Path:
    return workspace.root / SERVING_FOLDER


def serving_file_name(load_id: int, definition: Definition) -> str:
    """`serving-load000012-default-2026.1-<hash>.duckdb`: readable, exact through the hash.

    The hash covers every setting of the definition (an edited file with an unchanged version
    is another definition) and this module's file format, so a file is reused only when it
    holds exactly what would be built.
    """
    exact = f"{FORMAT_VERSION}\0{definition!r}".encode()
    digest = hashlib.sha256(exact).hexdigest()[:8]
    name = _slug(definition.name)
    return f"serving-load{load_id:06d}-{name}-{_slug(definition.version)}-{digest}.duckdb"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "_", text).strip("_")[:40] or "x"


def find_serving(workspace: Workspace, definition: Definition | None = None) -> Path | None:
    """The newest prepared file for the definition (any load), without opening the warehouse."""
    definition = definition or workspace.definition()
    folder = serving_folder(workspace)
    if not folder.is_dir():
        return None
    suffix = serving_file_name(0, definition).split("-", 2)[2]
    found = sorted(folder.glob(f"serving-load*-{suffix}"))
    return found[-1] if found else None


# -- preparing -------------------------------------------------------------------------------
def prepare_serving(
    workspace: Workspace,
    *,
    definition: Definition | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> Path:
    """The serving file of the workspace's current load and `definition` (built if missing).

    Reused when a file for the same load id, definition name and version exists (unless
    `force`); the warehouse is opened read-only, and only while its tables are copied.
    """
    from homeroom.pipeline import require_compatible_load

    definition = definition or workspace.definition()
    say = progress or (lambda _message: None)
    folder = serving_folder(workspace)
    con = connect(workspace, read_only=True)
    try:
        current = require_compatible_load(con, workspace, definition)
    finally:
        con.close()
    target = folder / serving_file_name(current.load_id, definition)
    if target.exists() and not force:
        _prune(folder, target)
        return target

    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
    started = time.perf_counter()
    try:
        con = duckdb.connect(str(temporary), config={"memory_limit": workspace.memory_limit})
        try:
            current = _copy_warehouse(con, workspace, definition, say)
            target = folder / serving_file_name(current.load_id, definition)
            _build_snapshots(con, definition, current.units_per_day, say)
            _write_meta(con, workspace, definition, current, time.perf_counter() - started)
            say("sorting each student's history")
            _index(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}.wal").unlink(missing_ok=True)
    _prune(folder, target)
    say(f"prepared {target.name} in {time.perf_counter() - started:.0f} s")
    return target


def _copy_warehouse(
    con: duckdb.DuckDBPyConnection, workspace: Workspace, definition: Definition, say: Progress
) -> CurrentLoad:
    """Copy the current load's tables, reading the warehouse only for this long."""
    from homeroom.pipeline import require_compatible_load
    from homeroom.quality.store import MONITOR_RESULTS_DDL

    say("copying the load's tables")
    own = con.execute("SELECT current_database()").fetchall()[0][0]
    try:
        con.execute(f"ATTACH {_quote(workspace.warehouse)} AS homeroom_warehouse (READ_ONLY)")
    except duckdb.Error as exc:
        raise WorkspaceError(
            f"cannot read {workspace.warehouse}: a `homeroom load` may be running; try again "
            f"when it is done ({type(exc).__name__})"
        ) from exc
    try:
        con.execute("USE homeroom_warehouse")
        # Read again under the attachment: a load may have finished since the first look.
        current = require_compatible_load(con, workspace, definition)
        has_monitors = _exists(con, "homeroom_warehouse", "monitor_results")
        con.execute(f'USE "{own}"')
        for name, order in COPIED.items():
            con.execute(
                f"CREATE TABLE {name} AS SELECT * FROM homeroom_warehouse.{name} ORDER BY {order}"
            )
        con.execute(
            "CREATE TABLE quarantine AS SELECT * FROM homeroom_warehouse.quarantine "
            'WHERE load_id = ? ORDER BY "table", file, line',
            [current.load_id],
        )
        con.execute(
            "CREATE TABLE load_history AS SELECT * FROM homeroom_warehouse.load_history "
            "ORDER BY load_id"
        )
        con.execute(MONITOR_RESULTS_DDL)
        if has_monitors:
            con.execute(
                "INSERT INTO monitor_results SELECT * FROM homeroom_warehouse.monitor_results "
                "WHERE load_id = ?",
                [current.load_id],
            )
    finally:
        con.execute(f'USE "{own}"')
        con.execute("DETACH homeroom_warehouse")
    _make_roster(con)
    return current


def _make_roster(con: duckdb.DuckDBPyConnection) -> None:
    """One row per student and school year with a stay: names and group columns, joined once.

    Students come one row per student, or one per student and year; the roster hides which.
    """
    by_year = con.execute("SELECT count(*) > 0 FROM students WHERE school_year IS NOT NULL")
    match = "AND s.school_year = y.school_year" if by_year.fetchall()[0][0] else ""
    con.execute(
        "CREATE TABLE roster AS SELECT y.school_year, y.student_id, "
        "s.* EXCLUDE (student_id, school_year) "
        "FROM (SELECT DISTINCT school_year, student_id FROM enrollments) y "
        f"LEFT JOIN students s ON s.student_id = y.student_id {match} "
        "ORDER BY y.student_id, y.school_year"
    )


def _build_snapshots(
    con: duckdb.DuckDBPyConnection, definition: Definition, units_per_day: int, say: Progress
) -> None:
    spans = year_spans(con)
    latest = latest_date(con, spans)
    plan = plan_snapshots(spans, month_ends(con), latest)
    tables = duckdb_tables(con, units_per_day)
    _create_snapshot_tables(con, tables, definition)
    compiled = CompiledRequests()
    for number, snapshot in enumerate(plan, start=1):
        say(f"snapshot {number} of {len(plan)}: {snapshot.as_of.isoformat()}")
        compute_snapshot(con, tables, definition, snapshot, compiled=compiled)


def _index(con: duckdb.DuckDBPyConnection) -> None:
    """Each student's district rows at the month ends, year ends and latest date, in student
    order, for the student page's tier history.

    A sorted copy rather than an index: DuckDB skips row groups by their min/max even for a
    parameter, while it uses an index only for a constant.
    """
    con.execute(
        "CREATE TABLE student_history AS SELECT r.as_of, s.kind, r.school_year, r.student_id, "
        "r.school_id, r.grade_level, r.days_enrolled, r.days_absent, r.absence_rate, "
        "r.eligible, r.tier FROM district_rows r JOIN snapshots s ON s.as_of = r.as_of "
        f"WHERE s.kind IN ('{MONTH_END}', '{YEAR_END}', '{LATEST}') "
        "ORDER BY r.student_id, r.school_year, r.as_of"
    )


def _write_meta(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    definition: Definition,
    current: CurrentLoad,
    seconds: float,
) -> None:
    spans = year_spans(con)
    meta = {
        "format": FORMAT_VERSION,
        "workspace_name": workspace.name,
        "load_id": current.load_id,
        "loaded_at": current.loaded_at.isoformat(),
        "units_per_day": current.units_per_day,
        "definition_name": definition.name,
        "definition_version": definition.version,
        "latest_date": latest_date(con, spans).isoformat(),
        "memory_limit": workspace.memory_limit,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "build_seconds": round(seconds, 1),
    }
    con.execute("CREATE TABLE serving_meta (key VARCHAR, value VARCHAR)")
    con.executemany(
        "INSERT INTO serving_meta VALUES (?, ?)", [[k, json.dumps(v)] for k, v in meta.items()]
    )
    # The whole definition, exactly as used (shares are Fractions; new sections keep coming):
    # the file is the workspace's own, written and read only by homeroom.
    con.execute("CREATE TABLE serving_definition (definition BLOB)")
    con.execute("INSERT INTO serving_definition VALUES (?)", [pickle.dumps(definition)])


def _prune(folder: Path, keep: Path) -> None:
    """Delete serving files but the newest two (a running app may still read the previous one)."""
    files = sorted(folder.glob("serving-load*.duckdb"), key=lambda p: p.stat().st_mtime)
    files = [p for p in files if p != keep][-(KEEP_FILES - 1) :] if KEEP_FILES > 1 else []
    keep_names = {keep.name, *(p.name for p in files)}
    for path in folder.glob("serving-load*.duckdb"):
        if path.name not in keep_names:
            path.unlink(missing_ok=True)
            Path(f"{path}.wal").unlink(missing_ok=True)
    now = time.time()
    for path in folder.glob(".serving-*.tmp*"):
        if now - path.stat().st_mtime > STALE_TEMP_SECONDS:
            path.unlink(missing_ok=True)


# -- snapshot dates --------------------------------------------------------------------------
def year_spans(con: duckdb.DuckDBPyConnection) -> dict[int, YearSpan]:
    rows = con.execute(
        "SELECT school_year, min(date), max(date), max(date) FILTER (WHERE instructional) "
        "FROM calendar GROUP BY school_year ORDER BY school_year"
    ).fetchall()
    return {
        int(year): YearSpan(int(year), first, last, school_day or last)
        for year, first, last, school_day in rows
    }


def month_ends(con: duckdb.DuckDBPyConnection) -> list[tuple[int, dt.date]]:
    """(school year, last day of the month) for each month with an instructional day."""
    rows = con.execute(
        "SELECT DISTINCT school_year, last_day(date) FROM calendar WHERE instructional "
        "ORDER BY 1, 2"
    ).fetchall()
    return [(int(year), day) for year, day in rows]


def latest_date(con: duckdb.DuckDBPyConnection, spans: dict[int, YearSpan]) -> dt.date:
    """The latest date with data: the last attendance row (or the last school day without any)."""
    found = con.execute("SELECT max(date) FROM attendance").fetchall()[0][0]
    if found is not None:
        return found
    if not spans:
        raise ServingError("the load holds no calendar: there is no school year to show")
    return max(span.last_day for span in spans.values())


def school_year_of(spans: dict[int, YearSpan], day: dt.date) -> int:
    """The school year whose calendar dates hold `day` (the later one where two overlap)."""
    holding = [year for year, span in spans.items() if span.holds(day)]
    if not holding:
        years = ", ".join(
            f"{s.first_date.isoformat()} to {s.last_date.isoformat()}" for s in spans.values()
        )
        raise ServingError(
            f"{day.isoformat()} is in no school year of the data (the calendars run {years}); "
            "choose a date within a school year"
        )
    return max(holding)


def plan_snapshots(
    spans: dict[int, YearSpan], months: list[tuple[int, dt.date]], latest: dt.date
) -> list[Snapshot]:
    """The precomputed dates: month ends, year ends, the latest date, the same point earlier."""
    chosen: dict[dt.date, Snapshot] = {}

    def add(snapshot: Snapshot) -> None:
        if snapshot.as_of > latest:
            return
        held = chosen.get(snapshot.as_of)
        if held is None or KINDS.index(snapshot.kind) < KINDS.index(held.kind):
            chosen[snapshot.as_of] = snapshot

    for year, month_end in months:
        span = spans[year]
        if month_end >= span.last_day:
            add(Snapshot(year, span.last_day, YEAR_END))
        else:
            add(Snapshot(year, month_end, MONTH_END))
    for span in spans.values():
        add(Snapshot(span.school_year, span.last_day, YEAR_END))
    if any(span.holds(latest) for span in spans.values()):
        current = Snapshot(school_year_of(spans, latest), latest, LATEST)
        add(current)
        current = chosen[latest]
        for year in spans:
            if year < current.school_year:
                day = same_point_date(current, year, spans, chosen.values())
                if day is not None:
                    add(Snapshot(year, day, SAME_POINT))
    return sorted(chosen.values(), key=lambda s: s.as_of)


def same_point_date(
    snapshot: Snapshot,
    year: int,
    spans: dict[int, YearSpan],
    snapshots: object,
) -> dt.date | None:
    """The date in school year `year` at the same point as `snapshot` (None: not in that year).

    A year end matches the other year's end; a month end the other year's end of the same
    month; any other date the same calendar date that many years earlier (28 February for 29).
    """
    span = spans.get(year)
    if span is None:
        return None
    if snapshot.kind == YEAR_END:
        return span.last_day
    if snapshot.kind == MONTH_END:
        for other in snapshots:  # type: ignore[attr-defined]
            if (
                other.school_year == year
                and other.kind in (MONTH_END, YEAR_END)
                and other.as_of.month == snapshot.as_of.month
            ):
                return other.as_of
    shift = snapshot.school_year - year
    day = snapshot.as_of
    target_year = day.year - shift
    last = month_days.monthrange(target_year, day.month)[1]
    shifted = dt.date(target_year, day.month, min(day.day, last))
    return shifted if span.holds(shifted) else None


# -- computing one snapshot ---------------------------------------------------------------------
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


def _create_snapshot_tables(
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


class CompiledRequests:
    """The SQL of each request, compiled once per school year and reused for its snapshots.

    Compiling an Ibis expression costs more than running it here. A session's expressions
    depend on its date only through its stored per-student amounts (`MetricsSession.units`),
    so the SQL of one snapshot serves every other snapshot of the year with that table's name
    swapped.
    """

    def __init__(self) -> None:
        self._held: dict[tuple[int, str, str | None], tuple[str, str]] = {}
        self._lock = threading.Lock()

    def sql(
        self,
        session: object,
        year: int,
        level: str,
        detail: str | None,
        build: Callable[[], object],
    ) -> str:
        name = session.units.get_name()  # type: ignore[attr-defined]
        key = (year, level, detail)
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
            sql = compiled.sql(
                session, year, "student", per, lambda per=per: session.expression(per=per)
            )
            con.execute(f"INSERT INTO {prefix}{name} BY NAME {_student_select(snapshot, sql)}")
        for level, column in _aggregate_requests():
            by = (column,) if column else ()
            sql = compiled.sql(
                session,
                year,
                level,
                column,
                lambda level=level, by=by: session.expression(level, by=by),
            )
            con.execute(
                f"INSERT INTO {prefix}aggregates BY NAME "
                f"{_aggregate_select(snapshot, level, column, sql)}"
            )
    con.execute(
        f"INSERT INTO {prefix}snapshots VALUES (?, ?, ?)",
        [snapshot.school_year, snapshot.as_of, snapshot.kind],
    )


# -- reading ---------------------------------------------------------------------------------
class ServingData:
    """A prepared serving file, opened read-only; one cursor per request (`with s.cursor():`).

    The file is attached read-only to an in-memory database, which also holds the snapshots
    computed on demand; views of the same names as the file's tables show both.
    """

    def __init__(self, path: Path) -> None:
        path = Path(path)
        if not path.exists():
            raise ServingError(f"{path} is gone (a newer load replaced it); prepare the data again")
        self.path = path
        self._con = duckdb.connect(":memory:")
        try:
            self._con.execute(f"ATTACH {_quote(path)} AS serving (READ_ONLY)")
            meta = dict(self._con.execute("SELECT key, value FROM serving.serving_meta").fetchall())
        except duckdb.Error as exc:
            self._con.close()
            raise ServingError(f"{path} is not a prepared serving file ({exc})") from exc
        meta = {k: json.loads(v) for k, v in meta.items()}
        if meta.get("format") != FORMAT_VERSION:
            self._con.close()
            raise ServingError(f"{path} was prepared by another version; prepare it again")
        blob = self._con.execute("SELECT definition FROM serving.serving_definition").fetchall()
        self.definition: Definition = pickle.loads(blob[0][0])  # noqa: S301 - our own file
        self.workspace_name: str = meta["workspace_name"]
        self.load_id: int = int(meta["load_id"])
        self.loaded_at = dt.datetime.fromisoformat(meta["loaded_at"])
        self.units_per_day: int = int(meta["units_per_day"])
        self.latest_date: dt.date = dt.date.fromisoformat(meta["latest_date"])
        self.built_at: str = meta["built_at"]
        self._con.execute(f"SET memory_limit = '{meta['memory_limit']}'")
        self._lock = threading.Lock()  # cursor() on the shared connection
        self._compute_lock = threading.Lock()  # one on-demand snapshot at a time
        self._make_views()
        self.year_spans: dict[int, YearSpan] = year_spans(self._con)
        self.school_years: tuple[int, ...] = tuple(sorted(self.year_spans))
        schools = self._con.execute(
            "SELECT school_id, school_name, district_id, district_name FROM schools "
            "ORDER BY school_name, school_id"
        ).fetchall()
        self.school_names: dict[str, str] = {str(r[0]): str(r[1] or r[0]) for r in schools}
        self.district_names: dict[str, str] = {str(r[2]): str(r[3] or r[2]) for r in schools}
        self.compiled = CompiledRequests()
        # The snapshot list, kept in memory: every page asks for its date first.
        rows = self._con.execute("SELECT school_year, as_of, kind FROM snapshots").fetchall()
        self._snapshots = {d: Snapshot(int(y), d, k) for y, d, k in rows}
        self._memo: dict[str, object] = {}
        self._results: OrderedDict[tuple, object] = OrderedDict()
        self._memo_lock = threading.Lock()

    def _make_views(self) -> None:
        con = self._con
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'serving'"
            ).fetchall()
        ]
        for name in names:
            if name in SNAPSHOT_TABLES:
                extra = f"{ON_DEMAND_PREFIX}{name}"
                con.execute(f"CREATE TABLE {extra} AS SELECT * FROM serving.{name} LIMIT 0")
                con.execute(
                    f"CREATE VIEW {name} AS SELECT * FROM serving.{name} "
                    f"UNION ALL SELECT * FROM {extra}"
                )
            else:
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM serving.{name}")
        # Search keys, lower-cased once here rather than on every search.
        con.execute(
            "CREATE TABLE student_search AS SELECT DISTINCT student_id, "
            "lower(student_id) AS id_key, lower(coalesce(first_name, '')) AS first_key, "
            "lower(coalesce(last_name, '')) AS last_key FROM serving.roster ORDER BY student_id"
        )

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection of its own for one request or thread; close it (or use `with`)."""
        with self._lock:
            return self._con.cursor()

    def close(self) -> None:
        self._con.close()

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """A value built once per open file (compiled SQL, say) and shared by every request."""
        with self._memo_lock:
            if key not in self._memo:
                self._memo[key] = build()
            return self._memo[key]  # type: ignore[return-value]

    def forget_results(self) -> None:
        """Drop the kept page results (benchmarks time the first view of a page with it)."""
        with self._memo_lock:
            self._results.clear()

    def cached(self, key: tuple, build: Callable[[], T]) -> T:
        """A page result kept for the next request that asks the same (the file never changes;
        the least recently used of CACHE_SIZE results go first). Callers hand out copies of
        anything mutable."""
        with self._memo_lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]  # type: ignore[return-value]
        value = build()  # outside the lock: other pages go on meanwhile
        with self._memo_lock:
            self._results[key] = value
            while len(self._results) > CACHE_SIZE:
                self._results.popitem(last=False)
        return value

    def __enter__(self) -> ServingData:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def district_name(self) -> str:
        names = sorted(set(self.district_names.values()))
        return names[0] if len(names) == 1 else self.workspace_name

    def snapshots(self) -> tuple[Snapshot, ...]:
        """Every computed snapshot (precomputed and on demand), by date."""
        with self._lock:
            return tuple(sorted(self._snapshots.values(), key=lambda s: s.as_of))

    @property
    def snapshot_dates(self) -> tuple[dt.date, ...]:
        return tuple(s.as_of for s in self.snapshots())

    def snapshot(self, as_of: dt.date) -> Snapshot | None:
        """The snapshot of that date, if computed."""
        with self._lock:
            return self._snapshots.get(as_of)

    def _add_snapshot(self, snapshot: Snapshot) -> None:
        with self._lock:
            self._snapshots[snapshot.as_of] = snapshot

    def school_year_of(self, day: dt.date) -> int:
        return school_year_of(self.year_spans, day)

    def resolve(self, as_of: dt.date | None = None) -> Snapshot:
        """The snapshot a page shows: the latest date when none is given, never beyond it
        (there are no data past it), computed now if it is not precomputed."""
        if as_of is None or as_of > self.latest_date:
            as_of = self.latest_date
        return ensure_snapshot(self, as_of)

    def student_ids(self) -> list[str]:
        """Every student id in the load (for the web's opaque URL keys)."""
        with self.cursor() as cur:
            rows = cur.execute("SELECT DISTINCT student_id FROM roster ORDER BY 1").fetchall()
        return [str(r[0]) for r in rows]

    def schools_frame(self) -> pd.DataFrame:
        with self.cursor() as cur:
            return cur.execute(
                "SELECT school_id, school_name, district_id, district_name FROM schools "
                "ORDER BY school_name, school_id"
            ).df()


def open_serving(path: Path) -> ServingData:
    """Open a prepared serving file read-only (see `ServingData`)."""
    return ServingData(Path(path))


def ensure_snapshot(serving: ServingData, as_of: dt.date) -> Snapshot:
    """The snapshot of `as_of`, computed now from the serving file's copies if need be.

    On-demand snapshots live in memory for as long as `serving` is open. A date outside every
    school year raises ServingError.
    """
    found = serving.snapshot(as_of)
    if found is not None:
        return found
    year = serving.school_year_of(as_of)
    with serving._compute_lock:
        found = serving.snapshot(as_of)
        if found is not None:
            return found
        snapshot = Snapshot(year, as_of, ON_DEMAND)
        with serving.cursor() as cur:
            tables = duckdb_tables(cur, serving.units_per_day)
            cur.begin()
            try:
                compute_snapshot(
                    cur,
                    tables,
                    serving.definition,
                    snapshot,
                    ON_DEMAND_PREFIX,
                    serving.compiled,
                )
                cur.commit()
            except BaseException:
                cur.rollback()
                raise
        serving._add_snapshot(snapshot)
        return snapshot


# -- helpers ---------------------------------------------------------------------------------
def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _exists(con: duckdb.DuckDBPyConnection, database: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
            [database, table],
        ).fetchall()[0][0]
    )
