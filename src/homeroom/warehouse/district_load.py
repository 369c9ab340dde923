"""Loading one district of a state workspace: `homeroom load DIR --district ID`.

DIR holds one district's canonical tables. It is validated on its own, exactly as a whole load
validates a folder, into a staging schema; then, in ONE transaction with the validation, the
district's rows are replaced and nothing else is touched:

- schools: every school of DIR must have `district_id` = ID (checked on the file's rows first:
  an error names file, line and column and nothing is loaded), and none may belong to another
  district in the workspace. The district's old schools are deleted, DIR's inserted.
- enrollments, attendance, supports: the rows at the district's old schools are deleted, DIR's
  inserted. DIR's validation checks them against DIR's own tables only: DIR is self-contained,
  every student it enrolls has a row in its own `students` (a mover is in both districts' files).
- calendar: calendars used only by the district's old schools are deleted; DIR's calendars
  used by its schools are inserted, unless another district's school still uses that calendar
  id, in which case DIR's dates must equal the stored ones (else refused: a district load never
  changes another district's calendar).
- students are state-wide, one row per student (or per student and year). DIR's rows replace
  the stored rows of the same students (the newest export speaks for the student); then a
  student no longer referenced by any enrollment is deleted. A student enrolled in another
  district keeps their one row. Contacts follow: DIR's contacts replace those of its students
  when DIR has a contacts file; contacts of deleted students go.
- codes are not stored: they are the district's SIS codes (DESIGN.md section 4), applied to
  DIR's attendance during its validation, so each district keeps its own codes and there is
  nothing to merge or to conflict.

The shrink guard counts the district's own rows: students enrolled at its schools and
attendance rows at its schools, before and after. The monitors run on the district's new tables
(the changed-absences monitor against the district's previous attendance). The quarantine keeps
every other load's rows and replaces this district's earlier district loads' rows. The
`load_history` row has the district's id and a new load id; its `rows_loaded` are the
workspace's totals after the load. A failure anywhere rolls everything back and is recorded as
a `failed` row. See docs/state.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from homeroom.contract.schema import BASE_UNITS_PER_DAY, TABLES_REQUIRED
from homeroom.definitions import Definition
from homeroom.warehouse.district_merge import (
    STAGE,
    DistrictRefused,
    check_district_schools,
    district_counts,
    merge_district,
    prepare_tables,
    previous_district_attendance,
    rescale_attendance,
    workspace_totals,
)
from homeroom.warehouse.history import (
    HISTORY_DDL,
    QUARANTINE_DDL,
    CurrentLoad,
    HistoryRow,
    current_load,
    district_load,
    record,
)
from homeroom.warehouse.loader import (
    PREVIOUS_ATTENDANCE,
    LoadResult,
    ShrinkRefused,
    _unchanged,
    connect,
    dataset_fingerprint,
    file_entries,
    keep_quarantine,
)
from homeroom.warehouse.workspace import Workspace, WorkspaceError, make_private, private_files

if TYPE_CHECKING:
    from homeroom.contract import ValidationReport
    from homeroom.quality import MonitorResult, PreviousLoad

__all__ = ["DistrictRefused", "load_district"]


@dataclass(frozen=True)
class _Run:
    load_id: int
    district: str
    data_dir: Path
    definition: Definition
    fingerprint: str
    started: float
    current: CurrentLoad | None
    progress: Callable[[str], None]
    allow_shrink: bool
    monitors_failed: str | None = None


def load_district(
    workspace: Workspace,
    data_dir: Path,
    district: str,
    *,
    definition: Definition | None = None,
    progress: Callable[[str], None] | None = None,
    allow_shrink: bool = False,
) -> LoadResult:
    """Replace district DISTRICT's rows with DATA_DIR's, all or nothing (see the module doc)."""
    data_dir, district = Path(data_dir), district.strip()
    if not data_dir.is_dir():
        raise WorkspaceError(f"{data_dir} is not a folder of canonical tables")
    if not district:
        raise WorkspaceError("--district needs a district id (the schools' district_id)")
    definition = definition or workspace.definition()
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    say("hashing files")
    fingerprint = _fingerprint(data_dir, definition, district)
    with private_files():
        con = connect(workspace)
        try:
            make_private(workspace.warehouse)
            con.execute(HISTORY_DDL)  # also adds district_id to an older workspace's history
            con.execute(QUARANTINE_DDL)
            current = current_load(con)
            _require_same_exit_rule(current, definition)
            previous = district_load(con, district)
            if previous is not None and previous.fingerprint == fingerprint:
                return _unchanged(con, previous, started)
            next_id = "SELECT coalesce(max(load_id), 0) + 1 FROM load_history"
            load_id = int(con.execute(next_id).fetchall()[0][0])
            run = _Run(
                load_id, district, data_dir, definition, fingerprint, started, current, say,
                allow_shrink,
            )  # fmt: skip
            return _load(con, run)
        finally:
            con.close()


def _fingerprint(data_dir: Path, definition: Definition, district: str) -> str:
    whole = dataset_fingerprint(data_dir, definition)
    return hashlib.sha256(f"district={district}\n{whole}".encode()).hexdigest()


def _require_same_exit_rule(current: CurrentLoad | None, definition: Definition) -> None:
    """One workspace, one way of reading exit_date: the stays of every district must agree."""
    if current is not None and current.exit_date_rule != definition.exit_date:
        raise WorkspaceError(
            f"the workspace was loaded with exit_date = {current.exit_date_rule!r} but the "
            f"definition {definition.name!r} says {definition.exit_date!r}; a district load "
            "uses the workspace's rule: load the whole state again to change it"
        )


class _MonitorsFailed(Exception):
    def __init__(self, note: str) -> None:
        super().__init__(note)
        self.note = note


def _load(con: duckdb.DuckDBPyConnection, run: _Run) -> LoadResult:
    try:
        try:
            outcome = _transaction(con, run)
        except _MonitorsFailed as failed:
            # A DuckDB error aborts the transaction: made once more, without the monitors.
            outcome = _transaction(con, replace(run, monitors_failed=failed.note))
    except BaseException as exc:
        _record_failure(con, run, exc)
        raise
    report, monitors, notes, seconds = outcome
    return LoadResult(
        load_id=run.load_id,
        status="loaded",
        rows_read=dict(report.rows_read),
        rows_loaded=dict(report.rows_loaded),  # the district's; the history keeps the totals
        rows_quarantined=report.quarantined,
        duplicates_collapsed=report.duplicates_collapsed,
        seconds=seconds,
        quarantine=report.quarantine,
        notes=tuple(notes),
        monitors=tuple(monitors),
    )


_Outcome = tuple["ValidationReport", list["MonitorResult"], list[str], float]


def _transaction(con: duckdb.DuckDBPyConnection, run: _Run) -> _Outcome:
    """Validate into the staging schema, check, monitor, replace and record; or roll back."""
    from homeroom.contract import validate_dataset
    from homeroom.quality import save_monitors

    con.execute(f"DROP SCHEMA IF EXISTS {STAGE} CASCADE")  # left by a killed process
    con.begin()
    try:
        check_district_schools(con, run.data_dir, run.district, run.progress)
        report = validate_dataset(
            run.data_dir, con, definition=run.definition, schema=STAGE, progress=run.progress
        )
        prepare_tables(con)
        before = district_counts(con, run.district)
        if not run.allow_shrink:
            refuse_district_shrink(run.district, before, report.rows_loaded)
        previous = _keep_previous_attendance(con, run, before["schools"])
        units = _common_units(con, run.current, report.units_per_day)
        notes = list(report.notes)
        monitors: list[MonitorResult] = []
        if run.monitors_failed is None:
            monitors = _monitors(con, report, previous, units, run.progress)
        else:
            notes.append(run.monitors_failed)
        run.progress(f"replacing district {run.district}'s rows")
        notes.extend(merge_district(con, run.district, has_contacts="contacts" in report.rows_read))
        seconds = _record_load(con, run, report, notes, units)
        save_monitors(con, run.load_id, monitors)
        con.execute(f"DROP TABLE IF EXISTS {PREVIOUS_ATTENDANCE}")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    # Dropped after the commit: DuckDB refuses a commit that dropped tables it also read from.
    con.execute(f"DROP SCHEMA IF EXISTS {STAGE} CASCADE")
    return report, monitors, notes, seconds


# The district's own rows a district load may not cut by more than half without --allow-shrink.
SHRINK_WATCHED = ("students", "attendance")


def refuse_district_shrink(
    district: str, before: dict[str, int], rows_loaded: dict[str, int]
) -> None:
    """Raise ShrinkRefused when the district's table would be empty or its rows halved."""
    problems = []
    for table in TABLES_REQUIRED:
        was, now = int(before.get(table, 0)), int(rows_loaded.get(table, 0))
        if now == 0:
            problems.append(f"{table} would be empty")
        elif table in SHRINK_WATCHED and now * 2 < was:
            problems.append(f"{table} would lose more than half its rows ({was:,} → {now:,})")
    if problems:
        raise ShrinkRefused(
            f"load of district {district} refused, the workspace's data is unchanged: "
            + "; ".join(problems)
            + ". Check the files; if this is what you mean, run "
            f"`homeroom load --district {district} --allow-shrink`."
        )


