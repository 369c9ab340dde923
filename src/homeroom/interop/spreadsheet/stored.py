"""The spreadsheet's absence rows, written to a Parquet file batch by batch as they are placed:
a district's year is ~14 absence rows a student, too many to hold as Python strings."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult, StoredTable

COLUMNS = ("student_id", "school_id", "date", "category", "code", "absent_fraction",
           SOURCE_FILE, SOURCE_LINE)  # fmt: skip
_SCHEMA = pa.schema([(c, pa.string()) for c in COLUMNS])


def traced(frame: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """Rows with the file and line they came from (`_line`, the sheet's row), as text."""
    out = frame.drop(columns=["_line"])  # a new frame already (copy on write): no copy
    out[SOURCE_FILE] = file_name
    out[SOURCE_LINE] = frame["_line"].astype("string").array  # Arrow text, not Python strs
    return out


def store_absences(
    batches: Iterable[pd.DataFrame], file_name: str, result: ImportResult
) -> StoredTable:
    """Write the placed absence rows of each batch; the file lives as long as `result`."""
    path = result.scratch_folder() / "attendance.parquet"
    rows = 0
    with pq.ParquetWriter(path, _SCHEMA) as writer:
        for batch in batches:
            frame = traced(batch, file_name)[list(COLUMNS)]
            writer.write_table(pa.Table.from_pandas(frame, schema=_SCHEMA, preserve_index=False))
            rows += len(frame)
    return StoredTable(path, rows)
