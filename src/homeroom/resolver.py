"""One place decides what a request is about: the data, the definition, the as-of date, the engine.

Every command, the web app, signals and reports call `resolve` (or, for a connection they
already hold, `default_as_of`); nothing else re-derives these defaults.

- Data: `--data DIR` (validated in memory) or a workspace's current load (the workspace given,
  else the one around the current folder).
- Definition: the one asked for; else the workspace's; else `default`.
- Engine: the one asked for; else the workspace's; else DuckDB.
- As-of date: the one asked for; else the latest date with attendance recorded in the data,
  never after today and never after that school year's last instructional day. Metrics count
  membership days and absences through the same date, so days the data have not reached are
  never counted as days present.
- Stale schools: a school whose recorded attendance stops more than 5 school days before the
  as-of date is named (`quality.stops`), so its missing days are never silently read as present.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import duckdb

from homeroom.contract.tables import Tables
from homeroom.definitions import Definition, load_definition
from homeroom.engine import ENGINES, duckdb_tables
from homeroom.engine.duckdb_engine import TABLE_NAMES
from homeroom.quality.stops import StaleSchool, latest_recorded_day, stale_schools
from homeroom.warehouse import (
    CurrentLoad,
    Workspace,
    WorkspaceError,
    connect,
    current_load,
    open_workspace,
)
from homeroom.warehouse.memory import memory_connection

if TYPE_CHECKING:
    from homeroom.contract import ValidationReport


class ResolveError(ValueError):
    """A request that cannot be resolved (no data, no school day, an unknown engine)."""

    exit_code = 2


@dataclass
class Resolved:
    """What a request is about, resolved once: pass this along, never the raw options."""

    definition: Definition
    as_of: dt.date
    as_of_given: bool
    engine: str
    con: duckdb.DuckDBPyConnection  # the validated tables (folder in memory, or the warehouse)
    units_per_day: int
    source: Literal["folder", "workspace"]
    data_dir: Path | None = None
    workspace: Workspace | None = None
    load: CurrentLoad | None = None
    validation: ValidationReport | None = None
    stale: tuple[StaleSchool, ...] = field(default=())

    @property
    def title(self) -> str | None:
        return self.workspace.name if self.workspace is not None else None

    def about(self) -> dict[str, object]:
        """The same, for a file's sidecar: what the numbers in it are."""
        return {
            "as_of": self.as_of.isoformat(),
            "as_of_chosen": "given" if self.as_of_given else "latest attendance recorded",
            "definition": self.definition.name,
            "definition_version": self.definition.version,
            "engine": self.engine,
            "source": str(self.data_dir or (self.workspace.root if self.workspace else "")),
            "load_id": self.load.load_id if self.load else None,
            "stale_schools": [s.as_dict() for s in self.stale],
        }

    @contextmanager
    def tables(self) -> Iterator[Tables]:
        """The validated tables on the resolved engine."""
        with engine_tables(self.con, self.units_per_day, self.engine) as tables:
            yield tables


def choose_definition(name: str | None, workspace: Workspace | Path | None = None) -> Definition:
    """The definition asked for; else the workspace's (given, or around the current folder)."""
    if name is not None:
        return load_definition(name)
    if isinstance(workspace, Workspace):
        return workspace.definition()
    try:
        return open_workspace(workspace).definition()
    except WorkspaceError:
        if workspace is not None:
            raise
        return load_definition(None)


