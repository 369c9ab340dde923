"""A large attendance spreadsheet saved as CSV, read by DuckDB into compact text columns.

Taken only when the exact reader (`reading.py`) would read the file the same way: plain UTF-8
(no byte-order mark), the title block and header within the first lines each on one line,
and every line after the header one record as wide as the header (no blank line, no quoted
line break). Then record n is on line header + n, and each cell is the text the exact reader
keeps (as written, empty as ""). Anything else is read by the exact reader, which names each
problem's line.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from homeroom.contract.delimiters import guess_delimiter
from homeroom.interop.sis.scan import SPACE_CLASS, plain_lines
from homeroom.interop.spreadsheet.reading import (
    HEADER_SEARCH_ROWS,
    Sheet,
    _collect,
    _header_fields,
    _is_header,
)
from homeroom.interop.text import csv_records

_HEAD = 1 << 16


def fast_sheet(path: Path) -> Sheet | None:
    """The sheet of a plain CSV file, read by DuckDB; None when the exact reader must read it."""
    if path.suffix.lower() not in (".csv", ".txt", ".tsv") or not path.is_file():
        return None
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return None
    head = head[: head.rfind(b"\n") + 1]  # whole lines only
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    delimiter = guess_delimiter(text)
    found = _header(text, delimiter)
    if found is None:
        return None
    header, header_line, title = found
    lines = plain_lines(path)
    if lines is None:
        return None
    columns, _, headers, ignored = _collect(path.name, header, [])
    read = _columns(path, delimiter, header_line, len(header), _header_fields(header))
    if read is None:
        return None
    cells, count = read
    if count + header_line != lines:
        return None
    numbers = list(range(header_line + 1, header_line + 1 + count))
    return Sheet(path.name, path.name, None, header_line, cells, numbers, headers, ignored, title)


def _header(text: str, delimiter: str) -> tuple[list[str], int, list[str]] | None:
    """The header row among the first lines, its line and the title above it (one line each)."""
    title: list[str] = []
    for start, end, row, error in csv_records(text, delimiter, strict=False):
        if error is not None or end != start or end > HEADER_SEARCH_ROWS:
            return None
        if _is_header(_header_fields(list(row))):
            return list(row), start, title
        title.extend(v for v in row if v.strip())
    return None


def _columns(
    path: Path, delimiter: str, header_line: int, width: int, positions: dict[str, int]
) -> tuple[dict[str, pd.Series], int] | None:
    """Each field's cells as pyarrow-backed text ("" when empty), and the records read."""
    names = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    source = str(path).replace("'", "''")
    quoted = delimiter.replace("'", "''")
    relation = (
        f"read_csv('{source}', header = false, skip = {header_line}, auto_detect = false, "
        f"delim = '{quoted}', quote = '\"', escape = '\"', strict_mode = true, "
        f"null_padding = false, columns = {{{names}}})"
    )
    every = ", ".join(f"c{i}" for i in range(width))
    picked = ", ".join(f"coalesce(c{i}, '') AS {name}" for name, i in positions.items())
    con = duckdb.connect(config={"preserve_insertion_order": True, "memory_limit": "1GB"})
    try:
        blank = con.execute(
            f"SELECT count(*) FILTER (WHERE regexp_full_match(concat({every}), '{SPACE_CLASS}*')) "
            f"FROM {relation}"
        ).fetchall()[0]
        if blank is None or blank[0]:
            return None
        table: pa.Table = con.sql(f"SELECT {picked or '1 AS _'} FROM {relation}").to_arrow_table()
    except duckdb.Error:
        return None
    finally:
        con.close()
    text = pd.StringDtype("pyarrow")
    cells = {
        name: table.column(name).to_pandas(types_mapper={pa.string(): text}.get)
        for name in positions
    }
    return cells, table.num_rows
