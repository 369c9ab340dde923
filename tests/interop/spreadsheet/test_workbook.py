"""The exported workbook: names and ids from the district stay text, never formulas (12.3)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from homeroom.interop.spreadsheet import workbook

NASTY = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@x", "\tx", "a\rb"]


def test_text_cells_are_neutralised_strings_and_numbers_stay_numbers(tmp_path: Path) -> None:
    students = pd.DataFrame(
        {"Student ID": NASTY, "Last Name": NASTY, "Days Absent": [-1.5, 0, 1, 2, 3, 4]}
    )
    schools = pd.DataFrame({"School": ["=1+1"], "Absence Rate": [-0.1]})
    path = tmp_path / "out.xlsx"
    workbook.write(path, students, schools, [("=cmd|' /C calc'!A0", "-x")])
    book = load_workbook(path)
    rows = list(book["Students"].iter_rows(min_row=2))
    for column in (0, 1):
        assert [r[column].data_type for r in rows] == ["s"] * len(NASTY)
        assert [r[column].value for r in rows] == [
            ("'" + n if n[0] in "=+-@\t\r" else n).replace("\r", "\n") for n in NASTY
        ]
    assert [r[2].value for r in rows] == [-1.5, 0, 1, 2, 3, 4]
    assert rows[0][2].number_format == "0.00"
    school = list(book["Schools"].iter_rows(min_row=2))[0]
    assert (school[0].value, school[0].data_type) == ("'=1+1", "s")
    assert (school[1].value, school[1].data_type) == (-0.1, "n")
    readme = list(book["Read me"].iter_rows())[0]
    assert [c.value for c in readme] == ["'=cmd|' /C calc'!A0", "'-x"]
    assert not [c for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"]
