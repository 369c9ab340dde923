"""Read a worksheet of an .xlsx workbook into DuckDB as text, with each record's worksheet row.

Worksheets are read by calamine (`CalamineBook`, about 100x openpyxl's read-only cells) as the
rows openpyxl gives, or by openpyxl when calamine would read a sheet differently (`Unfit`): a
cell holding an error (#N/A) or an ISO date, a time of day (calamine reads a negative date
serial as one), a number of 2**53 or more (openpyxl keeps a long integer's digits), data past
the sheet's declared dimension (openpyxl stops there), or a file calamine cannot open (then
openpyxl gives today's message). Every .xlsx reader (this one, `homeroom import spreadsheet`,
SIS exports) goes through `CalamineBook` this way.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import zipfile
from collections.abc import Iterator, Sequence
from functools import partial
from itertools import compress
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import pandas as pd

from homeroom.contract.errors import ContractError
from homeroom.contract.fields import quote_ident
from homeroom.contract.sources import Source, column_positions, first_line, open_workbook, where
from homeroom.contract.work import Work

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

_EXACT = float(2**53)  # from here on a float may not be the integer openpyxl reads
_CHUNK = 1 << 20
_IS_FLOAT = partial(operator.is_, float)


class Unfit(Exception):
    """calamine would not read this workbook as openpyxl does: read it with openpyxl."""


class CalamineBook:
    """A workbook's worksheets, read by calamine into the rows openpyxl's read-only cells give.

    `rows` yields each worksheet row from row 1 and column A ("" as None), up to the last row
    the sheet's XML holds; it raises `Unfit` (possibly after some rows) where openpyxl would
    read a different value, so callers start again with openpyxl.
    """

    def __init__(self, path: Path) -> None:
        from python_calamine import CalamineWorkbook, SheetTypeEnum

        try:
            self._book = CalamineWorkbook.from_path(str(path))
            self._zip = zipfile.ZipFile(path)
        except Exception as exc:  # not a workbook, encrypted, damaged: openpyxl says which
            raise Unfit(type(exc).__name__) from None
        try:
            kinds = [m.typ for m in self._book.sheets_metadata]
            if any(k not in (SheetTypeEnum.WorkSheet, SheetTypeEnum.ChartSheet) for k in kinds):
                raise Unfit("macro or dialog sheets")
            self.names = [
                m.name for m in self._book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet
            ]
            self._parts = _sheet_parts(self._zip)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        self._zip.close()
        self._book.close()

    def __enter__(self) -> CalamineBook:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def rows(self, name: str) -> Iterator[Sequence[object]]:
        part = self._parts.get(name)
        if part is None:
            raise Unfit("sheet not found")
        try:
            dims, last = _scan(self._zip, part)
            sheet = self._book.get_sheet_by_name(name)
        except Unfit:
            raise
        except Exception as exc:
            raise Unfit(type(exc).__name__) from None
        start, end = sheet.start, sheet.end
        if dims is not None:
            last = min(last, dims[1])  # openpyxl reads no row past the dimension
            if end is not None and (end[0] >= dims[1] or end[1] >= dims[0]):
                raise Unfit("data past the sheet's dimension")
        count = 0
        if start is not None and end is not None:
            pad: list[object] = [None] * start[1]  # calamine's rows start at the first column used
            for row in sheet.iter_rows():
                count += 1
                yield pad + _cells(row)
            if count != end[0] + 1:  # rows start at row 1: the line numbers depend on it
                raise Unfit("rows not from row 1")
        for _ in range(count, last):  # empty <row> elements after the data: openpyxl's rows
            yield ()


def _cells(row: list[Any]) -> list[object]:
    """A calamine row as openpyxl's values (numbers and dates read alike by `_cell_text`).

    Checked by C-level passes over the row (a Python loop per cell took as long as calamine).
    """
    kinds = set(map(type, row))
    if dt.time in kinds:
        raise Unfit("a time of day")
    if float in kinds:
        floats = compress(row, map(_IS_FLOAT, map(type, row)))
        if max(map(abs, floats)) >= _EXACT:
            raise Unfit("a number too large for a float to be exact")
    if str in kinds:
        at = -1
        try:
            while True:
                at = row.index("", at + 1)
                row[at] = None  # calamine gives "" for an empty cell, openpyxl None
        except ValueError:
            pass
    return row


def _sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name -> its XML part in the zip, from workbook.xml and its relationships."""
    from defusedxml import ElementTree

    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts: dict[str, str] = {}
    for element in ElementTree.fromstring(book.read("xl/workbook.xml")).iter():
        if element.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "id"), "")
        target = targets.get(rid, "")
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl", target))
        parts[element.get("name", "")] = path
    return parts


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s[^>]*?\bref=[\"']([^\"']+)")
_DATA = re.compile(rb"<(\w+:)?sheetData\b")
_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=[\"'](\d+)")
_ODD = re.compile(rb"\bt=[\"'][ed][\"']")  # error and ISO-date cells


