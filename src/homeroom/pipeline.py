"""Files → validated tables → metrics, on the engine asked for.

The one path every caller takes (the CLI, the workspace, the tests): the formulas come from
`homeroom.metrics`, the tables from `homeroom.contract` or a workspace's warehouse.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import ibis.expr.types as ir
import pandas as pd

from homeroom.definitions import Definition
from homeroom.engine import ENGINES, duckdb_tables, to_frame
from homeroom.engine.duckdb_engine import TABLE_NAMES
from homeroom.metrics import (
    LEVEL_KEYS,
    LEVEL_PER,
    PER_UNITS,
    STUDENT_COLUMNS,
    Tables,
    aggregate,
    student_metrics,
    student_school_units,
)
from homeroom.warehouse import (
    CurrentLoad,
    Workspace,
    WorkspaceError,
    connect,
    current_load,
)

if TYPE_CHECKING:
    from homeroom.contract import ValidationReport

LEVELS = ("student", *LEVEL_KEYS)


class MetricsRequestError(ValueError):
    """A request the metrics cannot answer (unknown level, group column, engine)."""


def metrics_expression(
    tables: Tables,
    definition: Definition,
    *,
    level: str = "student",
    per: str = "school",
    by: Sequence[str] = (),
    as_of: dt.date | None = None,
    units: ir.Table | None = None,
) -> ir.Table:
    """The expression for one request; nothing runs until it is executed.

    `units`: a stored `student_school_units(tables, definition, as_of)` to start from.
    """
    if level not in LEVELS:
        raise MetricsRequestError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")
    if per not in PER_UNITS:
        raise MetricsRequestError(f"per must be one of {', '.join(PER_UNITS)}; got {per!r}")
    if level == "student":
        rows = student_metrics(tables, definition, per=per, as_of=as_of, units=units)
        columns = list(STUDENT_COLUMNS)
        if per == "state":
            columns.insert(1, "state")
        keys = ["school_year", *(["state"] if per == "state" else []), "district_id", "school_id"]
        return rows.select(*columns).order_by([*keys, "student_id"])
    rows = student_metrics(tables, definition, per=LEVEL_PER[level], as_of=as_of, units=units)
    try:
        return aggregate(rows, tables, definition, level=level, by=tuple(by))
    except ValueError as exc:
        raise MetricsRequestError(str(exc)) from exc


class MetricsSession:
    """Many requests over one set of tables, one definition and one as-of date.

    The per-student-and-school amounts (the one pass over attendance) are computed once and
    kept as a temporary table, so a report or a full export asks for them only once. Nothing is
    kept on PySpark, where Ibis cannot cache (see STACK.md): each request recomputes there.
    """

    def __init__(
        self,
        tables: Tables,
        definition: Definition,
        *,
        as_of: dt.date | None = None,
        keep: bool = True,
    ) -> None:
        self.tables = tables
        self.definition = definition
        self.as_of = as_of
        self._keep = keep
        self._units: ir.Table | None = None
        self._name = ""
        self._backend = None

    @property
    def units(self) -> ir.Table | None:
        if self._keep and self._units is None:
            # A named temporary table, dropped by close(): Ibis' own cache() drops its tables
            # from a finaliser that may run after the connection has closed.
            expr = student_school_units(self.tables, self.definition, self.as_of)
            backend = expr.get_backend()
            self._name = f"homeroom_units_{uuid.uuid4().hex[:12]}"
            backend.create_table(self._name, expr, temp=True)
            self._backend = backend
            self._units = backend.table(self._name)
        return self._units

    def close(self) -> None:
        if self._units is not None:
            self._backend.drop_table(self._name, force=True)
            self._units = None

    def __enter__(self) -> MetricsSession:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def expression(
        self, level: str = "student", per: str = "school", by: Sequence[str] = ()
    ) -> ir.Table:
        return metrics_expression(
            self.tables,
            self.definition,
            level=level,
            per=per,
            by=by,
            as_of=self.as_of,
            units=self.units,
        )

    def frame(
        self, level: str = "student", per: str = "school", by: Sequence[str] = ()
    ) -> pd.DataFrame:
        return to_frame(self.expression(level, per=per, by=tuple(by)))


@contextmanager
def engine_tables(
    con: duckdb.DuckDBPyConnection, units_per_day: int, engine: str = "duckdb", schema: str = "main"
) -> Iterator[Tables]:
    """The validated tables of a DuckDB connection, on the engine asked for.

    For PySpark they are copied once to Parquet in a temporary folder that lives as long as
    the block, so any number of requests can share the copy.
    """
    if engine not in ENGINES:
        raise MetricsRequestError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
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


def metrics_from_duckdb(
    con: duckdb.DuckDBPyConnection,
    units_per_day: int,
    definition: Definition,
    *,
    engine: str = "duckdb",
    schema: str = "main",
    **request,
) -> pd.DataFrame:
    """Metrics over validated tables held in DuckDB, computed by DuckDB or by PySpark."""
    with engine_tables(con, units_per_day, engine, schema) as tables:
        return to_frame(metrics_expression(tables, definition, **request))


def metrics_for_folder(
    data_dir: Path,
    *,
    definition: Definition,
    level: str = "student",
    per: str = "school",
    by: Sequence[str] = (),
    as_of: dt.date | None = None,
    engine: str = "duckdb",
    on_validated: Callable[[ValidationReport], None] | None = None,
) -> pd.DataFrame:
    """Validate a dataset folder in memory and compute one level of metrics from it.

    `on_validated` receives the validation report, so a caller can say what was quarantined.
    """
    from homeroom.contract import validate_dataset

    con = duckdb.connect()
    try:
        report = validate_dataset(Path(data_dir), con, definition=definition)
        if on_validated is not None:
            on_validated(report)
        return metrics_from_duckdb(
            con,
            report.units_per_day,
            definition,
            engine=engine,
            level=level,
            per=per,
            by=tuple(by),
            as_of=as_of,
        )
    finally:
        con.close()


def metrics_for_workspace(
    workspace: Workspace,
    *,
    definition: Definition | None = None,
    level: str = "student",
    per: str = "school",
    by: Sequence[str] = (),
    as_of: dt.date | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    """One level of metrics from a workspace's latest load (read-only)."""
    definition = definition or workspace.definition()
    con = connect(workspace, read_only=True)
    try:
        current = require_compatible_load(con, workspace, definition)
        return metrics_from_duckdb(
            con,
            current.units_per_day,
            definition,
            engine=engine or workspace.engine,
            level=level,
            per=per,
            by=tuple(by),
            as_of=as_of,
        )
    finally:
        con.close()


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
