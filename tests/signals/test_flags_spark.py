"""The rules on PySpark flag exactly the students DuckDB flags, with the same reasons.

Slow (a local Spark session takes ~10 s to start, and Spark recomputes the parts DuckDB keeps);
runs in CI, where `make` installs Java.
"""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest

from homeroom.contract import validate_dataset
from homeroom.definitions import load_definition
from homeroom.resolver import engine_tables
from homeroom.signals.flags import flag_students

pytestmark = [pytest.mark.slow, pytest.mark.spark]


def test_pyspark_flags_the_same_students_as_duckdb(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    if shutil.which("java") is None:
        pytest.skip("Java is not installed (make install puts it in); PySpark needs it")
    pytest.importorskip("pyspark", reason="PySpark is not installed: pip install -e '.[spark]'")
    from homeroom.synth import generate

    folder = tmp_path_factory.mktemp("state")
    # Two districts (students who move between them), two years (last year's rules).
    generate(folder, students=900, schools=9, years=2, seed=11, districts=2)
    definition = load_definition("default")
    con = duckdb.connect()
    try:
        report = validate_dataset(folder, con, definition=definition)
        found = {}
        for engine in ("duckdb", "pyspark"):
            with engine_tables(con, report.units_per_day, engine) as tables:
                found[engine] = flag_students(tables, definition, dt.date(2025, 1, 31))
    finally:
        con.close()
    on_duckdb, on_spark = found["duckdb"], found["pyspark"]
    assert len(on_duckdb) > 500 and on_duckdb["rule"].nunique() >= 10
    pd.testing.assert_frame_equal(on_duckdb, on_spark, check_dtype=False, rtol=1e-12)
