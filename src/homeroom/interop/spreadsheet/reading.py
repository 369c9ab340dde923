"""Find the student table in a spreadsheet (.xlsx or .csv) and read its rows as text.

A district's sheet often has a title block above the table ("Lincoln USD — Attendance
2024-25", "School Year: 2024-25"), so the header is the first row, among the first
`HEADER_SEARCH_ROWS`, that names a student id and days enrolled (or days present or absent).
Cells are read as a CSV export would show them (whole numbers without `.0`, dates as
YYYY-MM-DD), so both formats go through one set of checks. Line numbers are the worksheet row
or the CSV line where the record starts, as a person finds them in Excel or an editor.
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
from homeroom.interop.spreadsheet.layout import HEADERS, field_of
from homeroom.interop.text import csv_records

HEADER_SEARCH_ROWS = 50
_PREFERRED_SHEETS = ("students", "student data", "studentdata", "data", "student list")


@dataclass
class Sheet:
    """The student table of one file: its columns by field and its rows as text."""

    label: str  # file name (and sheet) cited in rejects
    file_name: str
    sheet: str | None
    header_line: int
    # field -> one value per record (a large CSV's as a pyarrow-backed text Series)
    columns: dict[str, list[str | None] | pd.Series]
    lines: list[int]  # the line (row) each record starts on
    headers: dict[str, str]  # field -> header as written
    ignored_headers: list[str]
    title: list[str]  # text of the cells above the header
    encoding: str = "UTF-8"  # in words, as csvtext.decode names it
    encoding_note: str | None = None  # what the report says about the encoding, if anything
    encoding_assumed: bool = False  # the encoding is a guess (Windows-1252): check names
    blank_records: int = 0  # empty rows skipped (not records)
    malformed: list[tuple[int, str]] = field(default_factory=list)  # CSV lines not split right

    @property
    def records(self) -> int:
        """Records read: the rows handed on plus the malformed lines."""
        return len(self.lines) + len(self.malformed)


def read_sheet(path: Path) -> Sheet:
    if not path.is_file():
        raise ContractError(f"{path} does not exist or is not a file")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path)
    raise ContractError(
        f"{path.name}: the attendance spreadsheet must be an .xlsx workbook or a .csv file"
    )


def cell_text(value: object) -> str | None:
    """A cell as the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value)
    return text


