"""The serving file agrees with the metrics layer on a synthetic district, date after date.

The snapshots are computed once at prepare time (and on demand); whatever the date, the rows a
page reads must be what `homeroom.pipeline.metrics_for_workspace` gives for that as-of date.
The student-day function agrees with the student rows on the last day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest

from homeroom.engine import duckdb_tables, to_frame
from homeroom.metrics import AGGREGATE_COLUMNS, membership_days
from homeroom.pipeline import metrics_for_workspace
from homeroom.synth import generate
from homeroom.warehouse import Workspace, init_workspace, load_dataset
from homeroom.web.snapshot import (
    ON_DEMAND,
    ServingData,
    ensure_snapshot,
    open_serving,
    prepare_serving,
)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("synth")
    generate(root / "data", students=300, schools=3, years=2, seed=11)
    workspace = init_workspace(root / "ws", name="Synthetic")
    load_dataset(workspace, root / "data")
    return workspace


@pytest.fixture(scope="module")
def served(synthetic: Workspace) -> Iterator[ServingData]:
    data = open_serving(prepare_serving(synthetic))
    yield data
    data.close()


def dates(served: ServingData) -> list[dt.date]:
    """A precomputed month end of each year, the last snapshot, and a date of each year
    computed on demand."""
    snapshots = served.snapshots()
    chosen = [snapshots[-1].as_of]
    for year, span in served.year_spans.items():
        chosen.append(next(s.as_of for s in snapshots if s.school_year == year))
        chosen.append(span.first_date + dt.timedelta(days=47))
    return sorted(set(chosen))


def normal(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: None if v is None else str(v))
    return frame.sort_values(keys, na_position="first").reset_index(drop=True)


def test_aggregates_equal_the_metrics_layer_at_every_date(synthetic, served):
    checked = 0
    for day in dates(served):
        snapshot = ensure_snapshot(served, day)
        year = snapshot.school_year
        for unit in ("district", "school"):
            keys = ["district_id"] + (["school_id"] if unit == "school" else [])
            for column in (None, "homeless", "grade_level"):
                by = (column,) if column else ()
                expected = metrics_for_workspace(synthetic, level=unit, by=by, as_of=day)
                expected = expected[expected["school_year"] == year]
                with served.cursor() as cur:
                    got = cur.execute(
                        "SELECT * FROM aggregates WHERE as_of = ? AND unit = ? "
                        "AND group_column = ?",
                        [day, unit, column or ""],
                    ).df()
                got = got.rename(columns={"group_value": column}) if column else got
                wanted = keys + ([column] if column else [])
                left = normal(got[wanted + list(AGGREGATE_COLUMNS)], wanted)
                right = expected[wanted + list(AGGREGATE_COLUMNS)].copy()
                if column in ("homeless",):
                    right[column] = right[column].map(
                        lambda v: None if pd.isna(v) else str(bool(v)).lower()
                    )
                right = normal(right, wanted)
                pd.testing.assert_frame_equal(left, right, check_dtype=False, atol=1e-12)
                checked += 1
    assert checked >= 5 * 6
    assert any(s.kind == ON_DEMAND for s in served.snapshots())


def test_student_rows_equal_the_metrics_layer(synthetic, served):
    columns = ["school_id", "student_id", "days_enrolled", "days_absent", "absence_rate", "tier"]
    for day in dates(served):
        snapshot = ensure_snapshot(served, day)
        for table, per in (("student_rows", "school"), ("district_rows", "district")):
            expected = metrics_for_workspace(synthetic, per=per, as_of=day)
            expected = expected[expected["school_year"] == snapshot.school_year]
            with served.cursor() as cur:
                got = cur.execute(f"SELECT * FROM {table} WHERE as_of = ?", [day]).df()
            keys = ["school_id", "student_id"]
            pd.testing.assert_frame_equal(
                normal(got[columns], keys),
                normal(expected[columns], keys),
                check_dtype=False,
                atol=1e-12,
            )


def test_the_last_day_of_membership_days_is_the_students_row(served):
    year = served.school_years[-1]
    with served.cursor() as cur:
        rows = cur.execute(
            "SELECT * FROM district_rows WHERE as_of = ? ORDER BY absence_rate DESC, student_id",
            [served.year_spans[year].last_day],
        ).df()
        tables = duckdb_tables(cur, served.units_per_day)
        sample = list(rows["student_id"][:5]) + list(rows["student_id"][-3:])
        days = to_frame(membership_days(tables, served.definition, sample, school_year=year))
    last = days.groupby("student_id").tail(1).set_index("student_id")
    for row in rows[rows["student_id"].isin(sample)].itertuples():
        mine = last.loc[row.student_id]
        assert (mine["days_enrolled"], mine["tier"]) == (row.days_enrolled, row.tier)
        assert mine["days_absent"] == pytest.approx(row.days_absent)
        assert mine["absence_rate"] == pytest.approx(row.absence_rate)
        assert days[days["student_id"] == row.student_id]["counted_units"].sum() == (
            pytest.approx(row.days_absent * served.units_per_day)
        )
