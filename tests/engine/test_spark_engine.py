"""The same expressions on PySpark give exactly what DuckDB gives, on a synthetic state.

Slow (a local Spark session takes ~10 s to start); runs in CI, where `make` installs Java.
"""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest

from datasets import home_and_program, write_dataset
from homeroom.contract import validate_dataset
from homeroom.definitions import load_definition
from homeroom.pipeline import metrics_from_duckdb

pytestmark = [pytest.mark.slow, pytest.mark.spark]

REQUESTS = [
    {"level": "student", "per": "school"},
    {"level": "student", "per": "district"},
    {"level": "student", "per": "state"},
    {"level": "school"},
    {"level": "district", "by": ("grade_level",)},
    {"level": "district", "by": ("race_ethnicity", "economically_disadvantaged")},
    {"level": "state"},
    {"level": "school", "as_of": dt.date(2024, 12, 20)},
]


@pytest.fixture(scope="module")
def synthetic_state(tmp_path_factory):
    if shutil.which("java") is None:
        pytest.skip("Java is not installed (make install puts it in); PySpark needs it")
    pytest.importorskip("pyspark", reason="PySpark is not installed: pip install -e '.[spark]'")
    from homeroom.synth import generate

    folder = tmp_path_factory.mktemp("state")
    generate(folder, students=900, schools=9, years=2, seed=11, districts=2)
    return folder


@pytest.mark.parametrize("definition_name", ["default", "edfacts", "crdc", "california"])
def test_pyspark_gives_the_same_metrics_as_duckdb(synthetic_state, definition_name):
    definition = load_definition(definition_name)
    con = duckdb.connect()
    try:
        report = validate_dataset(synthetic_state, con, definition=definition)
        assert report.rows_loaded["attendance"] > 1000, "the synthetic state should have absences"
        # Every request under the default; the other definitions change how students are
        # classified, which every level shares: student rows, schools and the state suffice.
        requests = REQUESTS if definition_name == "default" else [REQUESTS[i] for i in (0, 3, 6)]
        for request in requests:
            on_duckdb = metrics_from_duckdb(con, report.units_per_day, definition, **request)
            on_spark = metrics_from_duckdb(
                con, report.units_per_day, definition, engine="pyspark", **request
            )
            assert len(on_duckdb) > 0, request
            pd.testing.assert_frame_equal(on_duckdb, on_spark, check_exact=False, rtol=1e-12)
    finally:
        con.close()


def test_pyspark_counts_two_schools_at_once_and_late_arrivals_like_duckdb(tmp_path):
    """Stays at two schools on the same dates (each date once per district and state) and the
    late-arrival columns, which the synthetic state may not exercise, on both engines."""
    if shutil.which("java") is None:
        pytest.skip("Java is not installed (make install puts it in); PySpark needs it")
    pytest.importorskip("pyspark", reason="PySpark is not installed: pip install -e '.[spark]'")
    folder = write_dataset(tmp_path / "data", home_and_program().data())
    for name in ("default", "edfacts"):
        definition = load_definition(name)
        con = duckdb.connect()
        try:
            report = validate_dataset(folder, con, definition=definition)
            assert report.quarantined == 0
            for request in REQUESTS[:5]:
                request = {**request, "as_of": dt.date(2024, 9, 13)}
                on_duckdb = metrics_from_duckdb(con, report.units_per_day, definition, **request)
                on_spark = metrics_from_duckdb(
                    con, report.units_per_day, definition, engine="pyspark", **request
                )
                assert len(on_duckdb) > 0, request
                pd.testing.assert_frame_equal(on_duckdb, on_spark, check_exact=False, rtol=1e-12)
        finally:
            con.close()
