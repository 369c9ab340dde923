"""contract/xlsxfile: a workbook with a sheet per table, or one table per file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from .helpers import BASE, reasons, rows, run, text, write


def _sheet(book: openpyxl.Workbook, title: str, content: str) -> None:
    sheet = book.create_sheet(title)
    for line in text(content).splitlines():
        sheet.append([None if v == "" else v for v in line.split(",")])


def test_one_workbook_with_a_sheet_per_table(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, content in BASE.items():
        if name != "attendance":
            _sheet(book, name.capitalize(), content)
    sheet = book.create_sheet("attendance")
    sheet.append(["student_id", "school_id", "date", "category", "absent_fraction"])
    sheet.append(["001", "S1", dt.datetime(2024, 9, 3), "excused", 0.5])
    sheet.append([None, None, None, None, None])  # an empty row is not a record
    sheet.append(["002", "S2", dt.date(2024, 9, 5), "unexcused", 1])
    sheet.append(["003", "S2", "2024-09-06", "late", None])
    tmp_path.mkdir(exist_ok=True)
    book.save(tmp_path / "district.xlsx")
    report, con = run(tmp_path)
    assert rows(con, "SELECT student_id, date, absent_units FROM attendance ORDER BY 1") == [
        ("001", dt.date(2024, 9, 3), 5000),
        ("002", dt.date(2024, 9, 5), 10000),
    ]
    assert reasons(report, "attendance") == {
        5: "category 'late' is not one of excused, unexcused, suspension, in_school_suspension, "
        "tardy, early_departure, present, remote_present"
    }
    assert {f.path.name for f in report.files} == {"district.xlsx"}


def test_single_table_xlsx_file(tmp_path: Path) -> None:
    folder = write(tmp_path, students=None)
    book = openpyxl.Workbook()
    _sheet(book, "Sheet2", BASE["students"])
    book.remove(book.active)
    book.save(folder / "students.xlsx")
    report, con = run(folder)
    assert rows(con, "SELECT count(*) FROM students") == [(3,)]
    assert report.quarantined == 0