def _keep_previous_attendance(
    con: duckdb.DuckDBPyConnection, run: _Run, schools_before: int
) -> PreviousLoad | None:
    """The district's current attendance, set aside for the changed-absences monitor."""
    from homeroom.quality import PreviousLoad

    con.execute(f"DROP TABLE IF EXISTS {PREVIOUS_ATTENDANCE}")
    if run.current is None or not schools_before:
        return None  # the district's first load: nothing to compare with
    previous_district_attendance(con, PREVIOUS_ATTENDANCE)
    units = run.current.units_per_day or BASE_UNITS_PER_DAY
    return PreviousLoad(PREVIOUS_ATTENDANCE, units, run.current.load_id)


def _common_units(con: duckdb.DuckDBPyConnection, current: CurrentLoad | None, given: int) -> int:
    """One unit of absent_units for the whole workspace: the least common multiple of both.

    Usually both are 10,000 and nothing changes; a district with other day_minutes makes the
    unit finer, and the stored rows are multiplied up, exactly.
    """
    stored = (current.units_per_day or BASE_UNITS_PER_DAY) if current is not None else given
    units = math.lcm(stored, given)
    rescale_attendance(con, "main", units // stored)
    rescale_attendance(con, STAGE, units // given)
    return units


def _monitors(
    con: duckdb.DuckDBPyConnection,
    report: ValidationReport,
    previous: PreviousLoad | None,
    units: int,
    progress: Callable[[str], None],
) -> list[MonitorResult]:
    """The monitors on the district's new tables, inside the transaction."""
    from homeroom.quality import run_monitors

    progress("running the data-quality monitors")
    try:
        return run_monitors(
            con,
            schema=STAGE,
            quarantine=report.quarantine,
            previous=previous,
            units_per_day=units,
            progress=progress,
        )
    except duckdb.Error as exc:  # DuckDB's words name SQL, never a value of the data
        raise _MonitorsFailed(
            f"the data-quality monitors could not run ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:200]}); `homeroom quality` runs them again"
        ) from exc


def _record_load(
    con: duckdb.DuckDBPyConnection,
    run: _Run,
    report: ValidationReport,
    notes: list[str],
    units: int,
) -> float:
    """The quarantine (this district's earlier district loads' rows replaced) and history row."""
    run.progress("recording the load")
    con.execute(
        "DELETE FROM quarantine WHERE load_id IN "
        "(SELECT load_id FROM load_history WHERE district_id = ?)",
        [run.district],
    )
    keep_quarantine(con, report, run.load_id)
    seconds = time.perf_counter() - run.started
    files = file_entries(report)
    record(
        con,
        HistoryRow(
            load_id=run.load_id,
            status="loaded",
            data_dir=run.data_dir,
            definition=run.definition,
            fingerprint=run.fingerprint,
            seconds=seconds,
            files=files,
            rows_read=report.rows_read,
            rows_loaded=workspace_totals(con),
            rows_quarantined=report.quarantined,
            duplicates_collapsed=report.duplicates_collapsed,
            units_per_day=units,
            message="; ".join([f"district {run.district}", *notes]),
            district_id=run.district,
        ),
    )
    return seconds


def _record_failure(con: duckdb.DuckDBPyConnection, run: _Run, exc: BaseException) -> None:
    """Keep a trace of a refused district load; its data was rolled back untouched."""
    with contextlib.suppress(duckdb.Error):  # best effort: the failure itself is reported
        record(
            con,
            HistoryRow(
                load_id=run.load_id,
                status="failed",
                data_dir=run.data_dir,
                definition=run.definition,
                fingerprint=run.fingerprint,
                seconds=time.perf_counter() - run.started,
                message=f"district {run.district}: {type(exc).__name__}: {exc}"[:2000],
                district_id=run.district,
            ),
        )
