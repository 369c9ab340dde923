"""Files → validated tables → metrics, on the engine asked for.

The one path every caller takes (the CLI, the workspace, the tests): the formulas come from
`homeroom.metrics`, the tables from `homeroom.contract` or a workspace's warehouse.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path

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
)
from homeroom.warehouse import (
    CurrentLoad,
    Workspace,
    WorkspaceError,
    connect,
    current_load,
)

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
) -> ir.Table:
    """The expression for one request; nothing runs until it is executed."""
    if level not in LEVELS:
        raise MetricsRequestError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")
    if per not in PER_UNITS:
        raise MetricsRequestError(f"per must be one of {', '.join(PER_UNITS)}; got {per!r}")
    if level == "student":
        rows = student_metrics(tables, definition, per=per, as_of=as_of)
        columns = list(STUDENT_COLUMNS)
        if per == "state":
            columns.insert(1, "state")
        keys = ["school_year", *(["state"] if per == "state" else []), "district_id", "school_id"]
        return rows.select(*columns).order_by([*keys, "student_id"])
    rows = student_metrics(tables, definition, per=LEVEL_PER[level], as_of=as_of)
    try:
        return aggregate(rows, tables, definition, level=level, by=tuple(by))
    except ValueError as exc:
        raise MetricsRequestError(str(exc)) from exc


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
    if engine not in ENGINES:
        raise MetricsRequestError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    tables = duckdb_tables(con, units_per_day, schema)
    if engine == "duckdb":
        return to_frame(metrics_expression(tables, definition, **request))
    from homeroom.engine.spark_engine import spark_tables

    with tempfile.TemporaryDirectory(prefix="homeroom-spark-") as folder:
        for name in TABLE_NAMES:
            target = Path(folder) / f"{name}.parquet"
            con.execute(f"COPY \"{schema}\".{name} TO '{target}' (FORMAT parquet)")
        spark = spark_tables(Path(folder), units_per_day, tables.students_by_year)
        return to_frame(metrics_expression(spark, definition, **request))


def metrics_for_folder(
    data_dir: Path,
    *,
    definition: Definition,
    level: str = "student",
    per: str = "school",
    by: Sequence[str] = (),
    as_of: dt.date | None = None,
    engine: str = "duckdb",
) -> pd.DataFrame:
    """Validate a dataset folder in memory and compute one level of metrics from it."""
    from homeroom.contract import validate_dataset

    con = duckdb.connect()
    try:
        report = validate_dataset(Path(data_dir), con, definition=definition)
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
