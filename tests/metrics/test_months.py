"""homeroom.metrics.months: the month ends a year-to-date trend is computed through."""

from __future__ import annotations

import datetime as dt

from homeroom.metrics.months import MonthEnd, last_of_month, month_ends


def test_month_ends_run_to_each_month_end_and_stop_at_the_as_of_date():
    spans = {
        2024: (dt.date(2023, 8, 28), dt.date(2024, 6, 12)),
        2025: (dt.date(2024, 8, 26), dt.date(2025, 6, 11)),
        2026: (dt.date(2025, 8, 25), dt.date(2026, 6, 10)),
    }
    ends = month_ends(spans, dt.date(2025, 2, 14), through_year=2025)
    last_year = [e for e in ends if e.school_year == 2024]
    assert [e.date for e in last_year][:2] == [dt.date(2023, 8, 31), dt.date(2023, 9, 30)]
    assert last_year[-1] == MonthEnd(2024, 6, dt.date(2024, 6, 12))
    assert len(last_year) == 11
    this_year = [e for e in ends if e.school_year == 2025]
    assert [e.month for e in this_year] == [8, 9, 10, 11, 12, 1, 2]
    assert this_year[-1].date == dt.date(2025, 2, 14)
    assert all(e.school_year <= 2025 for e in ends)


def test_without_an_as_of_date_every_year_runs_to_its_last_school_day():
    spans = {2025: (dt.date(2024, 9, 3), dt.date(2024, 10, 25))}
    assert month_ends(spans) == [
        MonthEnd(2025, 9, dt.date(2024, 9, 30)),
        MonthEnd(2025, 10, dt.date(2024, 10, 25)),
    ]
    # A year that starts after the as-of date has no month end yet.
    assert month_ends(spans, dt.date(2024, 8, 30)) == []


def test_last_of_month():
    assert last_of_month(dt.date(2024, 2, 10)) == dt.date(2024, 2, 29)
    assert last_of_month(dt.date(2025, 12, 31)) == dt.date(2025, 12, 31)
