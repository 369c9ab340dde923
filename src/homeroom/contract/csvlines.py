"""The physical line on which each CSV record starts, for quarantine rows a person can find.

DuckDB's CSV reader gives the rows in file order but no line numbers, and its own reject
numbering counts records, not lines (a quoted field with a line break inside takes two lines).
So the file is scanned once with numpy: a newline ends a record when an even number of quotes
came before it (an escaped "" counts twice, so this follows RFC 4180 quoting). A stray quote in
an unquoted field (`5 ft 2"`) fools that count; the caller checks the scan against the line
breaks DuckDB found inside values and, when they disagree, `scan_slowly` follows the file
with Python's csv module instead (slower, exact for such files).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_CHUNK = 1 << 24  # bytes scanned at a time; keeps the index arrays small on big files
_QUOTE, _NEWLINE, _CR = 34, 10, 13


@dataclass(frozen=True)
class Records:
    lines: np.ndarray  # the 1-based line each record after the header starts on
    blank: np.ndarray  # an empty line: not a record at all for the CSV reader
    inner: np.ndarray  # line breaks inside each record (quoted fields)


@dataclass(frozen=True)
class Survey:
    """Byte offsets of what the CSV reader must know about, from one pass over the file."""

    newlines: np.ndarray  # every line feed
    lone_cr: np.ndarray  # a CR not followed by a line feed: a line end to Excel, not to DuckDB
    nul: np.ndarray  # a zero byte: never text, a damaged file
    bom: np.ndarray  # a byte-order mark after the start: two files pasted together
    crlf: int = 0  # line feeds after a CR: some, but not all, means mixed line ends


def survey(path: Path) -> Survey:
    """One pass over the file, read a block at a time.

    Read, not mapped: a mapped file's pages count as the process's own memory once touched (a
    whole 1.3 GB attendance file at a million students).
    """
    size = path.stat().st_size
    empty = np.zeros(0, dtype=np.int64)
    if size == 0:
        return Survey(empty, empty, empty, empty)
    found: dict[str, list[np.ndarray]] = {"nl": [], "cr": [], "lone": [], "nul": [], "bom": []}
    with path.open("rb") as handle:
        low = 0
        text = handle.read(_CHUNK + 2)  # a block and the next two bytes (after a CR, a BOM)
        while low < size and text:
            block = np.frombuffer(text, dtype=np.uint8)
            own = min(_CHUNK, len(block))
            # LF, CR, NUL and a BOM's first byte in one pass; the few hits are sorted out after.
            hits = np.flatnonzero((block[:own] < 14) | (block[:own] == 0xEF))
            kinds = block[hits]
            found["nl"].append(hits[kinds == _NEWLINE] + low)
            cr = hits[kinds == _CR]
            found["cr"].append(cr + low)
            after = block[np.minimum(cr + 1, len(block) - 1)]
            found["lone"].append(cr[(cr + 1 == len(block)) | (after != _NEWLINE)] + low)
            found["nul"].append(hits[kinds == 0] + low)
            ef = hits[kinds == 0xEF]
            ef = ef[(ef + low > 0) & (ef + 2 < len(block))]  # past the start, not cut off
            found["bom"].append(ef[(block[ef + 1] == 0xBB) & (block[ef + 2] == 0xBF)] + low)
            low += own
            text = text[own:] + handle.read(_CHUNK + 2 - (len(text) - own))
    nl, cr, lone_cr, nul, bom = (
        np.concatenate(found[k]).astype(np.int64) for k in ("nl", "cr", "lone", "nul", "bom")
    )
    return Survey(nl, lone_cr, nul, bom, len(cr) - len(lone_cr))


def one_record_a_line(found: Survey, size: int, records: int) -> bool:
    """Whether the file's lines after the header are exactly `records` lines.

    With no record rejected and no line break inside a value, each record the reader accepted
    is one line; when the lines after the header are as many, none is blank either, and the
    record in row r (0-based) is on line r + 2 (`accepted_offsets` gives [(0, 0)] then).
    """
    breaks = found.newlines
    lines = len(breaks) + (0 if len(breaks) and breaks[-1] == size - 1 else 1)
    return lines - 1 == records


def newlines(path: Path) -> np.ndarray:
    """Byte offsets of every line feed."""
    return survey(path).newlines


def lines_of(breaks: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The 1-based line each byte offset (not itself a line feed) falls on."""
    return np.searchsorted(breaks, offsets, side="left").astype(np.int64) + 1


