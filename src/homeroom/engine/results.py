"""Executing an expression and normalising the result so every engine gives the same frame."""

from __future__ import annotations

from pathlib import Path

import ibis.expr.types as ir
import pandas as pd

INTEGER_COLUMNS = (
    "school_year",
    "days_enrolled",
    "unexcused_absences",
    "students_enrolled",
    "students_eligible",
    "chronically_absent_count",
    "satisfactory_count",
    "at_risk_count",
    "moderate_chronic_count",
    "severe_chronic_count",
)


def to_frame(expr: ir.Table) -> pd.DataFrame:
    """Run the expression; integers as int64, dates as dates, text as object, floats as float."""
    frame = expr.to_pandas()
    for column in frame.columns:
        series = frame[column]
        if column in INTEGER_COLUMNS:
            frame[column] = series.astype("int64")
        elif pd.api.types.is_datetime64_any_dtype(series):
            frame[column] = series.dt.date
        elif pd.api.types.is_string_dtype(series) or series.dtype == object:
            frame[column] = series.astype(object).where(series.notna(), None)
        elif pd.api.types.is_bool_dtype(series):
            frame[column] = series.astype(bool)
    return frame.reset_index(drop=True)


def write_parquet(expr: ir.Table, path: Path) -> int:
    """Run a DuckDB expression straight into a Parquet file; the number of rows written.

    The same columns and types as `to_frame` then pandas would write, without the trip through
    Python objects (a third of the metrics' time of `homeroom metrics --data`).
    """
    import ibis
    import pyarrow.parquet as pq

    # DuckDB's sums are 128-bit integers, which its Parquet writer would store as doubles; Ibis
    # types them int64 already, so its own cast would be left out of the SQL.
    schema = expr.schema()
    counts = [c for c in expr.columns if c in INTEGER_COLUMNS or schema[c].is_integer()]
    replace = ", ".join(f'CAST("{c}" AS BIGINT) AS "{c}"' for c in counts)
    query = str(ibis.to_sql(expr, dialect="duckdb"))
    select = f"SELECT * REPLACE ({replace}) FROM ({query})" if counts else query
    target = str(path).replace("'", "''")
    path.parent.mkdir(parents=True, exist_ok=True)
    expr.get_backend().con.execute(f"COPY ({select}) TO '{target}' (FORMAT parquet)")
    return int(pq.read_metadata(path).num_rows)
