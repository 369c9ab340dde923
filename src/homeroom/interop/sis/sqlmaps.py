"""Small lookup tables for SQL over a large SIS file: each distinct source text turned into a
date or a number by the same Python functions the exact path runs on every row.

A district's attendance file holds millions of rows but a few hundred distinct dates and day
lengths, so converting the distinct values and joining them back gives the same values as
converting every row, at the cost of a few hundred.
"""

from __future__ import annotations

import dataclasses

import duckdb
import pandas as pd

from homeroom.interop import daily
from homeroom.interop.sis import values
from homeroom.interop.sis.fastpath import stripped
from homeroom.interop.sis.preset import Preset

_LARGEST = 2**53  # past this a float is no exact whole number (and no school day's length)


def register(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """`frame` as a temporary DuckDB table (nullable columns become NULLs, text VARCHAR)."""
    frame = frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object})
    con.register(f"{name}_df", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_df")
    con.unregister(f"{name}_df")


def _texts(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    frame = con.execute(sql).df()
    return frame.astype(object).where(frame.notna(), None)


def date_map(con: duckdb.DuckDBPyConnection, raw: str, preset: Preset) -> int:
    """Table `date_map` (text, iso) of every distinct date text of `raw`; returns the rows
    whose date was an Excel serial (counted as `Assembly.dates` counts them)."""
    found = _texts(con, f"SELECT date AS text, count(*) AS n FROM {raw} GROUP BY ALL")
    text = stripped(found["text"].reset_index(drop=True))
    converted = values.dates(text, preset).values
    plain = values.dates(text, dataclasses.replace(preset, excel_serial_dates=False)).values
    serial = [isinstance(a, str) and a != b for a, b in zip(converted, plain, strict=True)]
    rows = int(sum(int(n) for n, s in zip(found["n"], serial, strict=True) if s))
    register(
        con,
        "date_map",
        pd.DataFrame(
            {"text": found["text"].astype(object), "iso": converted.astype(object).to_numpy()}
        ),
    )
    return rows


def number_map(con: duckdb.DuckDBPyConnection, raw: str) -> None:
    """Table `number_map` (text, given, number, positive, whole) of the distinct day lengths
    and minutes of `raw`: whether a value is given (not blank), the number (pd.to_numeric),
    and the whole number above 0 / from 0 up as `daily.whole` reads them (NULL when none)."""
    found = _texts(
        con,
        f"SELECT day_minutes AS text FROM {raw} WHERE day_minutes IS NOT NULL UNION "
        f"SELECT minutes_absent FROM {raw} WHERE minutes_absent IS NOT NULL",
    )
    frame = pd.DataFrame({"text": stripped(found["text"].reset_index(drop=True))})
    number = pd.to_numeric(frame["text"], errors="coerce").astype("float64")
    sane = number.abs() < _LARGEST
    positive = daily.whole(frame, "text", positive=True).where(sane)
    whole = daily.whole(frame, "text", positive=False).where(sane)
    register(
        con,
        "number_map",
        pd.DataFrame(
            {
                "text": found["text"].astype(object),
                "given": frame["text"].notna().astype(bool),
                "number": pd.array(number.where(number.notna(), None), dtype="Float64"),
                "positive": pd.array(positive.where(positive.notna(), None), dtype="Int64"),
                "whole": pd.array(whole.where(whole.notna(), None), dtype="Int64"),
            }
        ),
    )
