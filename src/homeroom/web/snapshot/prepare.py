"""Preparing the web's data: a DuckDB file per load and definition, read while a load runs.

`homeroom load` needs the warehouse file read-write, so the web never holds it open. Instead
`prepare_serving` copies what the pages read into `<workspace>/serving/`, one file per load and
definition, built under a temporary name and renamed into place when complete, and adds the
snapshots (homeroom.web.snapshot.dates picks their dates, .compute fills them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb

from homeroom.contract.fields import quote_ident
from homeroom.contract.schema import VALIDATED
from homeroom.definitions import Definition
from homeroom.engine import duckdb_tables
from homeroom.quality.stops import stale_schools
from homeroom.warehouse.loader import CurrentLoad, connect
from homeroom.warehouse.workspace import Workspace, WorkspaceError, private_files
from homeroom.web.snapshot.compute import (
    CompiledRequests,
    compute_snapshot,
    create_snapshot_tables,
    request_signature,
)
from homeroom.web.snapshot.dates import (
    LATEST,
    MONTH_END,
    YEAR_END,
    latest_date,
    month_ends,
    plan_snapshots,
    year_spans,
)

SERVING_FOLDER = "serving"
# 3: student rows carry late arrivals and early departures, the school name and year label.
# 4: the stale schools in serving_meta.
FORMAT_VERSION = 5  # 5: the families' contacts (table contacts, empty for a load without them)
KEEP_FILES = 2  # the new file and the one before, which a running web app may still read
STALE_TEMP_SECONDS = 24 * 3600  # a temporary file this old is left over from a crash

# The tables copied from the warehouse, each sorted the way the pages look rows up (DuckDB
# skips row groups whose min/max cannot match, so a sorted column is nearly an index).
COPIED = {
    "schools": "school_id",
    "students": "student_id, school_year",
    "enrollments": "student_id, school_year, entry_date",
    "calendar": "calendar_id, school_year, date",
    "attendance": "student_id, date",
}

# The loads whose rows the current data hold (parameter: the current load's id): the latest
# whole load up to it, and each district's latest `load --district` since (docs/state.md).
LOADS_IN_FORCE = """
    WITH loaded AS (
        SELECT load_id, district_id FROM homeroom_warehouse.load_history
        WHERE status = 'loaded' AND load_id <= $1
    ), whole AS (
        SELECT coalesce(max(load_id), 0) AS load_id FROM loaded WHERE district_id IS NULL
    )
    SELECT load_id FROM whole
    UNION ALL
    SELECT max(l.load_id) FROM loaded l, whole w
    WHERE l.district_id IS NOT NULL AND l.load_id > w.load_id GROUP BY l.district_id
"""

Progress = Callable[[str], None]


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


@private_files()  # serving files hold student rows: 0600 in a 0700 folder
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
    from homeroom.resolver import require_compatible_load

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
    from homeroom.quality.store import MONITOR_RESULTS_DDL
    from homeroom.resolver import require_compatible_load

    say("copying the load's tables")
    own = con.execute("SELECT current_database()").fetchall()[0][0]
    try:
        con.execute(f"ATTACH {quote_path(workspace.warehouse)} AS homeroom_warehouse (READ_ONLY)")
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
        has_contacts = _exists(con, "homeroom_warehouse", "contacts")
        con.execute(f'USE "{own}"')
        for name, order in COPIED.items():
            con.execute(
                f"CREATE TABLE {name} AS SELECT * FROM homeroom_warehouse.{name} ORDER BY {order}"
            )
        _copy_contacts(con, has_contacts)
        # Every load in force: a state loaded district by district keeps each district's rows.
        in_force = LOADS_IN_FORCE if _has_district_loads(con) else "SELECT $1"
        con.execute(
            "CREATE TABLE quarantine AS SELECT * FROM homeroom_warehouse.quarantine "
            f'WHERE load_id IN ({in_force}) ORDER BY "table", file, line',
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


def _copy_contacts(con: duckdb.DuckDBPyConnection, in_warehouse: bool) -> None:
    """The contacts, each student's together, primary first; empty for a load made before
    contacts were loaded (or a dataset without them), so pages read one shape."""
    columns = ", ".join(
        f"CAST({quote_ident(name) if in_warehouse else 'NULL'} AS {kind}) AS {quote_ident(name)}"
        for name, kind in VALIDATED["contacts"].items()
    )
    source = "FROM homeroom_warehouse.contacts" if in_warehouse else "WHERE FALSE"
    con.execute(
        f"CREATE TABLE contacts AS SELECT {columns} {source} "
        "ORDER BY student_id, is_primary DESC, name, contact_id"
    )


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
    create_snapshot_tables(con, tables, definition)
    compiled = CompiledRequests(request_signature(tables, definition))
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
    latest = latest_date(con, spans)
    meta = {
        "format": FORMAT_VERSION,
        "workspace_name": workspace.name,
        "load_id": current.load_id,
        "loaded_at": current.loaded_at.isoformat(),
        "units_per_day": current.units_per_day,
        "definition_name": definition.name,
        "definition_version": definition.version,
        "latest_date": latest.isoformat(),
        # Schools whose attendance stops more than a week of school before it: every page says so.
        "stale_schools": [school.as_dict() for school in stale_schools(con, latest)],
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


def quote_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _has_district_loads(con: duckdb.DuckDBPyConnection) -> bool:
    """False for a workspace made before district loads (its history has no district_id)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = 'homeroom_warehouse' "
        "AND table_name = 'load_history' AND column_name = 'district_id'"
    ).fetchall()
    return bool(found[0][0])


def _exists(con: duckdb.DuckDBPyConnection, database: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
            [database, table],
        ).fetchall()[0][0]
    )
