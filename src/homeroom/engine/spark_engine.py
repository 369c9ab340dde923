"""PySpark: the same expressions over the same tables, for a state's worth of data.

Tables arrive as Parquet files (one per table) and are registered as temporary views through
the SparkSession: Ibis' own `create_table` writes permanent tables under ./spark-warehouse
and fails on the next run (see STACK.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from homeroom.contract.tables import Tables
from homeroom.engine.duckdb_engine import TABLE_NAMES

_SESSION: Any = None
# Where Spark runs: a cluster's master URL (spark://host:7077, yarn, k8s://...) or, by default,
# local mode on this machine's cores. On a managed service whose notebook already holds a
# session, that session is used as it is (getOrCreate). docs/scale.md.
MASTER_VARIABLE = "HOMEROOM_SPARK_MASTER"
PARTITIONS_VARIABLE = "HOMEROOM_SPARK_SHUFFLE_PARTITIONS"


def spark_master(cores: int = 2) -> str:
    return os.environ.get(MASTER_VARIABLE) or f"local[{cores}]"


def spark_session(cores: int = 2) -> Any:
    """One session per process (~10 s to start locally), quiet; local mode on this machine
    unless HOMEROOM_SPARK_MASTER names a cluster."""
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "PySpark is not installed: pip install 'homeroom[spark]' (and Java 17)"
        ) from exc
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    _SESSION = (
        SparkSession.builder.master(spark_master(cores))
        .appName("homeroom")
        .config("spark.sql.shuffle.partitions", os.environ.get(PARTITIONS_VARIABLE) or "16")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


def spark_tables(
    parquet_dir: Path, units_per_day: int, students_by_year: bool, prefix: str = "homeroom"
) -> Tables:
    import ibis

    session = spark_session()
    for name in TABLE_NAMES:
        frame = session.read.parquet(str(parquet_dir / f"{name}.parquet"))
        frame.createOrReplaceTempView(f"{prefix}_{name}")
    backend = ibis.pyspark.connect(session)
    tables = {name: backend.table(f"{prefix}_{name}") for name in TABLE_NAMES}
    return Tables(**tables, units_per_day=units_per_day, students_by_year=students_by_year)
