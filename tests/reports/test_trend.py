"""trend.py: the unit's rate at each month end, asked of a metrics_at(date) callable."""

from __future__ import annotations

import datetime as dt

from homeroom.metrics.months import MonthEnd
from homeroom.reports.chart_data import MonthRate
from homeroom.reports.trend import month_trend


def test_month_trend_takes_the_units_row_for_each_school_year():
    import pandas as pd

    from homeroom.definitions import load_definition
    from homeroom.reports.summary import build_summary

    def frame(rates: dict[int, float]) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"school_year": y, "district_id": "D1", "chronic_absence_rate": r}
                for y, r in rates.items()
            ]
        )

    answers = {
        dt.date(2024, 9, 30): frame({2024: 0.30, 2025: 0.05}),
        dt.date(2024, 10, 31): frame({2024: 0.30, 2025: 0.08}),
    }
    ends = [
        MonthEnd(2025, 9, dt.date(2024, 9, 30)),
        MonthEnd(2025, 10, dt.date(2024, 10, 31)),
    ]
    summary = build_summary(_one_district_metrics(), load_definition("default"))
    seen = []
    points = month_trend(
        answers.__getitem__, ends, summary, progress=lambda d, t: seen.append((d, t))
    )
    assert points == (
        MonthRate(2025, 9, 0.05, dt.date(2024, 9, 30)),
        MonthRate(2025, 10, 0.08, dt.date(2024, 10, 31)),
    )
    assert seen == [(1, 2), (2, 2)]


def _one_district_metrics():
    from report_frames import GROUPS, FakeMetrics, district_frame, group_frame, school_frame

    frames = {("district", ()): district_frame(), ("school", ()): school_frame()}
    for column in GROUPS:
        frames[("district", (column,))] = group_frame(column)
    return FakeMetrics(frames)
