"""Malformed spreadsheets: a clear error or rejected rows, never a crash or a silent drop."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from homeroom.contract.errors import ContractError
from homeroom.interop.spreadsheet import import_spreadsheet

HEADER = ["Student ID", "Name", "School", "Grade", "Days Enrolled", "Days Absent", "Excused"]
NAMES = ["José Núñez", 'Ann "Red" Lee', "O'Neil,\nSam", "Zoë", "Smith, Jo"]
NUMBERS = st.one_of(
    st.integers(0, 200).map(str),
    st.sampled_from(["12.5", "0.25", "-3", "abc", "", " ", "45291", "2025-06-01", "1e3", "7,5"]),
    st.floats(0, 300).map(repr),
    st.sampled_from(["nan", "inf", "-inf"]),
)
ROW = st.tuples(
    st.sampled_from(["1", "002", "", "3", "4"]),
    st.sampled_from(NAMES),
    st.sampled_from(["North", "South", ""]),
    st.sampled_from(["K", "3", "13", "", "Grade 5"]),
    NUMBERS,
    NUMBERS,
    NUMBERS,
)
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le"]


def _csv(rows: list[tuple[str, ...]], blank_every: int, newline: str) -> str:
    def quoted(value: str) -> str:
        if any(c in value for c in ',"\n'):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [",".join(HEADER)]
    for index, row in enumerate(rows):
        if blank_every and index % blank_every == 0:
            lines.append("")
        lines.append(",".join(quoted(v) for v in row))
    return newline.join(lines) + newline


def _check(path: Path, expected_records: int | None) -> None:
    try:
        result = import_spreadsheet(path, school_year=2025)
    except ContractError as exc:
        message = str(exc)
        assert path.name in message or "school-year" in message
        assert not any(name.split(",")[0] in message for name in NAMES)
        return
    records = result.read[0].records
    if expected_records is not None:
        assert records == expected_records
    imported = len(result.tables["enrollments"])
    assert imported + len(result.rejected_rows) == records
    for table, file, line, _column, reason in result.rejected_rows:
        assert (table, file) == ("enrollments", path.name) and line >= 2 and reason
        assert not any(name.split(",")[0] in reason for name in NAMES)
    if imported:
        # Every kept row's absences are all there: attendance adds up to the rows' totals.
        attendance = result.tables["attendance"]
        fractions = pd.to_numeric(attendance["absent_fraction"])
        absences = attendance["category"] != "present"  # present: the year's last day, marked
        assert fractions[absences].between(0, 1, inclusive="right").all()
        assert (fractions[~absences] == 0).all()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(ROW, min_size=0, max_size=12),
    encoding=st.sampled_from(ENCODINGS),
    blank_every=st.integers(0, 4),
    newline=st.sampled_from(["\n", "\r\n"]),
    cut=st.one_of(st.none(), st.integers(1, 400)),
)
def test_malformed_csv_is_an_error_or_rejects(tmp_path, rows, encoding, blank_every, newline, cut):
    text = _csv(rows, blank_every, newline)
    data = text.encode(encoding, errors="replace")
    if cut is not None:
        data = data[: min(cut, len(data))]  # a truncated download
    path = tmp_path / "tracker.csv"
    path.write_bytes(data)
    complete = cut is None and encoding != "utf-16-le"
    _check(path, len(rows) if complete else None)


CELLS = st.one_of(
    st.none(),
    st.integers(-5, 400),
    st.floats(-1, 300, allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "n/a", "12", "ten", "1/2/2025", "=SUM(A1)", "TRUE"]),
    st.booleans(),
    st.just(dt.datetime(2025, 6, 1)),
    st.just(dt.date(2024, 9, 3)),
    st.just(dt.time(8, 30)),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["1", 2, None, 3.0]), CELLS, CELLS, CELLS), max_size=10
    ),
    title_rows=st.integers(0, 3),
)
def test_malformed_xlsx_is_an_error_or_rejects(tmp_path, rows, title_rows):
    book = openpyxl.Workbook()
    sheet = book.active
    for index in range(title_rows):
        sheet.append([f"Tracker line {index}"])
    sheet.append(["Student ID", "School", "Days Enrolled", "Days Absent", "Unexcused"])
    records = 0
    for student, enrolled, absent, unexcused in rows:
        cells = [student, "North", enrolled, absent, unexcused]
        sheet.append(cells)
        records += any(v is not None and str(v).strip() != "" for v in cells)
    path = tmp_path / "tracker.xlsx"
    book.save(path)
    _check(path, records)


def test_truncated_xlsx_is_a_clear_error(tmp_path):
    source = Path(__file__).parent / "fixtures" / "tracker.xlsx"
    path = tmp_path / "cut.xlsx"
    path.write_bytes(source.read_bytes()[:3000])
    with pytest.raises(ContractError, match="cut.xlsx cannot be opened as an .xlsx workbook"):
        import_spreadsheet(path)


def test_utf16_without_its_mark_is_read_and_said(tmp_path):
    # The same rule as the canonical CSV reader: ASCII text with every other byte zero is UTF-16.
    path = tmp_path / "u16.csv"
    path.write_bytes("Student ID,School,Days Enrolled,Days Absent\n1,A,10,1\n".encode("utf-16-le"))
    result = import_spreadsheet(path, school_year=2025)
    assert result.tables["enrollments"]["student_id"].tolist() == ["1"]
    assert any("u16.csv: UTF-16 text, read as such" in n for n in result.notes)


def test_binary_bytes_are_a_clear_error(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\x00\x01\x02garbage\x00" * 3)
    with pytest.raises(ContractError, match="bin.csv: holds NUL characters"):
        import_spreadsheet(path, school_year=2025)


def test_cp1252_names_are_read_and_the_assumption_said(tmp_path):
    path = tmp_path / "win.csv"
    path.write_bytes(
        "Student ID,Last Name,School,Grade,Days Enrolled,Days Absent\n1,Núñez,A,3,10,1\n".encode(
            "cp1252"
        )
    )
    result = import_spreadsheet(path, school_year=2025)
    assert result.tables["students"]["last_name"].tolist() == ["Núñez"]
    assert any("read as Windows-1252" in a for a in result.assumptions)


def test_a_line_not_utf8_in_a_utf8_file_is_rejected_not_guessed(tmp_path):
    path = tmp_path / "mixed.csv"
    head = "Student ID,Last Name,School,Grade,Days Enrolled,Days Absent\n1,Zoë,A,3,10,1\n"
    path.write_bytes(head.encode() + "2,Núñez,A,3,10,2\n".encode("cp1252"))
    result = import_spreadsheet(path, school_year=2025)
    assert result.tables["students"]["last_name"].tolist() == ["Zoë"]
    assert result.rejected_rows == [
        (
            "enrollments",
            "mixed.csv",
            3,
            "",
            "malformed line: not UTF-8 text (byte 0xFA at column 4; the rest of the file is UTF-8)",
        )
    ]


@pytest.mark.slow
def test_a_million_rows(tmp_path):
    n = 1_000_000
    rng = np.random.default_rng(5)
    enrolled = rng.integers(150, 181, n)
    absent = rng.integers(0, 6, n)
    frame = pd.DataFrame(
        {
            "Student ID": np.char.add("S", np.arange(n).astype(str)),
            "School": np.char.add("School ", (np.arange(n) % 50).astype(str)),
            "Grade": (np.arange(n) % 12 + 1).astype(str),
            "Days Enrolled": enrolled.astype(str),
            "Days Absent": absent.astype(str),
        }
    )
    bad = np.arange(0, n, 1000)  # one row in a thousand has text in a count
    frame.loc[bad, "Days Absent"] = "n/a"
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    started = time.perf_counter()
    result = import_spreadsheet(path, school_year=2025)
    seconds = time.perf_counter() - started
    assert result.read[0].records == n
    assert len(result.rejected_rows) == len(bad)
    assert len(result.tables["enrollments"]) == n - len(bad)
    kept = np.ones(n, bool)
    kept[bad] = False
    absences = result.tables["attendance"]["category"] != "present"
    assert int(absences.sum()) == int(absent[kept].sum())
    print(f"1e6-row spreadsheet imported in {seconds:.1f} s")


def test_a_semicolon_sheet_with_a_comma_in_a_quoted_name_is_read(tmp_path):
    """One delimiter rule for every reader (issue 12.12): the comma in "Smith, John" is data."""
    path = tmp_path / "attendance.csv"
    lines = [
        ";".join(HEADER),
        '1;"Smith, John";North;3;170;12;4',
        '2;"Lee, Ann";North;4;170;2;0',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_spreadsheet(path, school_year=2025)
    students = result.tables["students"].set_index("student_id")
    assert len(students) == 2
    assert result.rejected.empty
