"""`homeroom metrics --engine pyspark` gives the numbers DuckDB gives (a module of its own, so
the test scheduler runs it with the other Spark tests, in one Spark session: tests/conftest.py)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from cli_helpers import run


@pytest.mark.slow
@pytest.mark.spark
def test_the_command_gives_the_same_numbers_on_pyspark(capsys, district, tmp_path):
    if shutil.which("java") is None:
        pytest.skip("Java is not installed (make install puts it in); PySpark needs it")
    pytest.importorskip("pyspark", reason="PySpark is not installed: pip install -e '.[spark]'")
    frames = []
    for engine in ("duckdb", "pyspark"):
        out = tmp_path / f"{engine}.csv"
        args = ["--level", "school", "--by", "grade_level", "--engine", engine, "--out", out]
        assert run(capsys, "metrics", "--data", district, *args).exit_code == 0
        frames.append(pd.read_csv(out))
    pd.testing.assert_frame_equal(*frames)
