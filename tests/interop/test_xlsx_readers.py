"""The spreadsheet and SIS .xlsx readers give the same sheets through calamine as openpyxl.

Each reader keeps its openpyxl path (`_read_xlsx_openpyxl`, `_read_workbook_openpyxl`) as the
reference and as the fallback for workbooks calamine would read otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import hypothesis.strategies as st
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings

from homeroom.contract import xlsxfile
from homeroom.contract.errors import ContractError
from homeroom.contract.sources import Source
from homeroom.interop.sis import reading as sis
from homeroom.interop.spreadsheet import reading as sheet
from homeroom.interop.spreadsheet.reading import read_sheet

FIXTURES = Path(__file__).parent / "spreadsheet" / "fixtures"


def _attendance(path: Path, *, time_cell: bool = False) -> Path:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["Read me", dt.date(2025, 1, 6)])
    data = book.create_sheet("Student Data")
    data.append(["Lincoln USD — Attendance 2024-25"])
    data.append(["School Year:", "2024-25", None, 45000.5])
    data.append([])
    data.append([" Student ID", "Name", "Days Enrolled ", "Days Absent", "Excused", "Entry"])
    data.append([1001, "José Núñez", 180, 12.5, True, dt.datetime(2024, 8, 20)])
    data.append([None] * 6)  # blank: not a record
    data.append(["002", "Zoë", 179.0, "", False, dt.datetime(2024, 8, 21, 7, 30)])
    data.append([1003.0, "=not a formula", None, 0, None, dt.date(2024, 9, 1)])
    if time_cell:
        data.append([1004, "Late", 10, 1, None, dt.time(8, 15)])
    data["K20"].number_format = "0.00"  # styled, empty: widens the dimension
    book.save(path)
    return path


def test_spreadsheet_reader_same_sheet_both_ways(tmp_path: Path) -> None:
    path = _attendance(tmp_path / "district.xlsx")
    fast = sheet._read_xlsx(path)
    assert fast == sheet._read_xlsx_openpyxl(path)
    assert fast.lines == [5, 7, 8] and fast.header_line == 4 and fast.sheet == "Student Data"
    assert fast.columns["student_id"] == ["1001", "002", "1003"]


def test_spreadsheet_reader_takes_calamine(tmp_path: Path, monkeypatch) -> None:
    path = _attendance(tmp_path / "district.xlsx")
    expected = sheet._read_xlsx_openpyxl(path)

    def refused(_: Path) -> None:
        raise AssertionError("openpyxl read a workbook calamine reads")

    monkeypatch.setattr(sheet, "_read_xlsx_openpyxl", refused)
    assert read_sheet(path) == expected


def test_spreadsheet_reader_falls_back_alike(tmp_path: Path, monkeypatch) -> None:
    path = _attendance(tmp_path / "district.xlsx", time_cell=True)
    calls = []
    original = sheet._read_xlsx_openpyxl
    monkeypatch.setattr(sheet, "_read_xlsx_openpyxl", lambda p: calls.append(p) or original(p))
    read = read_sheet(path)
    assert calls == [path]  # a time of day: read by openpyxl
    assert read.lines == [5, 7, 8, 9]


def test_tracker_fixture_same_both_ways() -> None:
    path = FIXTURES / "tracker.xlsx"
    assert sheet._read_xlsx(path) == sheet._read_xlsx_openpyxl(path)


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04broken"])
def test_spreadsheet_reader_same_message_for_a_bad_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(ContractError) as fast:
        read_sheet(path)
    with pytest.raises(ContractError) as slow:
        sheet._read_xlsx_openpyxl(path)
    assert str(fast.value) == str(slow.value)


def test_spreadsheet_reader_same_message_without_a_header(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["Name", "Grade"])
    book.create_sheet("Other").append([1, 2])
    path = tmp_path / "noheader.xlsx"
    book.save(path)
    with pytest.raises(ContractError) as fast:
        read_sheet(path)
    with pytest.raises(ContractError) as slow:
        sheet._read_xlsx_openpyxl(path)
    assert str(fast.value) == str(slow.value)
    assert "sheets: Sheet, Other" in str(fast.value)


def _same_tables(fast: list[sis.SourceTable], slow: list[sis.SourceTable]) -> None:
    assert len(fast) == len(slow)
    for one, other in zip(fast, slow, strict=True):
        pd.testing.assert_frame_equal(one.rows, other.rows)
        for item in dataclasses.fields(sis.SourceTable):
            if item.name != "rows":
                assert getattr(one, item.name) == getattr(other, item.name), item.name


def test_sis_reader_same_tables_both_ways(tmp_path: Path) -> None:
    path = _attendance(tmp_path / "export.xlsx")
    book = openpyxl.load_workbook(path)
    book.create_sheet("Blank")["C3"].number_format = "0.00"  # no values: not a table
    roster = book.create_sheet("Roster")
    roster.append(["Student Number", "Birthdate", "Active", "Score"])
    roster.append([12345, dt.datetime(2012, 3, 4), True, 3.25])
    roster.append([])
    roster.append([" 678 ", dt.datetime(2012, 3, 5, 10, 0), False, 1e-9])
    roster.append([])  # trailing blank rows are counted both ways
    roster["B9"].number_format = "0.00"
    book.save(path)
    fast = sis.read_workbook(path)
    _same_tables(fast, sis._read_workbook_openpyxl(path))
    assert [t.label for t in fast] == [
        "export.xlsx (sheet Notes)",
        "export.xlsx (sheet Student Data)",
        "export.xlsx (sheet Roster)",
    ]
    assert fast[2].lines == [2, 4]
    assert fast[2].blank_lines == 6  # row 3, and rows 5-9 up to the styled cell's row


def test_sis_reader_same_message_for_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(ContractError) as fast:
        sis.read_workbook(path)
    with pytest.raises(ContractError) as slow:
        sis._read_workbook_openpyxl(path)
    assert str(fast.value) == str(slow.value)


def test_sis_reader_every_sheet_empty(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active["B2"].number_format = "0.00"
    path = tmp_path / "empty.xlsx"
    book.save(path)
    with pytest.raises(ContractError, match="every worksheet is empty"):
        sis.read_workbook(path)


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=4),
    st.sampled_from(["", " ", " x "]),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
)
ROWS = st.lists(st.lists(VALUES, max_size=5), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(ROWS)
def test_inline_cell_text_equals_cell_text(rows: list[list[object]]) -> None:
    """The readers' inline text/None shortcut gives what each `_cell_text` gives."""
    for row in rows:
        assert sis._cell_texts(row) == [sis._cell_text(v) for v in row]
    header = ["Student ID", "Days Enrolled", "Days Absent"]
    records = [(n, row) for n, row in enumerate([[None], *rows], start=2)]
    columns = sheet._collect("t", header, records)[0]
    for name, index in (("student_id", 0), ("days_enrolled", 1), ("days_absent", 2)):
        assert columns[name] == [
            sheet.cell_text(row[index]) if index < len(row) else None for _, row in records
        ]
    source = Source("students", Path("students.xlsx"))
    named = [["student_id", "first_name", "last_name"], *rows]
    data, lines = xlsxfile._sheet_rows(source, "students", iter(named))
    kept = [row for row in rows if not xlsxfile._empty(row)]
    assert lines == [n for n, row in enumerate(rows, start=2) if not xlsxfile._empty(row)]
    for name, index in (("student_id", 0), ("first_name", 1), ("last_name", 2)):
        assert data[name] == [
            xlsxfile._cell_text(row[index]) if index < len(row) else None for row in kept
        ]
