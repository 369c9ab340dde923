"""The FS195 counts on PySpark (local mode) equal DuckDB's on a small synthetic state: the same
metrics expressions, the same counting (issue 16: the federal file on Spark)."""

from __future__ import annotations

import contextlib
import shutil

import duckdb
import pandas as pd
import pytest

from homeroom.contract import validate_dataset
from homeroom.definitions import load_definition
from homeroom.interop.edfacts.fs195 import chronic_rows, fs195_counts, fs195_definition
from homeroom.resolver import engine_tables

pytestmark = [pytest.mark.slow, pytest.mark.spark]


def test_the_counts_are_the_same_on_pyspark(tmp_path) -> None:
    if shutil.which("java") is None:
        pytest.skip("Java is not installed (make install puts it in); PySpark needs it")
    pytest.importorskip("pyspark", reason="PySpark is not installed: pip install -e '.[spark]'")
    from homeroom.synth import generate

    generate(tmp_path / "data", students=500, schools=5, years=1, seed=17, districts=2)
    definition = fs195_definition(load_definition("edfacts"))
    con = duckdb.connect()
    counts = {}
    try:
        report = validate_dataset(tmp_path / "data", con, definition=definition)
        for engine in ("duckdb", "pyspark"):
            with contextlib.ExitStack() as stack:
                tables = stack.enter_context(engine_tables(con, report.units_per_day, engine))
                year = int(con.execute("SELECT max(school_year) FROM calendar").fetchall()[0][0])
                counts[engine] = fs195_counts(chronic_rows(tables, definition, year))
    finally:
        con.close()
    duck, spark = counts["duckdb"], counts["pyspark"]
    assert (duck["level"] == "SEA").sum() > 1 and duck["student_count"].sum() > 0
    # One SEA total: the state's blank ids once, not once per student.
    assert ((spark["level"] == "SEA") & (spark["category"] == "total")).sum() == 1
    pd.testing.assert_frame_equal(duck, spark, check_dtype=False)
