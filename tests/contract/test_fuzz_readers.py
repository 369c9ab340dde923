"""Fuzzing the canonical readers: random encodings, BOMs, quotes, line breaks, blank lines, cut-off
tails and random bytes in CSV, XLSX and Parquet files.

Every outcome is either a ContractError naming the file or a report in which every record is
accounted for: rows_read == rows_loaded + rows_rejected. For files whose structure was left
intact (only the encoding, line ends and blank lines changed), rows_read is also exactly the
number of non-empty records Python's csv module finds in the decoded text, and every loaded
value is one that was written (no mojibake).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import hypothesis.strategies as st
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings

from homeroom.contract import ContractError, ValidationReport, validate_dataset
from homeroom.definitions import load_definition

from .helpers import balanced, reasons, write

# Names that are valid in Windows-1252 but whose bytes there are never valid UTF-8, and others
# that only UTF-8 or UTF-16 can hold.
NAMES_1252 = ["Ada", "Zoë", "Peña", "“Ace”", "O’Neil", "Renée Ø", "Ben", ""]
NAMES_WIDE = ["李", "Ωmega", "emoji 🙂"]
QUOTED = ['say "hi"', "two\nlines", "comma, inside", "three\r\nCRLF\nlines"]
IDS = ["001", "002", "003", "004", " 002 ", ""]
SEXES = ["F", "M", "X", "q", ""]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"]
DEFINITION = load_definition()


@st.composite
def student_rows(draw: st.DrawFn, encoding: str) -> list[list[str]]:
    """Rows whose every name the encoding can hold."""
    wide = NAMES_WIDE if encoding.startswith("utf") else []
    usable = [
        n for n in NAMES_1252 + wide + QUOTED if n == n.encode(encoding, "ignore").decode(encoding)
    ]
    names = st.sampled_from(usable)
    return [
        [draw(st.sampled_from(IDS)), draw(names), draw(names), draw(st.sampled_from(SEXES))]
        for _ in range(draw(st.integers(0, 12)))
    ]


def as_csv(rows: list[list[str]], line_end: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerow(["student_id", "first_name", "last_name", "sex"])
    writer.writerows(rows)
    return out.getvalue()


def records(text: str) -> int:
    """Non-empty records after the header, as Python's csv module splits the text."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    return sum(1 for record in reader if record)


def with_blank_lines(text: str, where: list[int], line_end: str) -> str:
    """Blank lines (empty, or a few spaces) inserted after some record ends, never at the top."""
    out, records_seen = [], 0
    reader_lines = io.StringIO(text, newline="").readlines()
    # Only line ends outside quotes are record ends; track quote parity line by line.
    quotes = 0
    for line in reader_lines:
        out.append(line)
        quotes += line.count('"')
        if quotes % 2 == 0:
            records_seen += 1
            for _ in range(where.count(records_seen)):
                out.append(line_end)
    return "".join(out)


def validate(folder: Path) -> ValidationReport:
    return validate_dataset(folder, duckdb.connect(), definition=DEFINITION)


def outcome(folder: Path, file: str) -> ValidationReport | None:
    """The report, or None after a ContractError that names the file; anything else fails."""
    try:
        report = validate(folder)
    except ContractError as exc:
        assert file in str(exc), str(exc)
        return None
    assert balanced(report)
    return report


def fresh_folder() -> Path:
    return write(Path(tempfile.mkdtemp(prefix="homeroom-fuzz-")))


# ------------------------------------------------------------------------------ CSV, intact
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_csv_encodings_line_ends_and_blank_lines_lose_nothing(data: st.DataObject) -> None:
    encoding = data.draw(st.sampled_from(ENCODINGS), label="encoding")
    rows = data.draw(student_rows(encoding), label="rows")
    line_end = data.draw(st.sampled_from(["\n", "\r\n", "\r"]), label="line end")
    blanks = data.draw(st.lists(st.integers(1, 13), max_size=4), label="blank lines after")
    text = with_blank_lines(as_csv(rows, line_end), blanks, line_end)
    folder = fresh_folder()
    try:
        (folder / "students.csv").write_bytes(text.encode(encoding))
        con = duckdb.connect()
        report = validate_dataset(folder, con, definition=DEFINITION)
        assert balanced(report)
        assert report.rows_read["students"] == records(text)
        written = {(r[0].strip(), r[1].replace("\r\n", "\n")) for r in rows}
        loaded = con.execute("SELECT student_id, coalesce(first_name, '') FROM students").fetchall()
        assert {(i, n.replace("\r\n", "\n")) for i, n in loaded} <= written
    finally:
        shutil.rmtree(folder)