@contextmanager
def resolve(
    *,
    data: Path | None = None,
    workspace: Path | Workspace | None = None,
    definition: str | Definition | None = None,
    as_of: dt.date | None = None,
    engine: str | None = None,
    progress: Callable[[str], None] | None = None,
    today: dt.date | None = None,
    contacts_and_supports: bool = True,
) -> Iterator[Resolved]:
    """Open the data a request is about and decide its definition, as-of date and engine.

    `contacts_and_supports=False`: a folder's contacts and supports are checked but not kept
    (`validate_dataset`), for a request that reads neither.
    """
    if data is not None:
        chosen = _definition(definition, None)
        # Bounded like a workspace's (HOMEROOM_MEMORY_LIMIT), spilling to a private folder.
        with memory_connection() as con:
            from homeroom.contract import validate_dataset

            report = validate_dataset(
                Path(data), con, definition=chosen, progress=progress,
                contacts_and_supports=contacts_and_supports,
            )  # fmt: skip
            day, stale = _when(con, as_of, today)
            yield Resolved(
                definition=chosen,
                as_of=day,
                as_of_given=as_of is not None,
                engine=_engine(engine or "duckdb"),
                con=con,
                units_per_day=report.units_per_day,
                source="folder",
                data_dir=Path(data),
                validation=report,
                stale=stale,
            )
        return
    space = workspace if isinstance(workspace, Workspace) else open_workspace(workspace)
    chosen = _definition(definition, space)
    con = connect(space, read_only=True)
    try:
        current = require_compatible_load(con, space, chosen)
        day, stale = _when(con, as_of, today)
        yield Resolved(
            definition=chosen,
            as_of=day,
            as_of_given=as_of is not None,
            engine=_engine(engine or space.engine),
            con=con,
            units_per_day=current.units_per_day,
            source="workspace",
            workspace=space,
            load=current,
            stale=stale,
        )
    finally:
        con.close()


def default_as_of(con: duckdb.DuckDBPyConnection, today: dt.date | None = None) -> dt.date:
    """The default as-of date of the validated tables in `con` (see `latest_recorded_day`)."""
    day = latest_recorded_day(con, today)
    if day is None:
        raise ResolveError(
            "the data hold no school day up to today; give the date with --as-of YYYY-MM-DD"
        )
    return day


def _definition(definition: str | Definition | None, space: Workspace | None) -> Definition:
    if isinstance(definition, Definition):
        return definition
    return choose_definition(definition, space)


def _when(
    con: duckdb.DuckDBPyConnection, as_of: dt.date | None, today: dt.date | None
) -> tuple[dt.date, tuple[StaleSchool, ...]]:
    """The as-of date (given, else the default) and the schools whose attendance stops early."""
    day = as_of if as_of is not None else default_as_of(con, today)
    return day, tuple(stale_schools(con, day))


def _engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ResolveError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    return engine


@contextmanager
def engine_tables(
    con: duckdb.DuckDBPyConnection, units_per_day: int, engine: str = "duckdb", schema: str = "main"
) -> Iterator[Tables]:
    """The validated tables of a DuckDB connection, on the engine asked for.

    For PySpark they are copied once to Parquet in a temporary folder that lives as long as
    the block, so any number of requests can share the copy.
    """
    if engine not in ENGINES:
        raise ResolveError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    tables = duckdb_tables(con, units_per_day, schema)
    if engine == "duckdb":
        yield tables
        return
    from homeroom.engine.spark_engine import spark_tables

    with tempfile.TemporaryDirectory(prefix="homeroom-spark-") as folder:
        for name in TABLE_NAMES:
            target = Path(folder) / f"{name}.parquet"
            con.execute(f"COPY \"{schema}\".{name} TO '{target}' (FORMAT parquet)")
        yield spark_tables(Path(folder), units_per_day, tables.students_by_year)


def require_compatible_load(
    con: duckdb.DuckDBPyConnection, workspace: Workspace, definition: Definition
) -> CurrentLoad:
    """The current load, if its stays were built with the definition's exit-date rule."""
    current = current_load(con)
    if current is None:
        raise WorkspaceError(
            f"nothing loaded in the workspace {workspace.root} yet; run `homeroom load DATA_DIR`"
        )
    if current.exit_date_rule != definition.exit_date:
        raise WorkspaceError(
            f"the workspace was loaded with exit_date = {current.exit_date_rule!r} but the "
            f"definition {definition.name!r} says {definition.exit_date!r}; load the data again "
            "with that definition (homeroom load DATA_DIR --definition ...)"
        )
    return current