def scan(path: Path, breaks: np.ndarray) -> Records:
    """Records by quote parity (fast; see the module note for when it is wrong)."""
    size = path.stat().st_size
    if size == 0:
        return Records(*(np.zeros(0, dtype=t) for t in (np.int64, bool, np.int64)))
    data = np.memmap(path, dtype=np.uint8, mode="r")
    outside: list[np.ndarray] = []
    parity = 0
    for low in range(0, size, _CHUNK):
        quotes = np.flatnonzero(np.asarray(data[low : low + _CHUNK]) == _QUOTE) + low
        here = breaks[np.searchsorted(breaks, low) : np.searchsorted(breaks, low + _CHUNK)]
        outside.append(((parity + np.searchsorted(quotes, here)) & 1) == 0)
        parity = (parity + len(quotes)) & 1
    ends = np.flatnonzero(np.concatenate(outside))  # index into breaks of record terminators
    starts = breaks[ends] + 1
    lines = ends + 2  # the line after the terminator's line
    stop_line = np.append(ends[1:] + 1, len(breaks) + 1)  # line each record ends on
    keep = starts < size  # a final newline starts no record
    starts, lines, stop_line = starts[keep], lines[keep], stop_line[keep]
    stops = np.append(breaks[ends[1:]], size)[keep]
    width = stops - starts
    first = np.asarray(data[np.minimum(starts, size - 1)]) if len(starts) else np.zeros(0)
    blank = (width == 0) | ((width == 1) & (first == _CR))
    return Records(lines.astype(np.int64), blank, (stop_line - lines).astype(np.int64))


def scan_slowly(path: Path, delimiter: str) -> Records:
    """Records as Python's csv module splits them: a quote inside a field is a plain character."""
    lines, blank, inner = [], [], []
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            next(reader, None)  # the header
        except csv.Error:
            return Records(*(np.zeros(0, dtype=t) for t in (np.int64, bool, np.int64)))
        while True:
            before = reader.line_num
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error:
                record = ["?"]
            lines.append(before + 1)
            blank.append(not record)
            inner.append(reader.line_num - before - 1)
    return Records(
        np.array(lines, dtype=np.int64), np.array(blank, dtype=bool), np.array(inner, np.int64)
    )


def reject_lines(breaks: np.ndarray, byte_positions: np.ndarray) -> np.ndarray:
    """The line of each byte offset DuckDB gives for a rejected record."""
    return np.searchsorted(breaks, byte_positions, side="left").astype(np.int64) + 1


def accepted_offsets(
    records: Records, rejected: np.ndarray, accepted_rows: int, inner_breaks: int
) -> list[tuple[int, int]] | None:
    """Breakpoints (row, offset): line = row + 2 + offset from that row on (rows 0-based).

    None when the records do not agree with the reader: not the same number of rows, or not
    the same number of line breaks inside values.
    """
    usable = ~records.blank & ~np.isin(records.lines, rejected)
    lines = records.lines[usable]
    if len(lines) != accepted_rows or int(records.inner[usable].sum()) != inner_breaks:
        return None
    if accepted_rows == 0:
        return [(0, 0)]
    offset = lines - (np.arange(accepted_rows, dtype=np.int64) + 2)
    change = np.flatnonzero(np.diff(offset)) + 1
    rows = np.concatenate([[0], change])
    return [(int(r), int(offset[r])) for r in rows]
