"""Malformed dataset files: each gives a clear error naming the file (and line), or quarantine
rows with line, column and reason, and rows_read == rows_loaded + rows_rejected. Never a crash.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from homeroom.contract import ContractError, ValidationReport

from .helpers import balanced, reasons, rows, run, text, write

STUDENTS = "student_id,first_name,last_name,sex\n001,{name},One,F\n002,Ben,Two,M\n003,Cy,Three,X\n"
ATTENDANCE_HEADER = "student_id,school_id,date,category\n"


def folder_with(tmp_path: Path, file: str, data: bytes) -> Path:
    """The small district of helpers.BASE with one table given as raw bytes in `file`."""
    folder = write(tmp_path / "data")
    (folder / f"{Path(file).stem}.csv").unlink()
    (folder / file).write_bytes(data)
    return folder


def checked(folder: Path) -> tuple[ValidationReport, duckdb.DuckDBPyConnection]:
    report, con = run(folder)
    assert balanced(report)
    return report, con


def first_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in rows(con, "SELECT first_name FROM students ORDER BY student_id")]


def refused(folder: Path) -> str:
    with pytest.raises(ContractError) as caught:
        run(folder)
    return str(caught.value)


# ------------------------------------------------------------------------------ encodings
@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_a_windows_1252_file_is_read_as_such_with_a_note(tmp_path: Path, encoding: str) -> None:
    name = "Zoë Peña" if encoding == "latin-1" else "Zoë “Peña”"
    report, con = checked(
        folder_with(tmp_path, "students.csv", STUDENTS.format(name=name).encode(encoding))
    )
    assert first_names(con) == [name, "Ben", "Cy"]
    assert report.rows_read["students"] == report.rows_loaded["students"] == 3
    assert any(
        n.startswith("students.csv: not UTF-8 text; read as Windows-1252")
        and n.endswith("curly quotes): 1. Save it as CSV UTF-8 to be sure they read as meant")
        for n in report.notes
    )


def test_a_windows_1252_letter_far_past_the_first_64_kib_is_read_the_same(tmp_path: Path) -> None:
    # The first 64 KiB are plain ASCII; only DuckDB's reject of line 4,005 shows the encoding.
    students = STUDENTS.format(name="Ada") + "".join(f"9{i:05d},Pad,Row,F\n" for i in range(4000))
    data = students.encode() + "004,Zoë,Four,F\n".encode("cp1252")
    report, con = checked(folder_with(tmp_path, "students.csv", data))
    assert rows(con, "SELECT count(*) FROM students") == [(3,)]
    assert report.rows_read["students"] == 4004
    assert "line" not in " ".join(reasons(report, "students").values()).replace(
        "the student has no valid enrollment (no stay passed the checks)", ""
    )
    assert any("read as Windows-1252" in n for n in report.notes)


@pytest.mark.parametrize(
    ("encoding", "prefix", "note"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16 text (it has a byte-order mark)"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16 text (it has a byte-order mark)"),
        ("utf-16-le", b"", "UTF-16 text, read as such"),
        ("utf-16-be", b"", "UTF-16 text, read as such"),
        ("utf-32-le", codecs.BOM_UTF32_LE, "UTF-32 text (it has a byte-order mark)"),
    ],
    ids=["utf16le-bom", "utf16be-bom", "utf16le-no-bom", "utf16be-no-bom", "utf32-bom"],
)
def test_utf16_and_utf32_files_are_decoded(
    tmp_path: Path, encoding: str, prefix: bytes, note: str
) -> None:
    data = prefix + STUDENTS.format(name="Zoë").replace("\n", "\r\n").encode(encoding)
    report, con = checked(folder_with(tmp_path, "students.csv", data))
    assert first_names(con) == ["Zoë", "Ben", "Cy"]
    assert any(n.startswith(f"students.csv: {note}") for n in report.notes)


def test_utf16_lines_keep_their_numbers(tmp_path: Path) -> None:
    attendance = ATTENDANCE_HEADER + "\n001,S1,2024-09-03,unexcused\n001,S1,2024-09-31,excused\n"
    data = codecs.BOM_UTF16_LE + attendance.encode("utf-16-le")
    report, _ = checked(folder_with(tmp_path, "attendance.csv", data))
    assert reasons(report, "attendance") == {4: "date is not a date (YYYY-MM-DD): '2024-09-31'"}


def test_a_utf16_file_cut_off_mid_character_is_an_error_naming_the_line(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + STUDENTS.format(name="Ada").encode("utf-16-le")
    message = refused(folder_with(tmp_path, "students.csv", data[:-1]))
    assert message == (
        "table students, file students.csv: the file reads as UTF-16 text but stops being "
        "that on line 4 (cut off or damaged); save it again as CSV UTF-8"
    )


def test_utf8_with_a_byte_order_mark(tmp_path: Path) -> None:
    data = codecs.BOM_UTF8 + STUDENTS.format(name="Zoë").encode()
    report, con = checked(folder_with(tmp_path, "students.csv", data))
    assert first_names(con) == ["Zoë", "Ben", "Cy"]
    assert report.quarantined == 0


def test_mixed_encodings_quarantine_the_line_that_is_not_utf8(tmp_path: Path) -> None:
    data = (
        b"student_id,first_name,last_name,sex\n"
        + "001,Zoë,One,F\n".encode()
        + "002,Peña,Two,M\n".encode("cp1252")
        + b"003,Cy,Three,X\n"
    )
    report, con = checked(folder_with(tmp_path, "students.csv", data))
    assert first_names(con) == ["Zoë", "Cy"]
    assert reasons(report, "students") == {
        3: "line is not UTF-8 text (byte 0xF1 at column 7; the rest of the file is UTF-8)"
    }
    assert report.rows_read["students"] == 3 and report.rows_rejected["students"] == 1


def test_a_header_that_is_not_utf8_in_a_mixed_file_is_an_error_naming_line_and_column(
    tmp_path: Path,
) -> None:
    data = "student_id,first_name,last_name,sex,née\n".encode("cp1252") + "001,Zoë,O,F,\n".encode()
    message = refused(folder_with(tmp_path, "students.csv", data))
    assert message == (
        "table students, file students.csv: line 1 (the header) is not UTF-8 text "
        "(byte 0xE9 at column 38); save the file as CSV UTF-8"
    )


def test_a_nul_byte_in_a_field_quarantines_its_line(tmp_path: Path) -> None:
    data = (
        b"student_id,first_name,last_name,sex\n001,A\x00da,One,F\n002,Ben,Two,M\n003,Cy,Three,X\n"
    )
    report, con = checked(folder_with(tmp_path, "students.csv", data))
    assert first_names(con) == ["Ben", "Cy"]
    assert reasons(report, "students") == {
        2: "line holds a NUL byte at column 6 (the file is damaged, or is not UTF-8 text)"
    }


def test_a_line_of_nul_bytes_is_a_malformed_line(tmp_path: Path) -> None:
    data = b"student_id,first_name,last_name,sex\n001,Ada,One,F\n\x00\x00\x00\n002,Ben,Two,M\n"
    data += b"003,Cy,Three,X\n"
    report, _ = checked(folder_with(tmp_path, "students.csv", data))
    assert reasons(report, "students") == {3: "line has fewer fields than the header"}
    assert report.rows_read["students"] == 4


def test_a_header_with_a_nul_byte_is_an_error(tmp_path: Path) -> None:
    data = b"student_id,first\x00name\n001,Ada\n"
    message = refused(folder_with(tmp_path, "students.csv", data))
    assert message.startswith("table students, file students.csv: line 1 (the header) holds a NUL")


# ------------------------------------------------------------------------------ line ends
def test_crlf_line_ends(tmp_path: Path) -> None:
    data = STUDENTS.format(name='"Ada\nMarie"').replace("\n", "\r\n").encode()
    report, con = checked(folder_with(tmp_path, "students.csv", data))
    assert first_names(con) == ["Ada\r\nMarie", "Ben", "Cy"]
    assert report.quarantined == 0


def test_lone_cr_line_ends_of_old_mac_files(tmp_path: Path) -> None:
    attendance = ATTENDANCE_HEADER + "001,S1,2024-09-03,unexcused\r001,S1,2024-09-31,excused\r"
    report, con = checked(
        folder_with(tmp_path, "attendance.csv", attendance.replace("\n", "\r").encode())
    )
    assert rows(con, "SELECT date FROM attendance") == [(dt.date(2024, 9, 3),)]
    assert reasons(report, "attendance") == {3: "date is not a date (YYYY-MM-DD): '2024-09-31'"}
    assert (
        "attendance.csv: lines ending in a lone carriage return (CR, as old Mac files do), each "
        "read as a line end: 3" in report.notes
    )


def test_a_stray_cr_in_an_lf_file_ends_a_line(tmp_path: Path) -> None:
    data = b"student_id,first_name,last_name,sex\n001,Ada,One,F\n002,Ben\rX,Two,M\n003,Cy,Three,X\n"
    report, con = checked(folder_with(tmp_path, "students.csv", data))
    assert first_names(con) == ["Ada", "Cy"]
    assert reasons(report, "students") == {
        3: "line has fewer fields than the header",
        4: "line has fewer fields than the header",
    }
    assert report.rows_read["students"] == 4


def test_quoted_fields_with_line_breaks_keep_later_line_numbers(tmp_path: Path) -> None:
    attendance = (
        "student_id,school_id,date,category,code\n"
        '001,S1,2024-09-03,unexcused,"two\nlines"\r\n'
        '002,S2,2024-09-05,excused,"three\r\nCRLF\nlines"\r\n'
        "003,S2,2024-09-31,tardy,\n"
    )
    report, con = checked(folder_with(tmp_path, "attendance.csv", attendance.encode()))
    assert rows(con, "SELECT code FROM attendance ORDER BY student_id") == [
        ("two\nlines",),
        ("three\nCRLF\nlines",),  # a file of mixed line ends is read with LF throughout
    ]
    assert reasons(report, "attendance") == {7: "date is not a date (YYYY-MM-DD): '2024-09-31'"}


def test_an_unterminated_quote_at_the_end_of_the_file(tmp_path: Path) -> None:
    data = b'student_id,first_name,last_name,sex\n001,Ada,One,F\n002,Ben,Two,M\n003,"Cy,Three,X\n'
    report, con = checked(folder_with(tmp_path, "students.csv", data))
    assert first_names(con) == ["Ada", "Ben"]
    assert reasons(report, "students") == {
        4: "line has a quote in the wrong place (a quoted field must be all quoted)"
    }


def test_a_file_cut_off_in_the_middle_of_a_line(tmp_path: Path) -> None:
    data = b"student_id,first_name,last_name,sex\n001,Ada,One,F\n002,Ben,Two,M\n003,Cy,Thr"
    report, con = checked(folder_with(tmp_path, "students.csv", data))
    assert first_names(con) == ["Ada", "Ben"]
    assert reasons(report, "students") == {4: "line has fewer fields than the header"}


def test_ragged_rows(tmp_path: Path) -> None:
    data = (
        b"student_id,first_name,last_name,sex\n001,Ada\n002,Ben,Two,M,extra,more\n003,Cy,Three,X\n"
    )
    report, con = checked(folder_with(tmp_path, "students.csv", data))
    assert first_names(con) == ["Cy"]
    assert reasons(report, "students") == {
        2: "line has fewer fields than the header",
        3: "line has more fields than the header",
    }


def test_a_line_too_long_for_the_reader(tmp_path: Path) -> None:
    data = b"student_id,first_name,last_name,sex\n001,Ada,One,F\n002," + b"B" * 3_000_000
    data += b",Two,M\n003,Cy,Three,X\n"
    report, _ = checked(folder_with(tmp_path, "students.csv", data))
    assert reasons(report, "students") == {3: "line is too long (an unclosed quote?)"}


# ------------------------------------------------------------------------------ blank lines
def test_blank_lines_in_the_middle_and_end_are_not_records(tmp_path: Path) -> None:
    data = (
        b"student_id,first_name,last_name,sex\n\n001,Ada,One,F\n   \n002,Ben,Two,M\n\t\n"
        b",,,\n003,Cy,Three,X\n\n\n"
    )
    report, con = checked(folder_with(tmp_path, "students.csv", data))
    assert first_names(con) == ["Ada", "Ben", "Cy"]
    # Empty lines are not records; a line of spaces is one the reader cannot split, and a line
    # of empty fields is a record with an empty id.
    assert reasons(report, "students") == {
        4: "line is blank but for spaces or tabs",
        6: "line is blank but for spaces or tabs",
        7: "student_id is empty",
    }
    assert report.rows_read["students"] == 6


def test_blank_lines_before_the_header_are_an_error(tmp_path: Path) -> None:
    data = b"\n \nstudent_id,first_name,last_name,sex\n001,Ada,One,F\n"
    assert refused(folder_with(tmp_path, "students.csv", data)) == (
        "table students, file students.csv: line 1 is blank; the header (the column names) "
        "must be the first line: delete the 2 blank lines above line 3"
    )


def test_a_file_of_blank_lines_is_an_error(tmp_path: Path) -> None:
    assert refused(folder_with(tmp_path, "attendance.csv", b"  \n\n")) == (
        "table attendance, file attendance.csv: the file holds only blank lines; expected a "
        "header line naming the columns"
    )


def test_a_header_only_file_is_an_empty_table(tmp_path: Path) -> None:
    report, _ = checked(folder_with(tmp_path, "attendance.csv", ATTENDANCE_HEADER.strip().encode()))
    assert report.rows_read["attendance"] == report.rows_loaded["attendance"] == 0


def test_an_empty_file_is_an_error(tmp_path: Path) -> None:
    assert refused(folder_with(tmp_path, "attendance.csv", b"")) == (
        "table attendance, file attendance.csv: the file is empty (0 bytes); expected a header "
        "line naming the columns"
    )


# ------------------------------------------------------------------------------ headers
def test_duplicate_header_names(tmp_path: Path) -> None:
    data = b"student_id,school_id,date,category,Date \n001,S1,2024-09-03,unexcused,x\n"
    assert refused(folder_with(tmp_path, "attendance.csv", data)) == (
        "table attendance, file attendance.csv: column date appears twice"
    )


def test_headers_with_spaces_case_and_byte_order_marks(tmp_path: Path) -> None:
    bom = codecs.BOM_UTF8
    data = (
        bom
        + bom
        + b'" Student_ID ",SCHOOL_ID,Date ,\xef\xbb\xbfCategory\n001,S1,2024-09-03,unexcused\n'
    )
    report, con = checked(folder_with(tmp_path, "attendance.csv", data))
    assert rows(con, "SELECT student_id, category FROM attendance") == [("001", "unexcused")]


def test_a_byte_order_mark_in_the_middle_of_the_file_quarantines_its_line(tmp_path: Path) -> None:
    data = STUDENTS.format(name="Ada").encode() + codecs.BOM_UTF8 + b"004,Di,Four,F\n"
    report, _ = checked(folder_with(tmp_path, "students.csv", data))
    assert reasons(report, "students") == {
        5: "line holds a byte-order mark (U+FEFF) at column 1: two files pasted together?"
    }


def test_a_header_with_an_unclosed_quote_is_an_error_that_quotes_no_data(tmp_path: Path) -> None:
    data = b'"student_id,first_name,last_name,sex\n001,Ada,One,F\n'
    message = refused(folder_with(tmp_path, "students.csv", data))
    assert message == (
        "table students, file students.csv: line 1 (the header) has a quote that is not closed "
        "on that line"
    )


def test_a_file_without_a_header_is_an_error_that_quotes_no_data(tmp_path: Path) -> None:
    message = refused(folder_with(tmp_path, "students.csv", b"001,Ada,One,F\n002,Ben,Two,M\n"))
    assert message == (
        "table students, file students.csv: line 1 is not a header: none of its 4 fields names "
        "a column of students (expected student_id, …); the first line must name the columns"
    )
    assert "Ada" not in message and "001" not in message


# ------------------------------------------------------------------------------ values
def test_excel_date_serials_are_quarantined_with_the_date_they_would_be(tmp_path: Path) -> None:
    attendance = ATTENDANCE_HEADER + "001,S1,45538,unexcused\n002,S2,45540.0,excused\n"
    report, _ = checked(folder_with(tmp_path, "attendance.csv", attendance.encode()))
    serial = "(an Excel date serial? it would be {}; convert it to YYYY-MM-DD)"
    assert reasons(report, "attendance") == {
        2: f"date is not a date (YYYY-MM-DD): '45538' {serial.format('2024-09-03')}",
        3: f"date is not a date (YYYY-MM-DD): '45540.0' {serial.format('2024-09-05')}",
    }


def test_excel_style_dates_midnight_is_a_date_other_times_and_us_dates_are_not(
    tmp_path: Path,
) -> None:
    attendance = ATTENDANCE_HEADER + (
        "001,S1,2024-09-03 00:00:00,unexcused\n"
        "002,S2,2024-09-05T00:00:00.000,excused\n"
        "003,S2,2024-09-06 13:30:00,tardy\n"
        "003,S2,9/6/2024,tardy\n"
    )
    report, con = checked(folder_with(tmp_path, "attendance.csv", attendance.encode()))
    assert rows(con, "SELECT student_id, date FROM attendance ORDER BY 1") == [
        ("001", dt.date(2024, 9, 3)),
        ("002", dt.date(2024, 9, 5)),
    ]
    assert reasons(report, "attendance") == {
        4: "date is not a date (YYYY-MM-DD): '2024-09-06 13:30:00' (a date with a time of day; "
        "give the date only)",
        5: "date is not a date (YYYY-MM-DD): '9/6/2024'",
    }


def test_whole_numbers_written_with_a_decimal_point(tmp_path: Path) -> None:
    enrollments = text(
        """
        student_id,school_id,school_year,grade_level,entry_date,exit_date
        001,S1,2025.0,KG,2024-09-02,
        002,S1,2025,01,2024-09-02,2024-09-04
        002,S2,2025,01,2024-09-05,
        003,S2,2025.5,02,2024-09-02,
        """
    )
    attendance = "student_id,school_id,date,category,minutes_absent\n001,S1,2024-09-03,tardy,30.0\n"
    folder = write(tmp_path / "data", enrollments=enrollments, attendance=attendance)
    report, con = checked(folder)
    assert rows(con, "SELECT student_id, school_year FROM enrollments ORDER BY 1, 2") == [
        ("001", 2025),
        ("002", 2025),
        ("002", 2025),
    ]
    assert reasons(report, "enrollments") == {
        5: "school_year is not a school year (e.g. 2025 for 2024-25): '2025.5'"
    }
    # 30 of S1's 360 minutes, in units of lcm(10,000, 360) = 90,000 a day.
    assert rows(con, "SELECT absent_units FROM attendance") == [(7_500,)]


# ------------------------------------------------------------------------------ xlsx
def workbook(rows_: list[list], title: str = "students", more=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows_:
        sheet.append(row)
    if more:
        more(book, sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ["student_id", "first_name", "last_name", "sex"]


def test_xlsx_number_ids_read_without_a_decimal_point(tmp_path: Path) -> None:
    enrollments = text(
        """
        student_id,school_id,school_year,grade_level,entry_date,exit_date
        1001,S1,2025,KG,2024-09-02,
        1002,S2,2025,01,2024-09-02,
        """
    )
    attendance = ATTENDANCE_HEADER + "1001,S1,2024-09-03,unexcused\n"
    folder = write(tmp_path / "data", students=None, enrollments=enrollments, attendance=attendance)
    data = workbook([HEADER, [1001.0, "Ada", "One", "F"], [1002, "Ben", "Two", "M"]])
    (folder / "students.xlsx").write_bytes(data)
    report, con = checked(folder)
    assert rows(con, "SELECT student_id FROM students ORDER BY 1") == [("1001",), ("1002",)]
    assert report.quarantined == 0


def test_xlsx_date_cells_serials_and_times(tmp_path: Path) -> None:
    data = workbook(
        [
            ["student_id", "school_id", "date", "category"],
            ["001", "S1", dt.datetime(2024, 9, 3), "unexcused"],
            ["002", "S2", dt.datetime(2024, 9, 5, 13, 30), "excused"],
            ["003", "S2", 45541, "tardy"],
            ["003", "S2", dt.date(2024, 9, 9), "tardy"],
        ],
        "attendance",
    )
    report, con = checked(folder_with(tmp_path, "attendance.xlsx", data))
    assert rows(con, "SELECT student_id, date FROM attendance ORDER BY 1") == [
        ("001", dt.date(2024, 9, 3)),
        ("003", dt.date(2024, 9, 9)),
    ]
    assert reasons(report, "attendance") == {
        3: "date is not a date (YYYY-MM-DD): '2024-09-05T13:30:00' (a date with a time of day; "
        "give the date only)",
        4: "date is not a date (YYYY-MM-DD): '45541' (an Excel date serial? it would be "
        "2024-09-06; convert it to YYYY-MM-DD)",
    }


def test_xlsx_empty_and_merged_rows_and_a_header_below_empty_rows(tmp_path: Path) -> None:
    def merge(_book, sheet) -> None:
        sheet.merge_cells("A5:D5")

    data = workbook(
        [
            [None] * 4,
            HEADER,
            ["001", "Ada", "One", "F"],
            ["  ", None, "", None],
            ["merged", None, None, None],
            ["002", "Ben", "Two", "M"],
            ["003", "Cy", "Three", "X"],
            [None] * 4,
        ],
        more=merge,
    )
    report, con = checked(folder_with(tmp_path, "students.xlsx", data))
    assert first_names(con) == ["Ada", "Ben", "Cy"]
    # Worksheet rows keep their numbers: the merged row is row 5.
    assert reasons(report, "students") == {
        5: "the student has no valid enrollment (no stay passed the checks)"
    }
    assert report.rows_read["students"] == 4


def test_xlsx_extra_sheets_are_left_aside(tmp_path: Path) -> None:
    def sheets(book, _sheet) -> None:
        book.create_sheet("Notes").append(["hello"])
        book.create_sheet("Summary")

    data = workbook(
        [HEADER, ["001", "Ada", "One", "F"], ["002", "B", "T", "M"], ["003", "C", "T", "X"]],
        more=sheets,
    )
    report, _ = checked(folder_with(tmp_path, "students.xlsx", data))
    assert report.rows_loaded["students"] == 3


def test_xlsx_empty_sheet_is_an_error(tmp_path: Path) -> None:
    assert refused(folder_with(tmp_path, "students.xlsx", workbook([]))) == (
        "table students, file students.xlsx: sheet students is empty; expected a header row "
        "naming the columns"
    )


@pytest.mark.parametrize(
    "damage",
    [
        lambda good: good[: len(good) // 2],
        lambda good: b"PK\x03\x04" + b"garbage" * 20,
        lambda _: b"",
    ],
    ids=["truncated", "zip-garbage", "zero-bytes"],
)
def test_a_corrupt_xlsx_is_an_error_naming_the_file(tmp_path: Path, damage) -> None:
    good = workbook([HEADER, ["001", "Ada", "One", "F"]])
    message = refused(folder_with(tmp_path, "students.xlsx", damage(good)))
    assert message.startswith("students.xlsx cannot be opened as an .xlsx workbook: ")


# ------------------------------------------------------------------------------ Parquet
ATT = {"student_id": ["001", "002", "003"], "school_id": ["S1", "S2", "S2"]}
ATT["category"] = ["unexcused", "excused", "tardy"]


def parquet(columns: dict) -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    return out.getvalue()


def test_parquet_integer_dates_are_quarantined(tmp_path: Path) -> None:
    data = parquet({**ATT, "date": pa.array([20240903, 45540, None], pa.int64())})
    report, _ = checked(folder_with(tmp_path, "attendance.parquet", data))
    assert reasons(report, "attendance") == {
        1: "date is not a date (YYYY-MM-DD): '20240903'",
        2: "date is not a date (YYYY-MM-DD): '45540' (an Excel date serial? it would be "
        "2024-09-05; convert it to YYYY-MM-DD)",
        3: "date is empty",
    }


def test_parquet_timestamps_midnight_is_a_date_a_time_of_day_is_not(tmp_path: Path) -> None:
    stamps = [dt.datetime(2024, 9, 3), dt.datetime(2024, 9, 5, 23, 0), dt.datetime(2024, 9, 6)]
    data = parquet({**ATT, "date": pa.array(stamps, pa.timestamp("us", tz="UTC"))})
    report, con = checked(folder_with(tmp_path, "attendance.parquet", data))
    assert rows(con, "SELECT date FROM attendance ORDER BY 1") == [
        (dt.date(2024, 9, 3),),
        (dt.date(2024, 9, 6),),
    ]
    assert reasons(report, "attendance") == {
        2: "date is not a date (YYYY-MM-DD): '2024-09-05 23:00:00+00' (a date with a time of "
        "day; give the date only)"
    }


def test_parquet_bools_as_ints_and_null_typed_columns(tmp_path: Path) -> None:
    data = parquet(
        {
            "student_id": ["001", "002", "003"],
            "english_learner": pa.array([1, 0, 2], pa.int8()),
            "sex": pa.nulls(3),
        }
    )
    report, con = checked(folder_with(tmp_path, "students.parquet", data))
    assert rows(con, "SELECT student_id, english_learner, sex FROM students ORDER BY 1") == [
        ("001", True, None),
        ("002", False, None),
        ("003", None, None),
    ]
    assert reasons(report, "students") == {
        3: "english_learner is not a yes/no value (true/false, 1/0, Y/N, yes/no, t/f); "
        "kept the student with it empty"
    }


def test_parquet_float_ids_read_as_whole_numbers(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "students.parquet", parquet({"student_id": [1.0, 2.0, 3.0]}))
    enrollments = (folder / "enrollments.csv").read_text().replace("\n00", "\n")
    (folder / "enrollments.csv").write_text(enrollments)
    (folder / "attendance.csv").write_text(ATTENDANCE_HEADER)
    report, con = checked(folder)
    assert rows(con, "SELECT student_id FROM students ORDER BY 1") == [("1",), ("2",), ("3",)]
    assert report.quarantined == 0


def test_parquet_text_written_as_bytes_is_read_as_text(tmp_path: Path) -> None:
    data = parquet({**ATT, "date": pa.array([b"2024-09-03", b"\xff\xfe", None], pa.binary())})
    report, con = checked(folder_with(tmp_path, "attendance.parquet", data))
    assert rows(con, "SELECT date FROM attendance") == [(dt.date(2024, 9, 3),)]
    assert reasons(report, "attendance") == {
        2: "date is not a date (YYYY-MM-DD): '\\xFF\\xFE'",
        3: "date is empty",
    }


def test_parquet_columns_differing_only_in_case_are_duplicates(tmp_path: Path) -> None:
    names = ["student_id", "school_id", "date", "category", "Date"]
    table = pa.table([pa.array(["x"])] * 5, names=names)
    out = io.BytesIO()
    pq.write_table(table, out)
    assert refused(folder_with(tmp_path, "attendance.parquet", out.getvalue())) == (
        "table attendance, file attendance.parquet: column date appears twice"
    )


@pytest.mark.parametrize("cut", [20, 0.5, 1.0], ids=["tail", "half", "empty"])
def test_a_truncated_parquet_file_is_an_error_naming_the_file(tmp_path: Path, cut) -> None:
    good = parquet({**ATT, "date": ["2024-09-03", "2024-09-05", "2024-09-06"]})
    keep = len(good) - cut if isinstance(cut, int) else int(len(good) * (1 - cut))
    message = refused(folder_with(tmp_path, "attendance.parquet", good[:keep]))
    assert message.startswith(
        "table attendance, file attendance.parquet: cannot be read as Parquet (damaged, cut "
        "off, or not a Parquet file): "
    )
    assert str(tmp_path) not in message


def test_a_parquet_file_with_a_damaged_data_page_is_an_error_naming_the_file(
    tmp_path: Path,
) -> None:
    count = 20_000
    good = parquet(
        {
            "student_id": [f"{i:05d}" for i in range(count)],
            "school_id": ["S1"] * count,
            "date": ["2024-09-03"] * count,
            "category": ["tardy"] * count,
        }
    )
    damaged = bytearray(good)
    for i in range(len(good) // 3, len(good) // 3 + 200):
        damaged[i] ^= 0x5A
    message = refused(folder_with(tmp_path, "attendance.parquet", bytes(damaged)))
    assert message.startswith("file attendance.parquet: damaged: reading it failed part-way")
    assert str(tmp_path) not in message


def test_a_parquet_file_with_bytes_pasted_in_is_an_error_naming_the_file(tmp_path: Path) -> None:
    good = parquet({**ATT, "date": pa.array([b"2024-09-03"] * 3, pa.binary())})
    at_start = codecs.BOM_UTF8 + good
    assert refused(folder_with(tmp_path / "a", "attendance.parquet", at_start)).startswith(
        "table attendance, file attendance.parquet: cannot be read as Parquet (damaged, cut "
        "off, or not a Parquet file): the file does not start with Parquet's magic bytes PAR1"
    )
    # After the magic bytes every offset is off by three: found when the pages are read.
    inside = good[:4] + codecs.BOM_UTF8 + good[4:]
    message = refused(folder_with(tmp_path / "b", "attendance.parquet", inside))
    assert message.startswith("file attendance.parquet: damaged: reading it failed part-way")
