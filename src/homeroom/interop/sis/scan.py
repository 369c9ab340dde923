"""A fast first look at a SIS export CSV, so DuckDB's reader can read it in batches.

When a file is plain UTF-8 (no byte-order mark) and every line after the header holds exactly
one record (no blank line, no quoted line break, no ragged line), record n is on line n + 1 and
DuckDB reads the same cells as the exact reader in `reading.py`. Anything else goes to that
reader, which names each problem's line; the fast path never guesses.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from homeroom.contract import csvtext
from homeroom.contract.delimiters import guess_delimiter
from homeroom.interop.sis.reading import SourceTable
from homeroom.interop.text import csv_records

# What str.strip() removes (str.isspace), so a cell trimmed in SQL equals one trimmed in Python.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"
EDGES = f"^{_CLASS}+|{_CLASS}+$"  # RE2: whitespace at either end of a cell
EDGE = f"^{_CLASS}|{_CLASS}$"
SPACE_CLASS = _CLASS  # RE2: one character str.strip() removes
_BLOCK = 1 << 24


# DuckDB's own memory while it reads and folds (it spills to the work folder beyond this).
MEMORY_LIMIT = "1GB"


class SqlWork:
    """A DuckDB database for the large files of one import, in `folder` (the import result's
    scratch folder, where their stored tables are written too)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.con = duckdb.connect(
            str(self.folder / "work.duckdb"),
            config={
                "memory_limit": MEMORY_LIMIT,
                "temp_directory": str(self.folder / "spill"),
                "preserve_insertion_order": True,
            },
        )
        self.tables = 0

    def name(self) -> str:
        self.tables += 1
        return f"raw_{self.tables}"

    def close(self) -> None:
        self.con.close()
        (self.folder / "work.duckdb").unlink(missing_ok=True)
        shutil.rmtree(self.folder / "spill", ignore_errors=True)


@dataclass(frozen=True)
class CsvScan:
    """A CSV file DuckDB can read: its headers, delimiter and the lines that hold records."""

    path: Path
    label: str
    headers: list[str]
    delimiter: str
    lines: int  # physical lines, the header's included

    def cell(self, index: int) -> str:
        """SQL of column `index` as the exact reader gives it: trimmed, empty as NULL."""
        return f"nullif(regexp_replace(c{index}, '{EDGES}', '', 'g'), '')"

    def relation(self) -> str:
        """SQL of the raw cells c0, c1, ... and `line`, each record's line number."""
        columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(self.headers)))
        path = str(self.path).replace("'", "''")
        delimiter = self.delimiter.replace("'", "''")
        return (
            f"(SELECT *, ordinality + 1 AS line FROM read_csv('{path}', header = true, "
            f"auto_detect = false, delim = '{delimiter}', quote = '\"', escape = '\"', "
            f"strict_mode = true, null_padding = false, columns = {{{columns}}}) "
            "WITH ORDINALITY)"
        )


def scan_csv(path: Path) -> CsvScan | None:
    """The head of a file DuckDB may read exactly as the exact reader would, else None (its
    `lines` still unknown: `plain_lines` reads the whole file)."""
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls") or not path.is_file():
        return None
    start = csvtext.head(path)
    if not start.strip() or start.startswith(b"\xef\xbb\xbf") or csvtext.unicode_kind(start):
        return None
    try:
        start.decode("utf-8")
    except UnicodeDecodeError as exc:  # only a character cut by the head's end is fine
        if exc.reason != "unexpected end of data" or exc.start < len(start) - 3:
            return None
    text = start.decode("utf-8", errors="ignore")
    delimiter = guess_delimiter(text)
    first = next(iter(csv_records(text, delimiter, strict=True)), None)
    if first is None or first.error is not None or first.last != 1:
        return None
    headers = [h.strip() for h in first.cells]
    if not any(headers) or "\n" in path.name:
        return None
    return CsvScan(path, path.name, headers, delimiter, 0)


def plain_lines(path: Path) -> int | None:
    """Lines of a UTF-8 file without NUL or lone CR, else None (the exact reader decides)."""
    lines = 0
    last = b""
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            block += handle.readline()
            if block.endswith(b"\r"):
                block += handle.read(1)
            try:
                block.decode("utf-8")
            except UnicodeDecodeError:
                return None
            if b"\x00" in block or block.count(b"\r") != block.count(b"\r\n"):
                return None
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last not in (b"\n", b""))


def blank(scan: CsvScan) -> str:
    """SQL: the record has no cell with text (the exact reader skips it as a blank line)."""
    cells = ", ".join(f"c{i}" for i in range(len(scan.headers)))
    return f"regexp_full_match(concat({cells}), '{_CLASS}*')"


def records_fit(con: duckdb.DuckDBPyConnection, table: str, lines: int) -> bool:
    """Table `table` (with `line` and `blank`) holds one non-blank record per line after the
    header (else the exact reader reads the file)."""
    row = con.execute(f"SELECT count(*), count(*) FILTER (WHERE blank) FROM {table}").fetchall()[0]
    return row is not None and row[0] + 1 == lines and row[1] == 0


def source_table(con: duckdb.DuckDBPyConnection, scan: CsvScan) -> SourceTable | None:
    """The whole file as the exact reader's SourceTable, or None when it is not plain."""
    lines = plain_lines(scan.path)
    if lines is None:
        return None
    cells = ", ".join(f"{scan.cell(i)} AS c{i}" for i in range(len(scan.headers)))
    try:
        table = con.sql(
            f"SELECT {cells}, line, {blank(scan)} AS blank FROM {scan.relation()} ORDER BY line"
        ).to_arrow_table()
    except duckdb.Error:
        return None
    if table.num_rows + 1 != lines or any(table.column("blank").to_pylist()):
        return None
    numbers = table.column("line").to_pylist()
    # Column by column from compact Arrow text: one Python copy of the cells at a time.
    frame = pd.DataFrame(
        {f"c{i}": shared_text(table.column(f"c{i}")) for i in range(len(scan.headers))}
    )
    return SourceTable(
        scan.path, scan.label, scan.headers, frame, numbers, [], 0, "UTF-8", scan.delimiter
    )


def shared_text(column: pa.ChunkedArray) -> pd.Series:
    """A column's cells as Python text (None where empty), one object per distinct value.

    The same values as `to_pylist()`, but a school id, grade or date repeated on a million rows
    is one string, not a million: with a large district's Enrollments.csv (1.1 million stays)
    read, the import held 1.45 GiB with separate strings and 0.91 GiB with shared ones.
    """
    encoded = column.combine_chunks().dictionary_encode()
    values = np.array([*encoded.dictionary.to_pylist(), None], dtype=object)
    places = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    return pd.Series(values[places], dtype=object)
