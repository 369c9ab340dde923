"""Writing tables: Parquet (pyarrow, streamed by row group) or CSV, deterministic bytes."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS = ("parquet", "csv")
_CSV_OPTIONS = pacsv.WriteOptions(include_header=True, quoting_style="needed")


def fixed_width_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Ids like S0000123, built as one byte buffer (no Python string per row)."""
    n = len(numbers)
    head = prefix.encode()
    size = len(head) + width
    buf = np.empty((n, size), dtype=np.uint8)
    buf[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    x = numbers.astype(np.int64).copy()
    for j in range(size - 1, len(head) - 1, -1):
        buf[:, j] = 48 + x % 10
        x //= 10
    offsets = np.arange(0, (n + 1) * size, size, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(buf.reshape(-1))
    ).cast(pa.string())


def dates(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype("datetime64[D]"), type=pa.date32())


def path_for(out_dir: Path, name: str, fmt: str) -> Path:
    return out_dir / f"{name}.{fmt}"


def write_table(table: pa.Table, out_dir: Path, name: str, fmt: str) -> Path:
    with TableStream(out_dir, name, table.schema, fmt) as stream:
        stream.write(table)
    return stream.path


# pyarrow's own default: a reader such as DuckDB reads a file's row groups in parallel, so a
# state's students in one group of 6 million rows were read by one core.
ROW_GROUP = 1 << 20


class TableStream:
    """Append batches of one table to its file; one Parquet row group per batch."""

    def __init__(self, out_dir: Path, name: str, schema: pa.Schema, fmt: str) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"fmt must be one of {', '.join(FORMATS)}; got {fmt!r}")
        self.path = path_for(out_dir, name, fmt)
        self.schema = schema
        self.rows = 0
        if fmt == "parquet":
            # store_schema=False: readers see plain strings, dates and numbers, no pandas
            # or Arrow extras in the footer.
            self._writer: pq.ParquetWriter | pacsv.CSVWriter = pq.ParquetWriter(
                self.path, schema, compression="zstd", store_schema=False
            )
        else:
            self._writer = pacsv.CSVWriter(self.path, schema, write_options=_CSV_OPTIONS)

    def write(self, table: pa.Table) -> None:
        table = table.cast(self.schema) if table.schema != self.schema else table
        if isinstance(self._writer, pq.ParquetWriter):
            self._writer.write_table(table, row_group_size=min(max(table.num_rows, 1), ROW_GROUP))
        else:
            self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> TableStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
