"""Connections: DuckDB in-process by default, PySpark for a state. Formulas live in metrics/."""

from homeroom.engine.duckdb_engine import duckdb_tables
from homeroom.engine.results import to_frame, write_parquet

ENGINES = ("duckdb", "pyspark")

__all__ = ["ENGINES", "duckdb_tables", "to_frame", "write_parquet"]
