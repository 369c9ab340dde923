"""A large CSV sheet read by DuckDB gives what the exact reader gives: the same cells, lines
and title, and the same import (tables, rejects, notes, mappings) on generated sheets."""

from __future__ import annotations

import csv
from pathlib import Path

import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from homeroom.contract.errors import ContractError
from homeroom.interop import ImportResult
from homeroom.interop.spreadsheet import import_spreadsheet, importer
from homeroom.interop.spreadsheet.fastread import fast_sheet
from homeroom.interop.spreadsheet.reading import read_sheet

HEADERS = ["Student ID", "School", "School Year", "Grade", "Last Name", "First Name",
           "Days Enrolled", "Days Absent", "Excused", "Unexcused", "Notes"]  # fmt: skip
VALUES = {
    "Student ID": ["1", "2", "3", " 4", ""],
    "School": ["Oak", "Elm ", ""],
    "School Year": ["2024-25", "2025", "", "x"],
    "Grade": ["K", "05", "12", "", "Z"],
    "Last Name": ["Núñez", "O'Neil", "Smith, Jr.", ""],
    "First Name": ["Zoë", "Al", ""],
    "Days Enrolled": ["180", "90.5", "0", "", "abc", "45291", " 170 "],
    "Days Absent": ["10", "2.25", "", "-1", "200", "2024-09-01"],
    "Excused": ["1", "0", "", "3.5"],
    "Unexcused": ["2", "", "0.12345"],
    "Notes": ["", "a, b", 'say "hi"', "\u00a0"],
}  # fmt: skip
TITLES = [[], ["Lincoln USD attendance"], ["School Year: 2024-25", ""], ["District: North"]]


@st.composite
def _sheet(draw: st.DrawFn) -> tuple[list[list[str]], list[list[str]]]:
    title = [[line] if line else [] for line in draw(st.sampled_from(TITLES))]
    rows = [
        [draw(st.sampled_from(VALUES[h])) for h in HEADERS] for _ in range(draw(st.integers(0, 25)))
    ]
    return title, rows


def _write(path: Path, title: list[list[str]], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows([*title, HEADERS, *rows])
    return path


def _as_lists(columns: dict) -> dict:
    return {name: list(values) for name, values in columns.items()}


def _frame(result: ImportResult, name: str) -> pd.DataFrame:
    frame = result.tables[name].reset_index(drop=True).astype(object)
    return frame.where(frame.notna(), None)


def _import(path: Path, monkeypatch: pytest.MonkeyPatch, *, exact: bool) -> ImportResult | str:
    with monkeypatch.context() as patch:
        if exact:
            patch.setattr(importer, "fast_sheet", lambda _path: None)
        try:
            return import_spreadsheet(path, school_year=2025)
        except ContractError as exc:
            return str(exc)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sheet=_sheet())
def test_generated_sheets_read_and_import_the_same(tmp_path_factory, monkeypatch, sheet):
    title, rows = sheet
    path = _write(tmp_path_factory.mktemp("sheet") / "students.csv", title, rows)
    fast, exact = fast_sheet(path), read_sheet(path)
    blank_row = any(not "".join(r).strip() for r in rows)
    if rows:  # the fast reader was used where it can be (an empty sheet: the exact one)
        assert (fast is None) == blank_row
    if fast is not None:
        assert _as_lists(fast.columns) == _as_lists(exact.columns)
        assert (fast.lines, fast.title, fast.header_line) == (
            exact.lines, exact.title, exact.header_line,
        )  # fmt: skip
        assert (fast.headers, fast.ignored_headers) == (exact.headers, exact.ignored_headers)
    quick = _import(path, monkeypatch, exact=False)
    slow = _import(path, monkeypatch, exact=True)
    if isinstance(slow, str) or isinstance(quick, str):
        assert quick == slow
        return
    for name in sorted({*slow.tables, *slow.stored}):
        pd.testing.assert_frame_equal(_frame(quick, name), _frame(slow, name), obj=name)
    assert quick.rejected_rows == slow.rejected_rows
    assert (quick.notes, quick.assumptions) == (slow.notes, slow.assumptions)
    assert (quick.mappings, quick.read) == (slow.mappings, slow.read)
