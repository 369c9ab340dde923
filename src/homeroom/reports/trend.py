"""The report's month-by-month trend: the unit's chronic absence rate through each month end.

`homeroom.metrics.months.month_ends` says which dates to ask for; `month_trend` asks a
`metrics_at(date)` callable for each, so reports never touch an engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pandas as pd

from homeroom.metrics.months import MonthEnd
from homeroom.reports import labels
from homeroom.reports.chart_data import MonthRate
from homeroom.reports.summary import Summary


def month_trend(
    metrics_at: Callable[[dt.date], pd.DataFrame],
    ends: Sequence[MonthEnd],
    summary: Summary,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[MonthRate, ...]:
    """The summary's unit's rate at each month end: `metrics_at(date)` must return the
    aggregate frame at the unit's level ("district" or "state") computed through `date`."""
    key = "state" if summary.unit_kind == "state" else "district_id"
    points = []
    for i, end in enumerate(ends):
        frame = metrics_at(end.date)
        rows = frame[frame["school_year"] == end.school_year] if not frame.empty else frame
        if not rows.empty:
            values = rows[key]
            mine = rows[
                (values.isna() | (values.astype(str) == ""))
                if summary.unit_id == ""
                else values.astype(str) == summary.unit_id
            ]
            if not mine.empty:
                rate = mine.iloc[0]["chronic_absence_rate"]
                value = None if labels.is_missing(rate) else float(rate)
                points.append(MonthRate(end.school_year, end.month, value, end.date))
        if progress is not None:
            progress(i + 1, len(ends))
    return tuple(points)
