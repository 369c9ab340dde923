"""Write the spreadsheet as a workbook people can use: styled frozen headers, filters, widths,
percent and day formats. Write-only mode, so a large district's file streams out row by row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from homeroom.contract.tablefiles import neutral, text_cell

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")
_PERCENT = {"Attendance Rate", "Absence Rate", "Chronic Absence Rate", "Average Daily Attendance"}
_DAYS = {
    "Days Present",
    "Days Absent",
    "Excused",
    "Unexcused",
    "Suspensions",
    "Other Absence",
    "Days Missed to Tardies",
    "Days Missed to Early Departures",
}
_WIDE = {"School": 28, "District": 24, "Last Name": 16, "First Name": 14, "Race/Ethnicity": 28}


def _width(header: str) -> float:
    return _WIDE.get(header, max(10, min(len(header) + 2, 16)))


def _table(book: Workbook, title: str, frame: pd.DataFrame) -> None:
    sheet = book.create_sheet(title)
    headers = list(frame.columns)
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(header)
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(headers), 1))
    sheet.auto_filter.ref = f"A1:{last}{len(frame) + 1}"
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, header)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
        cells.append(cell)
    sheet.append(cells)
    formats = [
        "0.0%"
        if h in _PERCENT
        else "0.00"
        if h in _DAYS
        else "yyyy-mm-dd"
        if h == "Birth Date"
        else None
        for h in headers
    ]
    for values in frame.itertuples(index=False, name=None):
        row = []
        for value, number_format in zip(values, formats, strict=True):
            # Names and ids come from the district: text is a string cell, never a formula.
            if isinstance(value, str):
                row.append(text_cell(sheet, value))
            elif number_format is None or value is None:
                row.append(value)
            else:
                cell = WriteOnlyCell(sheet, value)
                cell.number_format = number_format
                row.append(cell)
        sheet.append(row)


def write(
    out: Path, students: pd.DataFrame, schools: pd.DataFrame, readme: list[tuple[str, str]]
) -> None:
    book = Workbook(write_only=True)
    _table(book, "Students", students)
    _table(book, "Schools", schools)
    sheet = book.create_sheet("Read me")
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 100
    for key, value in readme:
        first = WriteOnlyCell(sheet, neutral(key))
        first.data_type = "s"
        if key and not value:
            first.font = Font(bold=True, size=13 if key.startswith("Homeroom") else 11)
        second = WriteOnlyCell(sheet, neutral(value))
        second.data_type = "s"
        second.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.append([first, second])
    out.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and swap in, so a failure never leaves half a workbook.
    partial = out.with_name(f".{out.name}.partial")
    try:
        book.save(partial)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)


__all__ = ["write"]