def _header_fields(row: Sequence[object]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, value in enumerate(row):
        name = field_of(cell_text(value)) if value is not None else None
        if name and name not in positions:
            positions[name] = index
    return positions


def _is_header(positions: dict[str, int]) -> bool:
    has_id = "student_id" in positions or "state_student_id" in positions
    has_days = bool({"days_enrolled", "days_absent", "days_present"} & positions.keys())
    return has_id and has_days


def _blank(row: Sequence[object]) -> bool:
    return all(v is None or str(v).strip() == "" for v in row)


def _collect(
    label: str,
    header: Sequence[object],
    records: Sequence[tuple[int, Sequence[object]]],
) -> tuple[dict[str, list[str | None]], list[int], dict[str, str], list[str]]:
    positions = _header_fields(header)
    seen = {}
    ignored = []
    for index, value in enumerate(header):
        text = cell_text(value)
        if text is None or not text.strip():
            continue
        name = field_of(text)
        if name is None:
            ignored.append(text.strip())
        elif positions.get(name) != index:
            raise ContractError(
                f"{label}: columns {cell_text(header[positions[name]])!r} and {text!r} both "
                f"give {HEADERS.get(name, name)}; keep one"
            )
        else:
            seen[name] = text.strip()
    columns: dict[str, list[str | None]] = {}
    lines = [line for line, _ in records]
    text_only = all(isinstance(v, str) for _, row in records[:1] for v in row)
    for name, index in positions.items():
        if text_only:  # CSV rows: already text, and all as wide as the header
            columns[name] = [str(row[index]) for _, row in records]
        else:
            # cell_text inline for text, None and floats (most cells; 10x the call)
            columns[name] = [
                None
                if index >= len(row)
                else v
                if (v := row[index]) is None or v.__class__ is str
                else (str(int(v)) if v.is_integer() else repr(v))
                if v.__class__ is float
                else cell_text(v)
                for _, row in records
            ]
    return columns, lines, seen, ignored


# xlsx --------------------------------------------------------------------------------------
def _read_xlsx(path: Path) -> Sheet:
    try:
        with CalamineBook(path) as book:
            return _find_table(path, book.names, book.rows)
    except Unfit:
        return _read_xlsx_openpyxl(path)


def _read_xlsx_openpyxl(path: Path) -> Sheet:
    """The reference reader (openpyxl), and the one for workbooks calamine reads differently."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles and validations it skips
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # zip, xml and openpyxl errors all mean: not a workbook
            raise ContractError(
                f"{path.name} cannot be opened as an .xlsx workbook: {exc}"
            ) from exc
    try:
        return _find_table(
            path, list(book.sheetnames), lambda name: book[name].iter_rows(values_only=True)
        )
    finally:
        book.close()


def _find_table(
    path: Path, names: list[str], rows_of: Callable[[str], Iterator[Sequence[object]]]
) -> Sheet:
    """The first sheet (preferred names first) with a student-table header, read from it."""
    order = sorted(
        range(len(names)),
        key=lambda i: (names[i].strip().lower() not in _PREFERRED_SHEETS, i),
    )
    for i in order:
        rows = rows_of(names[i])
        title: list[str] = []
        for number, row in enumerate(rows, start=1):
            if number > HEADER_SEARCH_ROWS:
                break
            row = list(row or ())
            if _is_header(_header_fields(row)):
                records = [
                    (line, list(values))
                    for line, values in enumerate(rows, start=number + 1)
                    if values is not None and not _blank(values)
                ]
                label = f"{path.name} (sheet {names[i]})"
                columns, lines, headers, ignored = _collect(label, row, records)
                return Sheet(
                    label, path.name, names[i], number, columns, lines, headers, ignored, title
                )
            title.extend(t for v in row if (t := cell_text(v)) and t.strip())
    raise ContractError(
        f"{path.name}: no sheet has a header row naming a student id and days enrolled (or days "
        f"absent) within its first {HEADER_SEARCH_ROWS} rows; sheets: {', '.join(names)}. "
        "Expected headers such as 'Student ID', 'Days Enrolled', 'Days Absent'"
    )


# CSV ---------------------------------------------------------------------------------------
def _read_csv(path: Path) -> Sheet:
    decoded = csvtext.decode(path.read_bytes(), path.name)
    text = decoded.text
    records_of = csv_records(text, guess_delimiter(text), strict=False)
    title: list[str] = []
    header: list[str] | None = None
    header_line = 0
    for start, end, row, error in records_of:
        if error is not None:
            raise ContractError(f"{path.name}, line {start}: cannot be read as CSV: {error}")
        if end > HEADER_SEARCH_ROWS:
            break
        if _is_header(_header_fields(list(row))):
            header, header_line = list(row), start
            if unreadable := decoded.unreadable(start, end):
                raise ContractError(
                    f"{path.name}, line {start} (the header) is {unreadable}; save it again as "
                    "CSV UTF-8"
                )
            break
        title.extend(v for v in row if v.strip())
    if header is None:
        raise ContractError(
            f"{path.name}: no header row naming a student id and days enrolled (or days absent) "
            f"within its first {HEADER_SEARCH_ROWS} lines. Expected headers such as "
            "'Student ID', 'Days Enrolled', 'Days Absent'"
        )
    records: list[tuple[int, Sequence[object]]] = []
    malformed: list[tuple[int, str]] = []
    blank = 0
    for start, end, row, error in records_of:
        if error is not None:  # only a field over the size limit gets here
            raise ContractError(f"{path.name}, line {start}: cannot be read as CSV: {error}")
        if not row or _blank(row):
            blank += 1
            continue
        if unreadable := decoded.unreadable(start, end):
            malformed.append((start, f"malformed line: {unreadable}"))
            continue
        if len(row) != len(header):
            # A comma inside an unquoted name shifts every later value: refuse the line whole.
            words = "more" if len(row) > len(header) else "fewer"
            malformed.append((start, f"malformed line: it has {words} fields than the header"))
            continue
        records.append((start, row))
    label = path.name
    columns, lines, headers, ignored = _collect(label, header, records)
    sheet = Sheet(label, path.name, None, header_line, columns, lines, headers, ignored, title)
    sheet.encoding = decoded.encoding
    sheet.encoding_note = decoded.note
    sheet.encoding_assumed = decoded.assumed
    sheet.blank_records = blank
    sheet.malformed = malformed
    return sheet
