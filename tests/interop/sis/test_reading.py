"""SIS export readers on malformed files: a clear ContractError naming the file, or rows
rejected or quarantined with their line; never a traceback, never a silent drop
(records read = attendance rows written + rows rejected)."""

from __future__ import annotations

import codecs
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from homeroom.contract.errors import ContractError
from homeroom.definitions import load_definition
from homeroom.interop import write_import
from homeroom.interop.sis import import_sis
from homeroom.interop.sis.reading import read_source

PRESET = """
[preset]
name = "test"
[values]
date_formats = ["%m/%d/%Y"]
[enrollment]
default_grade = "05"
[codes]
A = "unexcused"
E = "excused"
[[files]]
name = "Attendance"
feeds = ["attendance"]
signature = ["Student", "Date", "Code"]
[files.columns]
student_id = "Student"
school_id = "School"
date = "Date"
code = "Code"
comment_is_ignored = "Note"
"""
# The preset without the bad key above (the test of preset errors uses it).
GOOD_PRESET = PRESET.replace('comment_is_ignored = "Note"\n', "")
HEADER = "Student,School,Date,Code,Note"
ROWS = [
    "1,S1,09/03/2024,A,Zoë's note",
    "2,S1,09/03/2024,E,",
    '1,S1,09/04/2024,E,"two\nlines"',
    "2,S1,09/05/2024,A,café",
]


@pytest.fixture
def preset(tmp_path) -> str:
    path = tmp_path / "preset.toml"
    path.write_text(GOOD_PRESET, encoding="utf-8")
    return str(path)


def _write(path: Path, text: str, encoding: str = "utf-8", bom: bytes = b"") -> Path:
    path.write_bytes(bom + text.encode(encoding))
    return path


def _accounted(result) -> None:
    """Every record the reader saw is an attendance row or a rejected row."""
    records = sum(r.records for r in result.read)
    rejected = sum(1 for r in result.rejected_rows if r[0] == "attendance")
    assert records == len(result.tables["attendance"]) + rejected


@pytest.mark.parametrize(
    ("encoding", "bom", "named"),
    [
        ("utf-8", b"", "UTF-8"),
        ("utf-8", codecs.BOM_UTF8, "UTF-8 with a byte-order mark"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16"),
        ("cp1252", b"", "Windows-1252"),
        ("latin-1", b"", "Windows-1252"),  # Latin-1 letters are the same bytes in cp1252
    ],
)
def test_encodings_read_the_same_rows(tmp_path, preset, encoding, bom, named):
    path = _write(tmp_path / "att.csv", "\r\n".join([HEADER, *ROWS]) + "\r\n", encoding, bom)
    table = read_source(path)[0]
    assert table.encoding.startswith(named)
    assert table.lines == [2, 3, 4, 6]  # the quoted line break makes record 3 take two lines
    assert table.rows["c4"].tolist()[0] == "Zoë's note"
    result = import_sis(preset, [path])
    attendance = result.tables["attendance"]
    assert attendance["source_line"].tolist() == [2, 3, 4, 6]
    assert attendance["date"].tolist()[:2] == ["2024-09-03", "2024-09-03"]
    _accounted(result)


def test_utf16_without_a_mark_and_windows_1252_are_noted_as_the_contract_reader_does(
    tmp_path, preset
):
    text = "\r\n".join([HEADER, *ROWS]) + "\r\n"
    utf16 = read_source(_write(tmp_path / "u16.csv", text, "utf-16-le"))[0]
    assert utf16.encoding == "UTF-16 (no byte-order mark)"
    assert utf16.notes == [
        "u16.csv: UTF-16 text, read as such; line numbers are those of the original file"
    ]
    windows = read_source(_write(tmp_path / "win.csv", text, "cp1252"))[0]
    assert windows.notes[0].startswith("win.csv: not UTF-8 text; read as Windows-1252")
    assert "lines with letters beyond ASCII (é, ñ, curly quotes): 2." in windows.notes[0]


def test_a_line_not_utf8_in_a_utf8_file_is_rejected_not_guessed(tmp_path, preset):
    # Line 2 is UTF-8 (ë), line 6 Windows-1252 (é is the byte 0xE9 at column 22).
    data = ("\n".join([HEADER, *ROWS[:3]]) + "\n").encode() + ROWS[3].encode("cp1252") + b"\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    result = import_sis(preset, [path])
    assert result.tables["attendance"]["source_line"].tolist() == [2, 3, 4]
    assert result.rejected_rows[0][2] == 6
    assert result.rejected_rows[0][4] == (
        "malformed line: not UTF-8 text (byte 0xE9 at column 22; the rest of the file is UTF-8)"
    )
    _accounted(result)
    header = tmp_path / "header.csv"
    header.write_bytes(("Stüdent" + HEADER[7:] + "\n").encode("cp1252") + data[len(HEADER) :])
    with pytest.raises(ContractError, match=r"header.csv: line 1 \(the header\) is not UTF-8"):
        import_sis(preset, [header])


def test_tabs_semicolons_and_pipes_are_sniffed(tmp_path, preset):
    for delimiter in ("\t", ";", "|"):
        text = "\n".join(line.replace(",", delimiter) for line in [HEADER, ROWS[0], ROWS[1]])
        result = import_sis(preset, [_write(tmp_path / "att.txt", text)])
        assert len(result.tables["attendance"]) == 2


def test_excel_serials_blank_lines_and_ragged_rows(tmp_path, preset):
    text = "\n".join(
        [
            HEADER,
            "1,S1,45538,A,",  # 45538 days after 1899-12-30 is 2024-09-03
            "",
            "2,S1,99999,A,",  # a number, but no date: passed on, validation names it
            "2,S1,09/04/2024,A",  # one field short
            "   ",
            "1,S1,09/05/2024,E,,extra",  # one field too many
        ]
    )
    path = _write(tmp_path / "att.csv", text + "\n")
    result = import_sis(preset, [path])
    attendance = result.tables["attendance"]
    assert attendance["date"].tolist() == ["2024-09-03", "99999"]
    assert attendance["source_line"].tolist() == [2, 4]
    assert any("Excel date serials" in n for n in result.notes)
    assert any("2 blank lines" in n for n in result.notes)
    rejected = {r[2]: r[4] for r in result.rejected_rows}
    assert "fewer fields" in rejected[5] and "more fields" in rejected[7]
    _accounted(result)
    written = write_import(result, tmp_path / "out", definition=load_definition("default"))
    bad = written.quarantine[written.quarantine["stage"] == "validation"]
    assert (bad["source_file"].tolist(), bad["source_line"].tolist()) == (["att.csv"], [4])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\n\n,,,\n", "no header"),
        (b"\x00\x01\x02garbage\x00" * 3, "NUL"),
        (b"Student,Day\n1,2\n", "match none of the files"),
    ],
)
def test_unusable_files_are_a_clear_error(tmp_path, preset, content, message):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(ContractError, match=message) as caught:
        import_sis(preset, [path])
    assert "broken.csv" in str(caught.value)


