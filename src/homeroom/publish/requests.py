"""The site's metrics requests, answered from each level's student rows kept once.

Publishing asks about thirty aggregates: three levels, whole and by each group column and grade,
and the peers ask some of them again. Asked one by one, each rolls the per-school amounts up to
the district or the state again (with the overlapping stays' deduplication) and joins the
students' groups: about 15 seconds each for a state of 6 million students. Here each level's
student rows, with every group column the site shows, are kept once as a DuckDB temporary
table, every aggregate reads them, and each answer is kept for the peers. The formulas are the
metrics layer's own (`student_metrics`, `with_groups`, `aggregate`); only where they start from
changes. On PySpark, where nothing can be kept (STACK.md), each request runs as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from homeroom.engine import to_frame
from homeroom.metrics import LEVEL_PER, aggregate, student_metrics
from homeroom.metrics.aggregates import with_groups
from homeroom.pipeline import MetricsRequestError, MetricsSession


class SiteMetrics:
    """`metrics(level=..., by=(...))` for the site, as `MetricsSession.frame` answers it."""

    def __init__(self, session: MetricsSession, group_columns: Sequence[str]) -> None:
        self._session = session
        self._group_columns = tuple(group_columns)
        self._rows: dict[str, ir.Table] = {}
        self._kept: list[tuple[Any, str]] = []
        self._frames: dict[tuple[str, tuple[str, ...]], pd.DataFrame] = {}

    def __call__(self, level: str, by: Sequence[str] = ()) -> pd.DataFrame:
        key = (level, tuple(by))
        if key not in self._frames:
            self._frames[key] = self._frame(level, key[1])
        return self._frames[key]

    def close(self) -> None:
        """Drop the kept rows (the session drops its own per-school amounts)."""
        for backend, name in self._kept:
            backend.drop_table(name, force=True)
        self._kept.clear()
        self._rows.clear()

    def __enter__(self) -> SiteMetrics:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _frame(self, level: str, by: tuple[str, ...]) -> pd.DataFrame:
        rows = self._level_rows(level)
        if rows is None:
            return self._session.frame(level, by=by)
        session = self._session
        try:
            expr = aggregate(rows, session.tables, session.definition, level=level, by=by)
        except ValueError as exc:  # a group column the data do not have
            raise MetricsRequestError(str(exc)) from exc
        return to_frame(expr)

    def _level_rows(self, level: str) -> ir.Table | None:
        """The level's student rows with the site's group columns, kept; None on PySpark."""
        if level in self._rows:
            return self._rows[level]
        session = self._session
        units = session.units
        if units is None:
            return None
        tables = session.tables
        rows = student_metrics(
            tables, session.definition, per=LEVEL_PER[level], as_of=session.as_of, units=units
        )
        present = set(tables.students.columns)
        groups = tuple(c for c in self._group_columns if c in present and c not in rows.columns)
        rows = with_groups(rows, tables, groups)
        backend = units.get_backend()
        name = f"homeroom_site_{level}_{uuid.uuid4().hex[:12]}"
        backend.create_table(name, rows, temp=True)
        self._kept.append((backend, name))
        self._rows[level] = backend.table(name)
        return self._rows[level]
