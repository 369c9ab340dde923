"""The serving file: snapshot dates, reuse, pruning, on-demand dates, the warehouse left free."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest

from datasets import write_dataset
from homeroom.pipeline import metrics_for_workspace
from homeroom.warehouse import load_dataset, open_workspace
from homeroom.web.snapshot import (
    LATEST,
    MONTH_END,
    ON_DEMAND,
    SAME_POINT,
    YEAR_END,
    ServingError,
    Snapshot,
    YearSpan,
    ensure_snapshot,
    find_serving,
    open_serving,
    plan_snapshots,
    prepare_serving,
)
from web_data.district import LATEST as LATEST_DATE
from web_data.district import district, make_workspace


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


def test_the_serving_file_says_what_it_holds(serving, serving_path):
    assert serving.definition.name == "web"
    assert serving.definition.minimum_group_size == 3
    assert serving.workspace_name == "Hand district"
    assert serving.load_id == 1
    assert serving.school_names == {"S1": "School S1", "S2": "School S2"}
    assert serving.district_name == "District D1"
    assert serving.school_years == (2024, 2025)
    assert serving.student_ids() == sorted(
        ["A01", "A02", "A03", "A04", "A05", "A06", "M01", "B01", "B02", "B03"]
    )
    assert serving_path.parent.name == "serving"
    assert serving_path.name.startswith("serving-load000001-web-")


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


def test_a_date_outside_every_school_year_is_a_clear_error(serving):
    with pytest.raises(ServingError, match="2024-07-01 is in no school year"):
        ensure_snapshot(serving, dt.date(2024, 7, 1))


def test_pages_read_the_latest_date_by_default_and_never_beyond_it(serving):
    assert serving.resolve() == Snapshot(2025, LATEST_DATE, LATEST)
    assert serving.resolve(dt.date(2024, 12, 10)) == Snapshot(2025, LATEST_DATE, LATEST)


def test_prepare_reuses_the_file_of_the_same_load_and_keeps_the_newest_two(tmp_path):
    workspace = open_workspace(make_workspace(tmp_path))
    first = prepare_serving(workspace)
    built = first.stat().st_mtime_ns
    assert prepare_serving(workspace) == first
    assert first.stat().st_mtime_ns == built  # reused, not rebuilt
    assert find_serving(workspace) == first

    # A new load while the web reads the old file: the warehouse is not held open.
    with open_serving(first) as old:
        load_dataset(workspace, write_dataset(tmp_path / "data2", district(recoded=True).data()))
        second = prepare_serving(workspace)
        assert second != first and second.name.startswith("serving-load000002-web-")
        assert old.resolve().as_of == LATEST_DATE  # the old file still answers
    stale = second.parent / "serving-load000000-web-2026.1-00000000.duckdb"
    stale.write_bytes(b"")
    past = time.time() - 3600
    os.utime(stale, (past, past))
    os.utime(first, (past + 60, past + 60))
    assert prepare_serving(workspace) == second
    assert sorted(p.name for p in second.parent.glob("serving-*.duckdb")) == sorted(
        [first.name, second.name]
    )
    rebuilt = prepare_serving(workspace, force=True)
    assert rebuilt == second and not list(Path(second.parent).glob(".*.tmp"))


def test_a_definition_with_another_exit_rule_than_the_load_is_refused(tmp_path):
    from homeroom.definitions import load_definition
    from homeroom.warehouse import WorkspaceError

    workspace = open_workspace(make_workspace(tmp_path))
    exclusive = tmp_path / "exclusive.toml"
    exclusive.write_text(
        'extends = "default"\n\n[definition]\nname = "x"\n\n[enrollment]\nexit_date = "exclusive"\n'
    )
    with pytest.raises(WorkspaceError, match="exit_date"):
        prepare_serving(workspace, definition=load_definition(exclusive))
