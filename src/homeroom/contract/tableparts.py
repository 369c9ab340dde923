"""One file written from a frame that comes in parts, exactly as tablefiles writes the whole.

A state's watch list is 8 million rows: held as one frame it took 6.9 GiB, so it is written a
group of schools at a time. Each suffix writes what `tablefiles.writer_for` would write for
the parts put together: CSV rows (formula-like text neutralised) after one header; a JSON list
of records; an XLSX sheet whose widths fit its first 200 rows; Parquet row groups of one schema.
Parquet takes the schema given (a part whose column is all empty has no type of its own).

    with FrameParts(path, schema) as out:
        for part in parts:
            out.write(part)
        out.finish(empty)  # the columns, written as the whole file when no part came
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import IO, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from homeroom.contract.tablefiles import (
    LINE_END,
    SUFFIXES,
    append_rows,
    neutral_frame,
    start_sheet,
    writer_for,
)


class FrameParts:
    """Writes parts of one frame to `path` (.csv, .xlsx, .parquet or .json); `rows` counts them.

    The file is written under a `.partial` name and takes its own name only in `finish`, so a
    stopped run never leaves a file that looks whole.
    """

    def __init__(self, path: Path, schema: pa.Schema | None = None) -> None:
        self.suffix = path.suffix.lower()
        if self.suffix not in SUFFIXES:
            raise ValueError(f"{path.name}: a file of parts ends in {', '.join(SUFFIXES)}")
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.schema = schema
        self.rows = 0
        self._handle: IO[str] | None = None
        self._parquet: pq.ParquetWriter | None = None
        self._book: Any = None
        self._sheet: Any = None
        self._waiting: list[pd.DataFrame] = []  # XLSX rows before its widths are known

    def __enter__(self) -> FrameParts:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self

    def write(self, part: pd.DataFrame) -> None:
        if part.empty:
            return
        writers = {".csv": self._csv, ".json": self._json, ".parquet": self._parquet_part}
        writers.get(self.suffix, self._xlsx)(part)
        self.rows += len(part)

    def finish(self, empty: pd.DataFrame) -> int:
        """Close the file, written whole from `empty` (its columns) when no rows came; returns
        the rows written."""
        if self.rows == 0:
            self._close()
            write = writer_for(self.path)
            assert write is not None
            write(empty, self.partial)
            self.partial.replace(self.path)
            return 0
        if self.suffix == ".xlsx" and self._waiting:
            self._start_xlsx()
        if self._handle is not None and self.suffix == ".json":
            self._handle.write("\n]")
        self._close()
        self.partial.replace(self.path)
        return self.rows

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._close()
        self.partial.unlink(missing_ok=True)

    # -- one writer a suffix -------------------------------------------------------------------
    def _csv(self, part: pd.DataFrame) -> None:
        first = self._handle is None
        handle = self._text()
        neutral_frame(part).to_csv(handle, index=False, header=first, lineterminator=LINE_END)

    def _json(self, part: pd.DataFrame) -> None:
        first = self._handle is None
        handle = self._text()
        text = part.to_json(orient="records", date_format="iso", indent=1)
        # A part is "[\n {...},\n {...}\n]": its records go between the file's brackets.
        handle.write(("[\n" if first else ",\n") + text[2:-2])

    def _parquet_part(self, part: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(part, schema=self.schema, preserve_index=False)
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.partial, table.schema)
        self._parquet.write_table(table)

    def _xlsx(self, part: pd.DataFrame) -> None:
        if self._sheet is None:
            self._waiting.append(part)
            if sum(len(p) for p in self._waiting) >= 200:
                self._start_xlsx()
            return
        append_rows(self._sheet, neutral_frame(part))

    def _start_xlsx(self) -> None:
        from openpyxl import Workbook

        head = neutral_frame(pd.concat(self._waiting, ignore_index=True))
        self._waiting = []
        self._book = Workbook(write_only=True)
        self._sheet = start_sheet(self._book, "rows", head)
        append_rows(self._sheet, head)

    def _text(self) -> IO[str]:
        if self._handle is None:
            self._handle = self.partial.open("w", encoding="utf-8", newline="")
        return self._handle

    def _close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        if self._book is not None:
            self._book.save(self.partial)
            self._book = None
