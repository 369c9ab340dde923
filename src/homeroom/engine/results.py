"""Executing an expression and normalising the result so every engine gives the same frame."""

from __future__ import annotations

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