def _scan(book: zipfile.ZipFile, part: str) -> tuple[tuple[int, int] | None, int]:
    """The sheet's dimension (columns, rows) if it declares one and its last <row>'s number.

    One pass over the XML, two searches a chunk (a fraction of calamine's time): `Unfit` if a
    cell is an error or an ISO date, or if the last row gives no number.
    """
    from openpyxl.utils.cell import range_boundaries

    dims: tuple[int, int] | None = None
    tail = last_row = b""
    row_tag = close_tag = b""  # known once <sheetData> is seen, with the writer's prefix
    with book.open(part) as source:
        while chunk := source.read(_CHUNK):
            text = tail + chunk
            if b't="e"' in text or b't="d"' in text or (b"t='" in text and _ODD.search(text)):
                raise Unfit("error or ISO-date cells")
            if not row_tag and (data := _DATA.search(text)):
                if found := _DIMENSION.search(text, 0, data.start()):
                    bounds = range_boundaries(found.group(1).decode())
                    dims = (bounds[2] or 0, bounds[3] or 0)
                prefix = data.group(1) or b""
                row_tag, close_tag = b"<" + prefix + b"row ", b"</" + prefix + b"sheetData>"
            if (close := text.find(close_tag) if row_tag else -1) >= 0:
                text = text[:close]  # rows after </sheetData> (rowBreaks) are not rows
            if row_tag and (at := text.rfind(row_tag)) >= 0:
                last_row = text[at:]
            elif last_row:
                last_row += chunk[:256]
            if close >= 0:
                break
            tail = text[-64:]
    if not last_row:
        return dims, 0
    number = _ROW_NUMBER.match(last_row)
    if number is None:
        raise Unfit("rows without numbers")
    return dims, int(number.group(1))


def _cell_text(value: object) -> str | None:
    """A worksheet cell as the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(work: Work, source: Source) -> tuple[str, dict[str, str], int]:
    try:
        with CalamineBook(source.path) as book:
            title = source.sheet or (book.names[0] if book.names else "")
            data, lines = _sheet_rows(source, title, book.rows(title))
    except Unfit:
        title, data, lines = _rows_openpyxl(source)
    frame = pd.DataFrame({name: pd.Series(v, dtype="object") for name, v in data.items()})
    frame["_line"] = pd.Series(lines, dtype="int64")
    view = work.name(f"xlsx_{source.table}")
    work.con.register(view, frame)
    try:
        casts = ", ".join(f"CAST({quote_ident(n)} AS VARCHAR) AS {quote_ident(n)}" for n in data)
        relation = work.table(f"raw_{source.table}", f"SELECT {casts}, _line FROM {view}")
    finally:
        work.con.unregister(view)
    work.say(f"reading {source.label} sheet {title} ({len(lines):,} rows)")
    return relation, {name: "VARCHAR" for name in data}, len(lines)


def _rows_openpyxl(source: Source) -> tuple[str, dict[str, list[str | None]], list[int]]:
    """The sheet read by openpyxl (the reference reader, and the one for unfit workbooks)."""
    book = open_workbook(source.path)
    try:
        sheet: ReadOnlyWorksheet = book[source.sheet] if source.sheet else book.worksheets[0]
        title = sheet.title
        data, lines = _sheet_rows(source, title, sheet.iter_rows(values_only=True))
    except ContractError:
        raise
    except Exception as exc:  # a zip that opens but whose sheet XML is damaged
        raise ContractError(
            f"{where(source)}: the workbook is damaged and cannot be read: {first_line(exc)}"
        ) from exc
    finally:
        book.close()
    return title, data, lines


def _empty(row: Sequence[object] | None) -> bool:
    return row is None or all(v is None or str(v).strip() == "" for v in row)


def _sheet_rows(
    source: Source, title: str, worksheet_rows: Iterator[Sequence[object]]
) -> tuple[dict[str, list[str | None]], list[int]]:
    """The contract columns of a worksheet as text, and the worksheet row of each record.

    The header is the first row that is not empty (worksheet rows keep their numbers, so rows
    above it need no note); empty rows after it are not records.
    """
    rows = enumerate(worksheet_rows, start=1)
    number, header = next(((n, row) for n, row in rows if not _empty(row)), (0, ()))
    if not number:
        raise ContractError(
            f"{where(source)}: sheet {title} is empty; expected a header row naming the columns"
        )
    positions = column_positions(
        source, [_cell_text(h) for h in header], header_line=f"row {number}"
    )
    data: dict[str, list[str | None]] = {name: [] for name in positions}
    lines: list[int] = []
    for number, row in rows:
        if _empty(row):
            continue  # an empty worksheet row is not a record
        lines.append(number)
        for name, index in positions.items():
            value = row[index] if index < len(row) else None
            # _cell_text keeps text and None as they are: called only for other cells
            data[name].append(
                value if value is None or value.__class__ is str else _cell_text(value)
            )
    return data, lines
