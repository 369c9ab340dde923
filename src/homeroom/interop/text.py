"""The CSV records of a decoded file, each with the lines it spans, for the interop readers.

The SIS and attendance-spreadsheet readers decode a file with `csvtext.decode` and split it
here, so a record's line numbers (lone CR, LF and CRLF each end a line; a quoted line break
makes a record span lines) are the same in both and point into the original file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import NamedTuple


class Record(NamedTuple):
    first: int  # the line the record starts on
    last: int  # the line it ends on (more than `first` for a quoted line break)
    cells: list[str]  # empty when the lines cannot be split (see `error`)
    error: csv.Error | None = None


def csv_records(text: str, delimiter: str, *, strict: bool) -> Iterator[Record]:
    """Each record of `text`, or the csv module's error for lines it cannot split; it goes on
    after an error. With `strict`, a quote never closed or text after a closing quote is an
    error rather than text merged into the field."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    while True:
        first = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(first, reader.line_num, [], exc)
            continue
        yield Record(first, reader.line_num, cells)
