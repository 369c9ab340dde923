"""The one writer of the CSV and XLSX files Homeroom hands to people (issue 12, point 3).

Ids, names and usernames come from outside (a district's export, a sign-in form), so a cell may
hold text a spreadsheet would run: "=HYPERLINK(...)", "+1", "@x". Every CSV and workbook goes
through here, which applies the OWASP CSV-injection rule: text starting with =, +, -, @, tab or
carriage return gets a leading apostrophe; records end in CRLF (RFC 4180), so the csv module
quotes every field holding a CR or LF and a lone CR never ends a row in Excel; workbook text
cells are strings, never formulas. Numbers are not text: a negative number stays a number.
Parquet and JSON keep the exact values (no spreadsheet runs them).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SUFFIXES = (".csv", ".xlsx", ".parquet", ".json")
LINE_END = "\r\n"  # a terminator holding CR and LF makes QUOTE_MINIMAL quote fields with either

FrameWriter = Callable[[pd.DataFrame, Path], None]


def neutral(value: object) -> object:
    """`value`, with formula-like text behind an apostrophe; anything not text as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutral_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a spreadsheet should get it: text neutralised, mappings and lists as JSON,
    times in UTC without a zone (Excel has none). Numeric columns are left alone."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[column] = series.dt.tz_convert("UTC").dt.tz_localize(None)
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = _plain_column(series)
    return out


def _plain_column(series: pd.Series) -> pd.Series:
    """`_plain` of every cell; a column of text only (the usual case) a whole column at a time,
    as a queue of a million students has 14 million cells."""
    # pandas' str and string dtypes, and object columns of anything
    text = series.dtype == object or pd.api.types.is_string_dtype(series)
    kind = pd.api.types.infer_dtype(series, skipna=True) if text else ""
    if kind not in ("string", "date") or not series.notna().any():
        # (pandas maps an all-missing column its own way)
        return series.map(_plain, na_action="ignore").astype(object)
    values = series.to_numpy(dtype=object, copy=True)
    if kind == "date":  # dates (not times) as they are, gaps too: 4 columns a flag row
        return pd.Series(values, index=series.index, name=series.name, dtype=object)
    formula = series.str.startswith(FORMULA_STARTS).fillna(False).to_numpy(dtype=bool)
    values[formula] = ["'" + value for value in values[formula]]
    if series.dtype == object:  # map(na_action="ignore") gives NaN for None here
        values[series.isna().to_numpy()] = np.nan
    return pd.Series(values, index=series.index, name=series.name, dtype=object)


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, Mapping | list):
        value = json.dumps(value, sort_keys=True, default=str)
    return neutral(value)


# --------------------------------------------------------------------------------------- CSV
class CsvRows:
    """A csv writer that neutralises every cell: for files written row by row (the audit log)."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.writer(handle, lineterminator=LINE_END)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([neutral(value) for value in row])


def csv_text(frame: pd.DataFrame) -> str:
    return neutral_frame(frame).to_csv(index=False, lineterminator=LINE_END)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        neutral_frame(frame).to_csv(handle, index=False, lineterminator=LINE_END)


# -------------------------------------------------------------------------------------- XLSX
def xlsx_value(value: object) -> Any:
    """A cell value openpyxl can store: missing as empty, numpy scalars as Python ones."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()  # numpy int64, float64, bool_
    return value


def text_cell(sheet: WriteOnlyWorksheet, value: object) -> WriteOnlyCell | Any:
    """The value for a write-only sheet: text as a string cell (openpyxl would make "=..." a
    formula), everything else as it is."""
    value = xlsx_value(neutral(value))
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell


def write_xlsx(sheets: Mapping[str, pd.DataFrame], target: Path | IO[bytes]) -> None:
    """One sheet per frame (names as given, at most 31 characters), a bold frozen header and
    widths that fit the first rows."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, frame in sheets.items():
        plain = neutral_frame(frame)
        sheet = start_sheet(book, title, plain)
        append_rows(sheet, plain)
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)


def start_sheet(book: Any, title: str, head: pd.DataFrame) -> WriteOnlyWorksheet:
    """A write-only sheet (at most 31 characters of title) with widths that fit the first 200
    rows of `head` (neutralised rows) and a bold frozen header of its columns."""
    from openpyxl.styles import Font

    sheet = book.create_sheet(title[:31])
    # Widths from the first rows, set before any row: a write-only sheet streams its rows.
    widths = [len(str(c)) for c in head.columns]
    for values in head.head(200).itertuples(index=False, name=None):
        for i, value in enumerate(values):
            shown = xlsx_value(value)
            widths[i] = max(widths[i], len(str(shown if shown is not None else "")))
    _fit(sheet, widths)
    sheet.freeze_panes = "A2"
    header = []
    for name in head.columns:
        cell = text_cell(sheet, str(name))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    return sheet


def append_rows(sheet: WriteOnlyWorksheet, plain: pd.DataFrame) -> None:
    """Neutralised rows appended to a write-only sheet, text as text cells."""
    for values in plain.itertuples(index=False, name=None):
        sheet.append([text_cell(sheet, value) for value in values])


def _fit(sheet: WriteOnlyWorksheet, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 50)


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(sheets, buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------ any of them
def _write_one_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """One sheet of rows, as the CSV has them (exact values; dates as dates)."""
    write_xlsx({"rows": frame}, path)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)


def _write_json(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_json(path, orient="records", date_format="iso", indent=1)


WRITERS: dict[str, FrameWriter] = {
    ".csv": write_csv,
    ".xlsx": _write_one_xlsx,
    ".parquet": _write_parquet,
    ".json": _write_json,
}


def writer_for(path: Path) -> FrameWriter | None:
    """The writer for `path`'s suffix (.csv, .xlsx, .parquet, .json), or None for another."""
    return WRITERS.get(path.suffix.lower())
