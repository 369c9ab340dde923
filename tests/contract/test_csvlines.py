"""The CSV line survey read a block at a time, and the shortcut for files of one record a line,
against plain readings of the same bytes (contract/csvlines.py)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeroom.contract import csvlines

BYTES = [b"a", b",", b'"', b"\n", b"\r", b"\x00", b"\xef", b"\xbb", b"\xbf"]


def plain_survey(data: bytes) -> dict[str, list[int]]:
    """What `survey` finds, byte by byte."""
    size = len(data)
    cr = [i for i, b in enumerate(data) if b == 13]
    lone = [i for i in cr if i == size - 1 or data[i + 1] != 10]
    return {
        "newlines": [i for i, b in enumerate(data) if b == 10],
        "lone_cr": lone,
        "nul": [i for i, b in enumerate(data) if b == 0],
        "bom": [i for i in range(1, size - 2) if data[i : i + 3] == b"\xef\xbb\xbf"],
        "crlf": [len(cr) - len(lone)],
    }


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(st.sampled_from(BYTES), max_size=60).map(b"".join),
    chunk=st.integers(1, 9),
)
def test_the_survey_read_in_blocks_finds_every_byte_a_plain_reading_does(
    data: bytes, chunk: int
) -> None:
    # Blocks of a few bytes put CRs, line feeds and BOMs on every block boundary.
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        path = Path(folder) / "f.csv"
        path.write_bytes(data)
        patch.setattr(csvlines, "_CHUNK", chunk)
        found = csvlines.survey(path)
    got = {
        "newlines": found.newlines.tolist(),
        "lone_cr": found.lone_cr.tolist(),
        "nul": found.nul.tolist(),
        "bom": found.bom.tolist(),
        "crlf": [found.crlf],
    }
    assert got == plain_survey(data)


FIELDS = st.sampled_from(["1", "x", "", "a b", 'say "hi"', "two\nlines", "c,d"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(FIELDS, min_size=2, max_size=2), max_size=8),
    blank_after=st.lists(st.integers(0, 8), max_size=2),
    final_newline=st.booleans(),
    line_end=st.sampled_from(["\n", "\r\n"]),
)
def test_a_file_of_one_record_a_line_has_record_r_on_line_r_plus_2(
    rows: list[list[str]], blank_after: list[int], final_newline: bool, line_end: str
) -> None:
    """Whenever the shortcut says so, the quote scan agrees: every record on line r + 2."""
    lines = [",".join(["h1", "h2"])]
    for i, row in enumerate(rows):
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(row)
        lines.append(out.getvalue())
        lines += [""] * blank_after.count(i)
    text = line_end.join(lines) + (line_end if final_newline else "")
    records = [r for r in csv.reader(io.StringIO(text, newline="")) if r][1:]
    inner = sum(field.count("\n") for record in records for field in record)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.csv"
        path.write_bytes(text.encode())
        found = csvlines.survey(path)
        shortcut = csvlines.one_record_a_line(found, path.stat().st_size, len(records))
        scanned = csvlines.scan(path, found.newlines)
    offsets = csvlines.accepted_offsets(scanned, found.newlines[:0], len(records), inner)
    if shortcut and inner == 0:
        assert offsets == [(0, 0)]
    # A blank line between records is never taken for one record a line.
    if blank_after and any(i < len(rows) - 1 for i in blank_after) and inner == 0:
        assert not shortcut
