"""Reading the serving file: the latest date by default, other dates computed on demand."""

from __future__ import annotations

import datetime as dt

from homeroom.pipeline import metrics_for_workspace
from homeroom.web.snapshot import (
    LATEST,
    ON_DEMAND,
    Snapshot,
    ensure_snapshot,
)
from web.data.district import LATEST as LATEST_DATE


def test_an_other_date_is_computed_on_demand_and_agrees_with_the_metrics(workspace, serving):
    day = dt.date(2024, 10, 15)
    snapshot = ensure_snapshot(serving, day)
    assert snapshot == Snapshot(2025, day, ON_DEMAND)
    assert ensure_snapshot(serving, day) == snapshot  # kept, not computed twice
    with serving.cursor() as cur:
        rows = cur.execute(
            "SELECT student_id, days_enrolled, days_absent, tier FROM district_rows "
            "WHERE as_of = ? ORDER BY student_id",
            [day],
        ).fetchall()
    expected = metrics_for_workspace(workspace, per="district", as_of=day)
    expected = expected[expected["school_year"] == 2025].sort_values("student_id")
    assert rows == [
        (r.student_id, r.days_enrolled, r.days_absent, r.tier) for r in expected.itertuples()
    ]
    # Hand check: A04 entered 1 October, absent 2-4 October: 3 of 11 days.
    assert ("A04", 11, 3.0, "severe_chronic") in rows


def test_pages_read_the_latest_date_by_default_and_never_beyond_it(serving):
    assert serving.resolve() == Snapshot(2025, LATEST_DATE, LATEST)
    assert serving.resolve(dt.date(2024, 12, 10)) == Snapshot(2025, LATEST_DATE, LATEST)
