"""Snapshot dates: month ends, year ends, the latest date, the same point a year before."""

from __future__ import annotations

import datetime as dt

import pytest

from homeroom.web.snapshot import (
    LATEST,
    MONTH_END,
    SAME_POINT,
    YEAR_END,
    ServingError,
    Snapshot,
    YearSpan,
    ensure_snapshot,
    plan_snapshots,
)
from web.data.district import LATEST as LATEST_DATE


def test_snapshots_are_month_ends_year_ends_the_latest_date_and_the_same_point(serving):
    assert serving.snapshots() == (
        Snapshot(2024, dt.date(2023, 9, 30), MONTH_END),
        Snapshot(2024, dt.date(2023, 10, 31), MONTH_END),
        Snapshot(2024, dt.date(2023, 11, 15), SAME_POINT),
        Snapshot(2024, dt.date(2023, 11, 30), MONTH_END),
        # December's end is capped at the year's last school day, which is the year end.
        Snapshot(2024, dt.date(2023, 12, 22), YEAR_END),
        Snapshot(2025, dt.date(2024, 9, 30), MONTH_END),
        Snapshot(2025, dt.date(2024, 10, 31), MONTH_END),
        # 30 November and 20 December 2024 are after the data's latest date: left out.
        Snapshot(2025, dt.date(2024, 11, 15), LATEST),
    )
    assert serving.latest_date == LATEST_DATE


def test_plan_caps_the_last_month_and_skips_dates_after_the_data():
    spans = {
        2025: YearSpan(2025, dt.date(2024, 8, 1), dt.date(2025, 6, 30), dt.date(2025, 6, 12)),
    }
    months = [(2025, dt.date(2024, m, 30 if m in (9, 11) else 31)) for m in (8, 9, 10, 11, 12)]
    months += [(2025, dt.date(2025, 6, 30))]
    assert plan_snapshots(spans, months, dt.date(2025, 6, 20)) == [
        Snapshot(2025, dt.date(2024, 8, 31), MONTH_END),
        Snapshot(2025, dt.date(2024, 9, 30), MONTH_END),
        Snapshot(2025, dt.date(2024, 10, 31), MONTH_END),
        Snapshot(2025, dt.date(2024, 11, 30), MONTH_END),
        Snapshot(2025, dt.date(2024, 12, 31), MONTH_END),
        Snapshot(2025, dt.date(2025, 6, 12), YEAR_END),
        Snapshot(2025, dt.date(2025, 6, 20), LATEST),
    ]
    # Data through 10 October: later month ends are left out.
    assert [s.as_of for s in plan_snapshots(spans, months, dt.date(2024, 10, 10))] == [
        dt.date(2024, 8, 31),
        dt.date(2024, 9, 30),
        dt.date(2024, 10, 10),
    ]


def test_a_date_outside_every_school_year_is_a_clear_error(serving):
    with pytest.raises(ServingError, match="2024-07-01 is in no school year"):
        ensure_snapshot(serving, dt.date(2024, 7, 1))
