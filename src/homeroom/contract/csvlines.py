"""The physical line on which each CSV record starts, for quarantine rows a person can find.

DuckDB's CSV reader gives the rows in file order but no line numbers, and its own reject
numbering counts records, not lines (a quoted field with a line break inside takes two lines).
So the file is scanned once with numpy: a newline ends a record when an even number of quotes
came before it (an escaped "" counts twice, so this follows RFC 4180 quoting). Record starts
are then matched with DuckDB's accepted rows (in order) and its rejected lines (by byte).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

_CHUNK = 1 << 24  # bytes scanned at a time; keeps the index arrays small on big files
_QUOTE, _NEWLINE, _CR = 34, 10, 13


@dataclass(frozen=True)
class Records:
    starts: np.ndarray  # byte offset of every record after the header
    lines: np.ndarray  # the 1-based line each starts on
    blank: np.ndarray  # an empty line: not a record at all for the CSV reader


def scan(path: Path) -> Records:
    size = path.stat().st_size
    if size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Records(empty, empty, np.zeros(0, dtype=bool))
    data = np.memmap(path, dtype=np.uint8, mode="r")
    ends: list[np.ndarray] = []  # record terminators (byte offsets)
    end_lines: list[np.ndarray] = []  # the line each terminator ends
    parity, newlines = 0, 0
    for low in range(0, size, _CHUNK):
        chunk = np.asarray(data[low : low + _CHUNK])
        quotes = np.flatnonzero(chunk == _QUOTE)
        breaks = np.flatnonzero(chunk == _NEWLINE)
        outside = ((parity + np.searchsorted(quotes, breaks)) & 1) == 0
        ends.append(breaks[outside].astype(np.int64) + low)
        end_lines.append(np.flatnonzero(outside).astype(np.int64) + newlines + 1)
        parity = (parity + len(quotes)) & 1
        newlines += len(breaks)
    term = np.concatenate(ends)
    term_lines = np.concatenate(end_lines)
    starts = term + 1
    lines = term_lines + 1
    stops = np.append(term[1:], size)
    keep = starts < size  # a final newline starts no record
    starts, lines, stops = starts[keep], lines[keep], stops[keep]
    width = stops - starts
    first = np.asarray(data[np.minimum(starts, size - 1)]) if len(starts) else np.zeros(0)
    blank = (width == 0) | ((width == 1) & (first == _CR))
    del data
    return Records(starts, lines, blank)


def reject_lines(records: Records, byte_positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For DuckDB reject byte positions: (record index, line) of the record each falls in."""
    index = np.searchsorted(records.starts, byte_positions, side="right") - 1
    index = np.clip(index, 0, max(len(records.starts) - 1, 0))
    lines = records.lines[index] if len(records.lines) else np.full(len(index), 2)
    return index, lines


def accepted_offsets(
    records: Records, rejected_index: np.ndarray, accepted_rows: int
) -> list[tuple[int, int]] | None:
    """Breakpoints (row, offset): line = row + 2 + offset from that row on (rows 0-based).

    None when the scan does not agree with the reader on the number of rows (quoting too broken
    to follow), so the caller can say line numbers are approximate.
    """
    usable = ~records.blank
    usable[rejected_index] = False
    lines = records.lines[usable]
    if len(lines) != accepted_rows:
        return None
    if accepted_rows == 0:
        return [(0, 0)]
    offset = lines - (np.arange(accepted_rows, dtype=np.int64) + 2)
    change = np.flatnonzero(np.diff(offset)) + 1
    rows = np.concatenate([[0], change])
    return [(int(r), int(offset[r])) for r in rows]
