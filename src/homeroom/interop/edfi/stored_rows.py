"""A big import's attendance rows written to a Parquet file a batch at a time (StoredTable):
20 M rows at a million students are ~4 GB as in-memory text columns (each row repeats its
descriptor URI and file name), a few hundred MB of codes before they are made text.

Only the usual big case is stored: events from JSON files (every row has a line) and no section
events to add; smaller or other imports keep the frame, and `StoredTable.frame` gives the same
table back (tests compare the two).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from homeroom.interop.edfi.attendance import COLUMNS
from homeroom.interop.edfi.event_columns import NO_LINE
from homeroom.interop.edfi.school_rows import EventRows
from homeroom.interop.result import SOURCE_LINE, ImportResult, StoredTable

STORE_FROM = 1_000_000  # rows from which the attendance table is stored, not held
BATCH = 500_000  # rows made text and written at a time
_SCHEMA = pa.schema([(c, pa.int64() if c == SOURCE_LINE else pa.string()) for c in COLUMNS])


def worth_storing(rows: EventRows, other_rows: int) -> bool:
    return other_rows == 0 and len(rows) >= STORE_FROM and not (rows.lines == NO_LINE).any()


def store_rows(rows: EventRows, result: ImportResult) -> StoredTable:
    """Write the rows in order; the file lives as long as `result` does."""
    path = result.scratch_folder() / "attendance.parquet"
    with pq.ParquetWriter(path, _SCHEMA) as writer:
        for start in range(0, len(rows), BATCH):
            columns = rows.columns(start, min(start + BATCH, len(rows)))
            arrays = [_array(columns[field.name], field.type) for field in _SCHEMA]
            writer.write_table(pa.Table.from_arrays(arrays, schema=_SCHEMA))
    return StoredTable(path, len(rows))


def store_text_frame(frame: pd.DataFrame, beside: StoredTable, name: str) -> StoredTable:
    """A small table of text stored beside the attendance, so `write_import` writes (and the
    load report lists) the tables in the order a held attendance table gives."""
    path = beside.path.with_name(f"{name}.parquet")
    schema = pa.schema([(c, pa.string()) for c in frame.columns])
    pq.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False), path)
    return StoredTable(path, len(frame))


def _array(values: object, kind: pa.DataType) -> pa.Array:
    if isinstance(values, np.ndarray):
        return pa.array(values, type=kind)
    if isinstance(values, list):  # every value missing
        return pa.nulls(len(values), type=kind)
    return pa.array(values, from_pandas=True).cast(kind)
