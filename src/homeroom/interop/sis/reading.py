"""Read a SIS export file (CSV or XLSX) as text cells with the line each record starts on.

SIS exports come in whatever encoding and delimiter the system or the person exporting chose:
UTF-8 with or without a byte-order mark, UTF-16 (Excel's "Unicode text"), Windows-1252 or
Latin-1; commas, tabs, semicolons or pipes. The text is decoded by `csvtext.decode`, the rules
the canonical CSV reader follows, with its notes. Nothing is dropped silently: a record with the
wrong number of fields, or on a line that is not UTF-8 in a UTF-8 file, is handed back as
malformed with its line, and blank lines are counted.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from homeroom.contract import csvtext
from homeroom.contract.delimiters import guess_delimiter
from homeroom.contract.errors import ContractError
from homeroom.contract.xlsxfile import CalamineBook, Unfit
from homeroom.interop.text import csv_records


@dataclass
class SourceTable:
    """One file (or worksheet) as read: headers, text cells, and the line of each record."""

    path: Path
    label: str  # what quarantine rows cite: the file name (and sheet)
    headers: list[str]
    rows: pd.DataFrame  # one column per header (position-named c0, c1, ...), text or None
    lines: list[int]  # the line (CSV) or worksheet row (XLSX) each record starts on
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    blank_lines: int = 0
    encoding: str = "UTF-8"
    delimiter: str = ","
    notes: list[str] = field(default_factory=list)

    def column(self, header_index: int) -> pd.Series:
        return self.rows[f"c{header_index}"]


def read_source(path: Path) -> list[SourceTable]:
    """The tables of one file: a CSV file is one table, a workbook one per non-empty sheet."""
    if not path.exists():
        raise ContractError(f"file {path} does not exist")
    if not path.is_file():
        raise ContractError(f"{path} is not a file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_workbook(path)
    if path.suffix.lower() == ".xls":
        raise ContractError(
            f"file {path.name}: the old .xls format cannot be read; save it as .xlsx or CSV"
        )
    return [read_csv(path)]


# --------------------------------------------------------------------------------------- CSV
def read_csv(path: Path) -> SourceTable:
    label = path.name
    decoded = csvtext.decode(path.read_bytes(), label, where=f"file {label}")
    text = decoded.text
    if not text.strip():
        raise ContractError(f"file {label}: is empty; expected a header line and records")
    delimiter = guess_delimiter(text)
    headers: list[str] | None = None
    records: list[list[str]] = []
    lines: list[int] = []
    malformed: list[tuple[int, str]] = []
    blank = 0
    # strict: a quoted field with text after its closing quote, or a quote never closed (a
    # truncated file), is an error for that record rather than a silently merged value.
    for start, end, record, error in csv_records(text, delimiter, strict=True):
        if error is not None:
            malformed.append((start, _unsplit(error, end - start)))
            continue
        unreadable = decoded.unreadable(start, end)
        if not any(cell.strip() for cell in record):
            if headers is not None:
                blank += 1
            continue
        if headers is None:
            if unreadable:
                raise ContractError(
                    f"file {label}: line {start} (the header) is {unreadable}; save it again "
                    "as CSV UTF-8"
                )
            headers = [h.strip() for h in record]
            continue
        problem = unreadable or _width_problem(record, headers)
        if problem:
            malformed.append((start, problem))
            continue
        records.append(record)
        lines.append(start)
    if headers is None:
        raise ContractError(f"file {label}: has no header line (every line is empty)")
    table = SourceTable(
        path,
        label,
        headers,
        _frame(records, len(headers)),
        lines,
        malformed,
        blank,
        decoded.encoding,
        delimiter,
    )
    if decoded.note:
        table.notes.append(decoded.note)
    if blank:
        table.notes.append(f"{label}: {blank:,} blank lines skipped (they hold no record)")
    return table


def _width_problem(record: list[str], headers: list[str]) -> str | None:
    if len(record) == len(headers):
        return None
    fewer = "fewer" if len(record) < len(headers) else "more"
    return f"line has {fewer} fields ({len(record)}) than the header ({len(headers)})"


def _unsplit(error: Exception, span: int) -> str:
    """Why a record could not be split, and over how many lines it ran."""
    where = f" (the record runs over {span + 1} lines)" if span > 0 else ""
    if "unexpected end of data" in str(error):
        reason = "a quoted field is never closed: the file ends inside it (truncated?)"
    else:
        reason = f"line cannot be split: {error}"
    return reason + where


def _frame(records: list[list[str]], width: int) -> pd.DataFrame:
    columns = [f"c{i}" for i in range(width)]
    if not records:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    frame = pd.DataFrame(records, columns=columns, dtype=object)
    for column in columns:
        values = frame[column].str.strip()
        frame[column] = values.where(values.ne(""), None)
    return frame


# -------------------------------------------------------------------------------------- XLSX
def read_workbook(path: Path) -> list[SourceTable]:
    try:
        with CalamineBook(path) as book:
            tables = _read_sheets(path, book.names, book.rows)
    except Unfit:
        tables = _read_workbook_openpyxl(path)
    if not tables:
        raise ContractError(f"file {path.name}: every worksheet is empty")
    return tables


def _read_workbook_openpyxl(path: Path) -> list[SourceTable]:
    """The reference reader (openpyxl), and the one for workbooks calamine reads differently."""
    import zipfile

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ContractError(
            f"file {path.name}: cannot be read as an .xlsx workbook ({type(exc).__name__})"
        ) from None
    try:
        names = [sheet.title for sheet in book.worksheets]
        return _read_sheets(path, names, lambda name: book[name].iter_rows(values_only=True))
    finally:
        book.close()


def _read_sheets(
    path: Path, names: list[str], rows_of: Callable[[str], Iterator[Sequence[object]]]
) -> list[SourceTable]:
    tables = []
    for name in names:
        table = _read_sheet(path, name, rows_of(name), many=len(names) > 1)
        if table is not None:
            tables.append(table)
    return tables


def _read_sheet(
    path: Path, title: str, rows: Iterator[Sequence[object]], *, many: bool
) -> SourceTable | None:
    label = f"{path.name} (sheet {title})" if many else path.name
    headers: list[str] | None = None
    records: list[list[str | None]] = []
    lines: list[int] = []
    blank = 0
    for number, row in enumerate(rows, start=1):
        cells = _cell_texts(row)
        if not any(cells):
            if headers is not None:
                blank += 1
            continue
        if headers is None:
            while cells and cells[-1] is None:
                cells.pop()
            headers = [c or "" for c in cells]
            continue
        cells = (cells + [None] * len(headers))[: max(len(headers), len(cells))]
        if any(cells[len(headers) :]):
            cells = cells[: len(headers)]  # values right of the header have no column: noted
        records.append(cells[: len(headers)])
        lines.append(number)
    if headers is None:
        return None
    frame = _frame([[c or "" for c in r] for r in records], len(headers))
    table = SourceTable(path, label, headers, frame, lines, [], blank, "xlsx", "")
    if blank:
        table.notes.append(f"{label}: {blank:,} empty rows skipped")
    return table


def _cell_texts(row: Sequence[object]) -> list[str | None]:
    """`_cell_text` of each cell, text, empty and number cells inline (most cells; 10x)."""
    return [
        (v.strip() or None)
        if v.__class__ is str
        else None
        if v is None
        else (str(int(v)) if v.is_integer() else str(v))
        if v.__class__ is float
        else _cell_text(v)
        for v in row
    ]


def _cell_text(value: object) -> str | None:
    """A cell as a CSV export would show it: dates ISO, whole numbers without .0."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None
