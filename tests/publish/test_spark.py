"""The public site's tables on PySpark (local mode) equal DuckDB's on a small synthetic state:
the same metrics expressions, then the same suppression (issue 16: "a smaller one gives equal
results on Spark local")."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

from homeroom.contract import validate_dataset
from homeroom.definitions import load_definition
from homeroom.pipeline import metrics_from_duckdb
from homeroom.publish.cells import PUBLIC_COLUMNS, site_cells

pytestmark = [pytest.mark.slow, pytest.mark.spark]


def test_the_sites_cells_are_the_same_on_pyspark(tmp_path) -> None:
    if shutil.which("java") is None:
        pytest.skip("Java is not installed (make install puts it in); PySpark needs it")
    pytest.importorskip("pyspark", reason="PySpark is not installed: pip install -e '.[spark]'")
    from homeroom.synth import generate

    generate(tmp_path / "data", students=600, schools=6, years=1, seed=13, districts=2)
    definition = load_definition("default")
    con = duckdb.connect()
    try:
        report = validate_dataset(tmp_path / "data", con, definition=definition)

        def on(engine: str):
            def metrics(level: str, by: tuple[str, ...] = ()) -> pd.DataFrame:
                return metrics_from_duckdb(
                    con, report.units_per_day, definition, engine=engine, level=level, by=by
                )

            return site_cells(metrics, definition, group_columns=("sex",))

        duck, spark = on("duckdb"), on("pyspark")
    finally:
        con.close()
    assert duck.years == spark.years and duck.state_id == spark.state_id
    columns = [*PUBLIC_COLUMNS, "suppressed"]
    left = duck.latest[columns].reset_index(drop=True)
    right = spark.latest[columns].reset_index(drop=True)
    assert len(left) > 10 and left["suppressed"].any() and not left["suppressed"].all()
    pd.testing.assert_frame_equal(left, right)