# ------------------------------------------------------------------------------ CSV, damaged
def corrupt(data: bytes, draw: st.DrawFn) -> bytes:
    for _ in range(draw(st.integers(1, 4), label="damages")):
        kind = draw(
            st.sampled_from(
                ["bom", "quote", "newline", "cr", "bytes", "truncate", "cp1252", "nul"]
            ),
            label="damage",
        )
        at = draw(st.integers(0, len(data)), label="at")
        if kind == "truncate":
            data = data[:at]
            continue
        insert = {
            "bom": codecs.BOM_UTF8,
            "quote": b'"',
            "newline": b"\n",
            "cr": b"\r",
            "nul": b"\x00",
            "cp1252": "é’".encode("cp1252"),
            "bytes": draw(st.binary(min_size=1, max_size=6), label="bytes"),
        }[kind]
        data = data[:at] + insert + data[at:]
    return data


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_damaged_csv_is_an_error_naming_the_file_or_fully_accounted_for(
    data: st.DataObject,
) -> None:
    table = data.draw(st.sampled_from(["students", "attendance"]), label="table")
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    if table == "students":
        text = as_csv(data.draw(student_rows(encoding)), "\n")
    else:
        row = st.tuples(st.integers(1, 3), st.integers(1, 2), st.integers(2, 9), st.booleans())
        text = "student_id,school_id,date,category\n" + "".join(
            f"00{s},S{k},2024-09-0{d},{'tardy' if ok else 'x'}\n"
            for s, k, d, ok in data.draw(st.lists(row, max_size=10), label="rows")
        )
    damaged = corrupt(text.encode(encoding), data.draw)
    folder = fresh_folder()
    try:
        (folder / f"{table}.csv").write_bytes(damaged)
        report = outcome(folder, f"{table}.csv")
        if report is not None:
            physical = len(damaged.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n"))
            assert report.rows_read[table] <= physical
            lines = report.quarantine[report.quarantine["table"] == table]["line"]
            assert lines.between(2, physical).all()
    finally:
        shutil.rmtree(folder)


# ------------------------------------------------------------------------------ XLSX
CELLS = st.one_of(
    # Not "=A1": openpyxl writes it as a formula with no value, which reads as an empty cell.
    st.sampled_from(["001", "002", "003", "", "  ", "Zoë", "李", "#N/A"]),
    st.integers(-5, 100_000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from([1.0, 2.0, 3.0, 45538, True, None]),
    st.datetimes(min_value=dt.datetime(1950, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 1, 1)),
)


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_xlsx_with_odd_cells_empty_rows_and_damage(data: st.DataObject) -> None:
    header = ["student_id", "first_name", "birth_date", "sex"]
    rows = data.draw(st.lists(st.lists(CELLS, min_size=0, max_size=5), max_size=10))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "students"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if data.draw(st.booleans(), label="extra sheet"):
        book.create_sheet("Notes").append(["not a table"])
    out = io.BytesIO()
    book.save(out)
    content = out.getvalue()
    damaged = data.draw(st.booleans(), label="damaged")
    if damaged:
        content = corrupt(content, data.draw)
    folder = fresh_folder()
    try:
        (folder / "students.csv").unlink()
        (folder / "students.xlsx").write_bytes(content)
        report = outcome(folder, "students.xlsx")
        if not damaged:
            assert report is not None
            filled = [r for r in rows if any(v is not None and str(v).strip() for v in r)]
            assert report.rows_read["students"] == len(filled)
    finally:
        shutil.rmtree(folder)


# ------------------------------------------------------------------------------ Parquet
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_parquet_with_odd_types_and_damage(data: st.DataObject) -> None:
    count = data.draw(st.integers(0, 6), label="rows")
    kinds = {
        "text": pa.array(["2024-09-03"] * count),
        "int": pa.array([45538] * count, pa.int64()),
        "timestamp": pa.array([dt.datetime(2024, 9, 3, 0, 0)] * count, pa.timestamp("ms")),
        "null": pa.nulls(count),
        "bytes": pa.array([b"2024-09-05"] * count, pa.binary()),
    }
    columns = {
        "student_id": pa.array(["001"] * count),
        "school_id": pa.array(["S1"] * count),
        "date": kinds[data.draw(st.sampled_from(sorted(kinds)), label="date type")],
        "category": pa.array(["tardy"] * count),
    }
    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    content = out.getvalue()
    damaged = data.draw(st.booleans(), label="damaged")
    if damaged:
        content = corrupt(content, data.draw)
    folder = fresh_folder()
    try:
        (folder / "attendance.csv").unlink()
        (folder / "attendance.parquet").write_bytes(content)
        report = outcome(folder, "attendance.parquet")
        if not damaged:
            assert report is not None and report.rows_read["attendance"] == count
    finally:
        shutil.rmtree(folder)


# ------------------------------------------------------------------------------ 1e6 rows
@pytest.mark.slow
def test_a_million_row_csv_with_scattered_bad_rows(tmp_path: Path) -> None:
    """1,000,000 calendar rows with bad ones at known lines: exact counts, exact lines."""
    folder = write(tmp_path / "data")
    base = (folder / "calendar.csv").read_text(encoding="utf-8").splitlines()
    lines = [base[0].replace("instructional", "instructional,note"), *(b + ",é" for b in base[1:])]
    day0 = dt.date(2024, 1, 1)
    expected: dict[int, str] = {}
    total = 1_000_000
    physical = len(lines)  # lines so far; a quoted line break makes a record take two
    odd_line = 0
    for i in range(total - len(base) + 1):
        line = physical + 1
        calendar, day = f"K{i // 730:04d}", day0 + dt.timedelta(days=i % 730)
        if i % 100_003 == 5:
            record = f"{calendar},2025,{day:%Y-%m}-32,true,"
            expected[line] = f"date is not a date (YYYY-MM-DD): '{day:%Y-%m}-32'"
        elif i % 150_001 == 7:
            record = f"{calendar},2025,{day}"
            expected[line] = "line has fewer fields than the header"
        elif i % 200_003 == 11:
            serial = 45538 + i % 700
            record = f"{calendar},2025,{serial},true,"
            expected[line] = (
                f"date is not a date (YYYY-MM-DD): '{serial}' (an Excel date serial? it would "
                f"be {dt.date(1899, 12, 30) + dt.timedelta(days=serial)}; convert it to YYYY-MM-DD)"
            )
        elif i % 250_007 == 13:
            lines.append("")  # a blank line: not a record
            record = f'{calendar},2025,{day},false,"a note\nover two lines"'
        elif i == 73_001:  # one line in another encoding, written below
            record = f"{calendar},2025,{day},true,\udcd1"
            odd_line = line
            expected[line] = (
                "line is not UTF-8 text (byte 0xD1 at column 28; the rest of the file is UTF-8)"
            )
        else:
            record = f"{calendar},2025,{day},{'true' if i % 7 else 'false'},"
        lines.append(record)
        physical += 1 + record.count("\n") + (i % 250_007 == 13)
    data = ("\n".join(lines) + "\n").encode("utf-8", errors="surrogateescape")
    assert odd_line and data.count(b"\n") == physical
    (folder / "calendar.csv").write_bytes(data)
    started = time.perf_counter()
    report = validate(folder)
    seconds = time.perf_counter() - started
    records = sum(1 for line in lines[1:] if line)
    assert report.rows_read["calendar"] == records
    assert reasons(report, "calendar") == expected
    assert report.rows_rejected["calendar"] == len(expected)
    assert report.rows_loaded["calendar"] == records - len(expected)
    assert balanced(report)
    print(f"1e6-row calendar.csv validated in {seconds:.1f} s")
