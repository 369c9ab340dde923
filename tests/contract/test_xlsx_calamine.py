"""CalamineBook reads worksheets as openpyxl's read-only cells do, or says Unfit.

Every .xlsx reader turns cells into text with its own `_cell_text`; the rows calamine gives
must come out as the same text, row for row (same worksheet row numbers), under each of them.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import hypothesis.strategies as st
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from openpyxl.chart import BarChart, Reference
from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.worksheet.pagebreak import Break

from homeroom.contract import xlsxfile
from homeroom.contract.sources import Source
from homeroom.contract.xlsxfile import CalamineBook, Unfit
from homeroom.interop.sis import reading as sis_reading
from homeroom.interop.spreadsheet import reading as sheet_reading

TEXTS: dict[str, Callable[[object], str | None]] = {
    "contract": xlsxfile._cell_text,
    "spreadsheet": sheet_reading.cell_text,
    "sis": sis_reading._cell_text,
}


def _reference(path: Path, name: str) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return [tuple(row) for row in book[name].iter_rows(values_only=True)]
    finally:
        book.close()


def _as_text(rows: Sequence[Sequence[object]], text: Callable[[object], str | None]) -> list:
    out = []
    for row in rows:
        cells = [text(v) for v in row]
        while cells and cells[-1] is None:
            cells.pop()  # openpyxl pads rows to the dimension's width, calamine to the data's
        out.append(tuple(cells))
    return out


def assert_same(path: Path) -> list[str]:
    """Every worksheet read both ways gives the same text; the sheets calamine read."""
    with CalamineBook(path) as book:
        names = book.names
        fast = {name: list(book.rows(name)) for name in names}
    reference = openpyxl.load_workbook(path, read_only=True)
    assert names == [s.title for s in reference.worksheets]
    reference.close()
    for name in names:
        slow = _reference(path, name)
        assert len(fast[name]) == len(slow), name  # the same worksheet rows, numbered alike
        for reader, text in TEXTS.items():
            assert _as_text(fast[name], text) == _as_text(slow, text), (name, reader)
    return names


def _patch(path: Path, sheet: str, edit: Callable[[str], str]) -> None:
    """Rewrite one worksheet's XML (cells openpyxl cannot write: cached values, errors)."""
    with zipfile.ZipFile(path) as source:
        parts = {n: source.read(n) for n in source.namelist()}
    parts[sheet] = edit(parts[sheet].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def _cell(xml: str, placeholder: str, replacement: str) -> str:
    pattern = rf'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>{placeholder}</t></is></c>'
    found = re.search(pattern, xml)
    assert found, placeholder
    return xml.replace(found.group(0), replacement.replace("REF", found.group(1)))


def _kitchen_sink(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Student Data"
    sheet["C2"] = "Attendance 2024-25 — Lincoln USD"
    header = [" Student ID ", "DAYS enrolled", "Birth Date", "Note", "Rate", "Flag", "Wait"]
    sheet.append([None, *header])
    values = [
        [1001, 180, dt.date(2010, 5, 1), "José Ñúñez", 0.25, True, dt.timedelta(hours=30)],
        [1002.0, 179.5, dt.datetime(2010, 5, 2), "", -0.0, False, None],
        [-3, 0, dt.datetime(2011, 1, 2, 13, 45, 30, 123000), "  spaced  ", 1e-7, None, 2.5],
        ["00123", 1.5e15, dt.datetime(1900, 3, 1), "=1+", 12345.678901234, "x", "=A1"],
    ]
    for row in values:
        sheet.append([None, *row])
    sheet["H5"].number_format = "[h]:mm:ss"
    sheet["I8"] = "=SUM(C4:C5)"  # no cached value: empty both ways
    sheet.merge_cells("C10:E10")
    sheet["C10"] = "merged"
    sheet["L30"].number_format = "0.00"  # a styled empty cell widens the dimension
    sheet.row_breaks.append(Break(id=12))  # <rowBreaks> after </sheetData>
    formats = book.create_sheet("Formats")
    for i, fmt in enumerate(sorted(set(BUILTIN_FORMATS.values())), start=1):
        for j, value in enumerate((45000.5, 45000, 1.5, 30, 61, 59.5, 7.25, 12), start=1):
            formats.cell(i, j, value).number_format = fmt
    book.create_sheet("Empty")
    chart = BarChart()
    chart.add_data(Reference(formats, min_col=1, min_row=1, max_row=3))
    book.create_chartsheet("Chart").add_chart(chart)  # not a worksheet: read by neither
    sheet["C40"] = "P_NUMBER"
    sheet["D40"] = "P_TEXT"
    sheet["E40"] = "P_EMPTY"
    book.save(path)

    def cached(xml: str) -> str:
        xml = _cell(xml, "P_NUMBER", '<c r="REF"><f>2*3</f><v>6</v></c>')
        xml = _cell(xml, "P_TEXT", '<c r="REF" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>')
        xml = _cell(xml, "P_EMPTY", '<c r="REF" t="str"><f>""</f><v></v></c>')
        # empty <row> elements after the data are rows openpyxl reads (and a blank-row count)
        xml = xml.replace('<dimension ref="A2:L40"', '<dimension ref="A2:L47"')
        return xml.replace("</sheetData>", '<row r="44" spans="1:3"/><row r="47"/></sheetData>')

    _patch(path, "xl/worksheets/sheet1.xml", cached)


def test_calamine_reads_every_cell_type_as_openpyxl(tmp_path: Path) -> None:
    path = tmp_path / "sink.xlsx"
    _kitchen_sink(path)
    assert assert_same(path) == ["Student Data", "Formats", "Empty"]
    with CalamineBook(path) as book:
        rows = list(book.rows("Student Data"))
    assert len(rows) == 47  # up to the last <row>, not the last cell
    assert rows[2][1:3] == [" Student ID ", "DAYS enrolled"]  # row 3, column B: as placed


def test_1904_workbook(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    book.active.append(["id", "date", "when"])
    book.active.append([1, dt.date(2024, 9, 3), dt.datetime(2024, 9, 3, 8, 30)])
    book.save(tmp_path / "mac.xlsx")
    assert assert_same(tmp_path / "mac.xlsx") == ["Sheet"]


def _unfit_after(path: Path) -> None:
    with CalamineBook(path) as book, pytest.raises(Unfit):
        for name in book.names:
            list(book.rows(name))


@pytest.mark.parametrize(
    "case", ["error", "iso_date", "time", "big_int", "past_dimension", "not_a_zip"]
)
def test_unfit_workbooks_are_refused(tmp_path: Path, case: str) -> None:
    """What calamine reads otherwise than openpyxl: the readers fall back to openpyxl."""
    path = tmp_path / f"{case}.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["id", "value"])
    book.active.append([1, "P"])
    if case == "time":
        book.active.append([2, dt.time(13, 30)])
    if case == "big_int":
        book.active.append([2**53 + 1, "x"])
    book.save(path)
    part = "xl/worksheets/sheet1.xml"
    if case == "error":
        _patch(path, part, lambda x: _cell(x, "P", '<c r="REF" t="e"><v>#N/A</v></c>'))
    elif case == "iso_date":
        _patch(path, part, lambda x: _cell(x, "P", '<c r="REF" t="d"><v>2024-09-03</v></c>'))
    elif case == "past_dimension":
        _patch(path, part, lambda x: x.replace('<dimension ref="A1:B2"', '<dimension ref="A1:A1"'))
    elif case == "not_a_zip":
        path.write_bytes(b"not a workbook")
        with pytest.raises(Unfit):
            CalamineBook(path)
        return
    _unfit_after(path)


CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53) + 1, 2**53 - 1),
    st.floats(-1e15, 1e15, allow_nan=False, allow_infinity=False),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8),
    st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(9999, 12, 30)).map(
        lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(CELLS, min_size=1, max_size=6), min_size=1, max_size=8),
    st.integers(0, 3),
    st.integers(0, 3),
)
def test_random_sheets_read_alike(grid: list[list[object]], top: int, left: int) -> None:
    import tempfile

    book = openpyxl.Workbook()
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if isinstance(value, str) and value.startswith("="):
                value = "'" + value  # not a formula
            book.active.cell(top + i + 1, left + j + 1, value)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.xlsx"
        book.save(path)
        assert_same(path)


def test_contract_reader_matches_openpyxl(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "students"
    sheet.append([])
    sheet.append(["Student_ID", "school_year", "first_name", "last_name", "sex", "birth_date"])
    sheet.append([1001, 2024, "Ana", "Díaz", True, dt.datetime(2014, 2, 3)])
    sheet.append([None] * 6)
    sheet.append([1002.0, 2024.0, "Bo", "", "F", dt.date(2013, 1, 1)])
    sheet["H9"].number_format = "0.00"
    path = tmp_path / "students.xlsx"
    book.save(path)
    source = Source("students", path)
    with CalamineBook(path) as fast:
        data, lines = xlsxfile._sheet_rows(source, "students", fast.rows("students"))
    assert xlsxfile._rows_openpyxl(source) == ("students", data, lines)
    assert lines == [3, 5]
