"""Which character separates a CSV file's fields: one rule for every reader (issue 12, point 12).

The canonical reader, the SIS reader and the attendance-spreadsheet reader all ask here, so a
file one of them reads the others read too. The rule: over the first records (a quoted line
break does not end a record), count each candidate outside quoted cells; the delimiter is the
one that appears most on any one record (the header usually has the most fields; a title line
above it has fewer). On a tie the order below decides, and a file with none is comma-separated.
Quoted cells are skipped, so "Smith, John" in a semicolon file does not make it a comma file.
"""

from __future__ import annotations

DELIMITERS = (",", ";", "\t", "|")  # the order breaks ties
SAMPLE_CHARS = 65_536
SAMPLE_RECORDS = 20


def guess_delimiter(text: str) -> str:
    """The delimiter of decoded CSV `text` (the first SAMPLE_CHARS are enough)."""
    best = dict.fromkeys(DELIMITERS, 0)
    for counts in _record_counts(text[:SAMPLE_CHARS]):
        for delimiter, count in counts.items():
            best[delimiter] = max(best[delimiter], count)
    return max(DELIMITERS, key=lambda d: (best[d], -DELIMITERS.index(d)))


def _record_counts(text: str) -> list[dict[str, int]]:
    """Per record (up to SAMPLE_RECORDS non-blank ones), each candidate's count outside quotes.

    A quote opens a quoted cell only at the start of a cell, as the csv module reads it, so an
    inch mark in `5'10"` does not hide the rest of the line.
    """
    records: list[dict[str, int]] = []
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted, cell_start, filled, i = False, True, False, 0
    while i < len(text) and len(records) < SAMPLE_RECORDS:
        char = text[i]
        if quoted:
            if char == '"' and text[i + 1 : i + 2] == '"':
                i += 1  # a doubled quote is a quote inside the cell
            elif char == '"':
                quoted = False
        elif char in "\r\n":
            if filled:
                records.append(counts)
            counts = dict.fromkeys(DELIMITERS, 0)
            cell_start, filled = True, False
        elif char in counts:
            counts[char] += 1
            cell_start, filled = True, True
        elif char == '"' and cell_start:
            quoted, cell_start, filled = True, False, True
        elif char != " ":
            cell_start, filled = False, True
        i += 1
    if filled and len(records) < SAMPLE_RECORDS:
        records.append(counts)
    return records
