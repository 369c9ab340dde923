"""The embedded default: the validated tables of a DuckDB connection as Ibis tables."""

from __future__ import annotations

import duckdb
import ibis

from homeroom.contract.tables import Tables

TABLE_NAMES = ("schools", "students", "enrollments", "calendar", "attendance")


def duckdb_tables(
    con: duckdb.DuckDBPyConnection, units_per_day: int, schema: str = "main"
) -> Tables:
    backend = ibis.duckdb.from_connection(con)
    tables = {name: backend.table(name, database=schema) for name in TABLE_NAMES}
    by_year = con.execute(
        f'SELECT count(*) > 0 FROM "{schema}".students WHERE school_year IS NOT NULL'
    ).fetchall()[0][0]
    return Tables(**tables, units_per_day=units_per_day, students_by_year=bool(by_year))
