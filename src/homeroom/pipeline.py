"""Metrics requests: a resolved request (data, definition, as-of date, engine) → metrics.

The one path every caller takes (the CLI, the web's snapshots, reports, the tests): the formulas
come from `homeroom.metrics`, what the request is about from `homeroom.resolver`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import ibis.expr.types as ir
import pandas as pd

from homeroom.definitions import Definition
from homeroom.engine import to_frame, write_parquet
from homeroom.metrics import (
    LEVEL_KEYS,
    LEVEL_PER,
    PER_UNITS,
    STUDENT_COLUMNS,
    Tables,
    aggregate,
    rolled_units,
    student_metrics,
    student_school_units,
)
from homeroom.resolver import Resolved, default_as_of, engine_tables, resolve
from homeroom.warehouse import Workspace

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
    rolled: ir.Table | None = None,
) -> ir.Table:
    """The expression for one request; nothing runs until it is executed.

    `units`: a stored `student_school_units(tables, definition, as_of)` to start from;
    `rolled`: a stored `rolled_units` for the unit the request counts students per.
    """
    if level not in LEVELS:
        raise MetricsRequestError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")
    if per not in PER_UNITS:
        raise MetricsRequestError(f"per must be one of {', '.join(PER_UNITS)}; got {per!r}")
    if level == "student":
        rows = student_metrics(tables, definition, per=per, as_of=as_of, units=units, rolled=rolled)
        columns = list(STUDENT_COLUMNS)
        if per == "state":
            columns.insert(1, "state")
        keys = ["school_year", *(["state"] if per == "state" else []), "district_id", "school_id"]
        return rows.select(*columns).order_by([*keys, "student_id"])
    rows = student_metrics(
        tables, definition, per=LEVEL_PER[level], as_of=as_of, units=units, rolled=rolled
    )
    try:
        return aggregate(rows, tables, definition, level=level, by=tuple(by))
    except ValueError as exc:
        raise MetricsRequestError(str(exc)) from exc


class MetricsSession:
    """Many requests over one set of tables, one definition and one as-of date.

    The per-student-and-school amounts (the one pass over attendance) are computed once and
    kept as a temporary table, so a report or a full export asks for them only once. Nothing is
    kept on PySpark, where Ibis cannot cache (see STACK.md): each request recomputes there.

    `keep_rolled`: keep the amounts per district and per state too (each a temporary table made
    at its first request), so every district level, grade and group shares one roll-up. Off by
    default: a caller that reuses a session's SQL with only the units table's name swapped (the
    web's snapshots) must not see other tables.
    """

    def __init__(
        self,
        tables: Tables,
        definition: Definition,
        *,
        as_of: dt.date | None = None,
        keep: bool = True,
        keep_rolled: bool = False,
    ) -> None:
        self.tables = tables
        self.definition = definition
        self.as_of = as_of
        self._keep = keep
        self._keep_rolled = keep_rolled
        self._units: ir.Table | None = None
        self._rolled: dict[str, ir.Table] = {}
        self._name = ""
        self._backend: Any = None

    @property
    def units(self) -> ir.Table | None:
        if self._keep and self._units is None:
            # A named temporary table, dropped by close(): Ibis' own cache() drops its tables
            # from a finaliser that may run after the connection has closed.
            expr = student_school_units(self.tables, self.definition, self.as_of)
            backend = expr.get_backend()
            if backend.name != "duckdb":  # PySpark has no temporary tables (STACK.md)
                self._keep = False
                return None
            self._name = f"homeroom_units_{uuid.uuid4().hex[:12]}"
            backend.create_table(self._name, expr, temp=True)
            self._backend = backend
            self._units = backend.table(self._name)
        return self._units

    def rolled(self, per: str) -> ir.Table | None:
        """The kept amounts per `per` (district or state), when the session keeps them."""
        units = self.units
        if per == "school" or not self._keep_rolled or units is None:
            return None
        if per not in self._rolled:
            expr = rolled_units(self.tables, self.definition, per, self.as_of, units)
            name = f"{self._name}_{per}"
            self._backend.create_table(name, expr, temp=True)
            self._rolled[per] = self._backend.table(name)
        return self._rolled[per]

    def close(self) -> None:
        for per in list(self._rolled):
            self._backend.drop_table(f"{self._name}_{per}", force=True)
            del self._rolled[per]
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
        unit = per if level == "student" else LEVEL_PER.get(level, per)
        return metrics_expression(
            self.tables,
            self.definition,
            level=level,
            per=per,
            by=by,
            as_of=self.as_of,
            units=self.units,
            rolled=self.rolled(unit) if unit in PER_UNITS else None,
        )

    def frame(
        self, level: str = "student", per: str = "school", by: Sequence[str] = ()
    ) -> pd.DataFrame:
        return to_frame(self.expression(level, per=per, by=tuple(by)))


def metrics_from_duckdb(
    con: duckdb.DuckDBPyConnection,
    units_per_day: int,
    definition: Definition,
    *,
    engine: str = "duckdb",
    schema: str = "main",
    level: str = "student",
    per: str = "school",
    by: Sequence[str] = (),
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Metrics over validated tables held in DuckDB, computed by DuckDB or by PySpark.

    Without `as_of`, the resolver's default date (the latest attendance recorded).
    """
    day = as_of if as_of is not None else default_as_of(con)
    with engine_tables(con, units_per_day, engine, schema) as tables:
        return to_frame(
            metrics_expression(tables, definition, level=level, per=per, by=by, as_of=day)
        )


def metrics_frame(
    resolved: Resolved, level: str = "student", per: str = "school", by: Sequence[str] = ()
) -> pd.DataFrame:
    """One level of metrics for a resolved request (data, definition, as-of date, engine)."""
    with resolved.tables() as tables:
        return to_frame(
            metrics_expression(
                tables, resolved.definition, level=level, per=per, by=by, as_of=resolved.as_of
            )
        )


def metrics_parquet(
    resolved: Resolved,
    out: Path,
    level: str = "student",
    per: str = "school",
    by: Sequence[str] = (),
) -> int:
    """One level of metrics written to a Parquet file `out`; the number of rows.

    On DuckDB the rows go straight from the engine to the file, never through pandas.
    """
    with resolved.tables() as tables:
        expr = metrics_expression(
            tables, resolved.definition, level=level, per=per, by=by, as_of=resolved.as_of
        )
        if resolved.engine == "duckdb":
            return write_parquet(expr, out)
        frame = to_frame(expr)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out, index=False)
    return len(frame)


def metrics_for_folder(
    data_dir: Path,
    *,
    definition: Definition | str | None = None,
    level: str = "student",
    per: str = "school",
    by: Sequence[str] = (),
    as_of: dt.date | None = None,
    engine: str | None = None,
    on_validated: Callable[[ValidationReport], None] | None = None,
) -> pd.DataFrame:
    """Validate a dataset folder in memory and compute one level of metrics from it.

    `on_validated` receives the validation report, so a caller can say what was quarantined.
    """
    with resolve(
        data=data_dir, definition=definition, as_of=as_of, engine=engine,
        contacts_and_supports=False,
    ) as resolved:  # fmt: skip
        if on_validated is not None and resolved.validation is not None:
            on_validated(resolved.validation)
        return metrics_frame(resolved, level, per, tuple(by))


def metrics_for_workspace(
    workspace: Workspace,
    *,
    definition: Definition | str | None = None,
    level: str = "student",
    per: str = "school",
    by: Sequence[str] = (),
    as_of: dt.date | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    """One level of metrics from a workspace's latest load (read-only)."""
    with resolve(
        workspace=workspace, definition=definition, as_of=as_of, engine=engine
    ) as resolved:
        return metrics_frame(resolved, level, per, tuple(by))