def test_a_truncated_file_rejects_its_last_line(tmp_path, preset):
    text = "\n".join([HEADER, *ROWS]) + '\n3,S1,09/06/2024,A,"cut off in the mid'
    result = import_sis(preset, [_write(tmp_path / "att.csv", text)])
    assert [r[2] for r in result.rejected_rows] == [7]
    _accounted(result)


def test_preset_errors_name_the_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(PRESET, encoding="utf-8")
    with pytest.raises(ContractError, match=r"bad.toml, key files\[0\].columns.comment_is_ignored"):
        import_sis(str(path), [tmp_path / "x.csv"])
    path.write_text(GOOD_PRESET.replace('E = "excused"', 'E = "sick"'), encoding="utf-8")
    with pytest.raises(ContractError, match="codes.E: category 'sick'"):
        import_sis(str(path), [tmp_path / "x.csv"])
    with pytest.raises(ContractError, match="neither a shipped preset"):
        import_sis("no-such-sis", [tmp_path / "x.csv"])


def test_xlsx_dates_and_numbers_read_as_a_csv_export_would(tmp_path, preset):
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Student", "School", "Date", "Code", "Note"])
    sheet.append([1, "S1", dt.datetime(2024, 9, 3), "A", None])
    sheet.append([])
    sheet.append([2.0, "S1", 45539, "E", "serial"])
    path = tmp_path / "att.xlsx"
    book.save(path)
    result = import_sis(preset, [path])
    attendance = result.tables["attendance"]
    assert attendance["student_id"].tolist() == ["1", "2"]
    assert attendance["date"].tolist() == ["2024-09-03", "2024-09-04"]
    assert attendance["source_line"].tolist() == [2, 4]


_CELLS = st.sampled_from(
    ["1", "2", "S1", "09/03/2024", "9/4/2024", "45538", "2024-02-30", "A", "E", "Q", "",
     '"quoted, comma"', '"line\nbreak"', "é", "\t", ";", '"', "  ", "\r"]
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(_CELLS, min_size=3, max_size=6), max_size=12),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    cut=st.integers(0, 40),
)
def test_malformed_files_never_crash_or_drop(tmp_path, preset, rows, encoding, cut):
    text = "\n".join([HEADER, *(",".join(r) for r in rows)])
    data = text.encode(encoding, errors="replace")
    if cut:
        data = data[: max(len(data) - cut, 0)]  # a truncated download
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    try:
        result = import_sis(preset, [path])
    except ContractError as exc:
        assert "fuzz.csv" in str(exc)
        return
    _accounted(result)


@pytest.mark.slow
def test_a_million_rows(tmp_path, preset):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER + "\n")
        for i in range(1_000_000):
            handle.write(f"{i % 50_000},S1,09/{3 + i % 20:02d}/2024,{'AE'[i % 2]},\n")
    result = import_sis(preset, [path])
    assert len(result.tables["attendance"]) == 1_000_000
    _accounted(result)


def test_a_semicolon_file_with_commas_in_quoted_cells_is_read(tmp_path):
    """One delimiter rule for every reader (issue 12.12): the commas in quoted cells are data."""
    path = tmp_path / "attendance.csv"
    path.write_text(
        'Student ID;"Name, as listed: last, first";Days Absent\n'
        '1;"Smith, John";12\n2;"Lee, Ann, B.";2\n',
        encoding="utf-8",
    )
    (table,) = read_source(path)
    assert table.delimiter == ";"
    assert table.headers == ["Student ID", "Name, as listed: last, first", "Days Absent"]
    assert table.rows.iloc[:, 1].tolist() == ["Smith, John", "Lee, Ann, B."]
    assert not table.malformed
