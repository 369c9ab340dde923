"""Read a CSV file of a table into DuckDB, with the line each record starts on.

DuckDB reads the file itself when it can (UTF-8, one kind of line end); otherwise a UTF-8
copy with the same lines is read. Lines DuckDB cannot split, and rows holding a NUL byte or a
byte-order mark mid-file, go to the quarantine with their line.
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from homeroom.contract import csvlines, csvtext
from homeroom.contract.delimiters import guess_delimiter
from homeroom.contract.errors import ContractError
from homeroom.contract.fields import quote_ident, sql_text
from homeroom.contract.sources import Source, column_positions, first_line, where
from homeroom.contract.work import Work

_CSV_ERRORS = {
    "MISSING COLUMNS": "has fewer fields than the header",
    "TOO MANY COLUMNS": "has more fields than the header",
    "UNQUOTED VALUE": "has a quote in the wrong place (a quoted field must be all quoted)",
    "INVALID ENCODING": "is not UTF-8 text",
    "INVALID UNICODE": "is not UTF-8 text",
    "LINE SIZE OVER MAXIMUM": "is too long (an unclosed quote?)",
}
_ENCODING_ERRORS = ("INVALID ENCODING", "INVALID UNICODE")


@dataclass
class _CsvText:
    """The file DuckDB reads (the original or a UTF-8 copy with the same lines) and why."""

    path: Path
    verdict: csvtext.Verdict | None = None
    notes: list[str] = field(default_factory=list)
    survey: csvlines.Survey | None = None  # of `path`, when already made


def _csv_text(source: Source, scratch: Path, verdict: csvtext.Verdict | None = None) -> _CsvText:
    """Decide the file's encoding and line ends; copy it to UTF-8 when DuckDB cannot read it."""
    path = source.path
    size = path.stat().st_size
    if size == 0:
        raise ContractError(
            f"{where(source)}: the file is empty (0 bytes); expected a header line naming the "
            "columns"
        )
    start = csvtext.head(path)
    result = _CsvText(path, verdict)
    encoding = "cp1252" if verdict is not None and verdict.kind == "cp1252" else None
    if verdict is not None and encoding is None:
        encoding = "utf-8"
    if encoding is None:
        encoding = csvtext.unicode_kind(start)
        if encoding is not None:
            bom = "" if encoding in ("utf-16-le", "utf-16-be") else " (it has a byte-order mark)"
            result.notes.append(
                f"{source.label}: {encoding.upper()[:6]} text{bom}, read as such; line numbers "
                "are those of the original file"
            )
        elif not csvtext.head_is_utf8(start, size):
            result.verdict = csvtext.verdict(path)
            encoding = "cp1252" if result.verdict.kind == "cp1252" else "utf-8"
        else:
            encoding = "utf-8"
    if encoding == "cp1252":
        accented = result.verdict.accented if result.verdict else 0
        result.notes.append(
            f"{source.label}: not UTF-8 text; read as Windows-1252 (Western European, what "
            f"Excel saves as plain CSV on Windows); lines with letters beyond ASCII (é, ñ, "
            f"curly quotes): {accented:,}. Save it as CSV UTF-8 to be sure they read as meant"
        )
    lone_cr = 0
    if encoding == "utf-8":
        found = csvlines.survey(path)
        lone_cr = len(found.lone_cr)
        # DuckDB follows the first line's end: CRLF after a quoted field in a file whose header
        # ends in LF reads as text after the closing quote. Mixed line ends are made alike.
        mixed = 0 < found.crlf < len(found.newlines)
        if not lone_cr and not mixed:
            result.survey = found
            return result  # the usual case: DuckDB reads the file itself
    copy = scratch / f"{source.table}.csv"
    try:
        csvtext.copy_as_utf8(path, copy, encoding, lone_cr=True)
    except UnicodeDecodeError as exc:
        line = csvtext.decode_error_line(path, encoding)
        raise ContractError(
            f"{where(source)}: the file reads as {encoding.upper()} text but stops being "
            f"that on line {line} (cut off or damaged); save it again as CSV UTF-8"
        ) from exc
    if lone_cr:
        result.notes.append(
            f"{source.label}: lines ending in a lone carriage return (CR, as old Mac files "
            f"do), each read as a line end: {lone_cr:,}"
        )
    result.path = copy
    return result


def _csv_header(source: Source, text: _CsvText) -> tuple[list[str], str]:
    place = where(source)
    bad = text.verdict.bad.get(1) if text.verdict else None
    if bad:
        raise ContractError(
            f"{place}: line 1 (the header) is not UTF-8 text ({bad}); save the file as CSV UTF-8"
        )
    head = csvtext.head(text.path).decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = head.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # CSV line ends only
    if not any(line.strip() for line in lines):
        raise ContractError(
            f"{place}: the file holds only blank lines; expected a header line naming the columns"
        )
    first = lines[0]
    if not first.strip():
        blank = next(i for i, line in enumerate(lines) if line.strip())
        raise ContractError(
            f"{place}: line 1 is blank; the header (the column names) must be the first line: "
            f"delete the {blank} blank line{'s' if blank > 1 else ''} above line {blank + 1}"
        )
    if "\x00" in first:
        raise ContractError(
            f"{place}: line 1 (the header) holds a NUL byte: the file is damaged, or is not "
            "UTF-8 text; save it again as CSV UTF-8"
        )
    delimiter = guess_delimiter(head)
    reader = csv.reader(io.StringIO(head), delimiter=delimiter)
    try:
        header = next(reader, [])
        unclosed = reader.line_num > 1
    except csv.Error:
        header, unclosed = [], True
    if unclosed:
        raise ContractError(
            f"{place}: line 1 (the header) has a quote that is not closed on that line"
        )
    return [h.replace("\ufeff", "") for h in header], delimiter


def read_csv(work: Work, source: Source) -> tuple[str, dict[str, str], int]:
    with tempfile.TemporaryDirectory(prefix="homeroom-csv-") as scratch:
        text = _csv_text(source, Path(scratch))
        read = _read_csv_text(work, source, text, 0)
        if read is None:  # bytes that are not UTF-8 beyond the first 64 KiB: look at it all
            text = _csv_text(source, Path(scratch), csvtext.verdict(text.path))
            read = _read_csv_text(work, source, text, 1, give_up=False)
        assert read is not None
        work.notes.extend(text.notes)
        return read


def _read_csv_text(
    work: Work, source: Source, text: _CsvText, attempt: int, give_up: bool = True
) -> tuple[str, dict[str, str], int] | None:
    """Read the (prepared) file; None when it is not UTF-8 after all and no verdict was made."""
    header, delimiter = _csv_header(source, text)
    positions = column_positions(source, header, header_line="line 1")
    base = f"raw_{source.table}"
    rejects, scans = work.name(f"{base}_rejects{attempt}"), work.name(f"{base}_scans{attempt}")
    work._remember("TABLE", rejects)
    work._remember("TABLE", scans)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    try:
        raw = work.table(
            base,
            f"SELECT * FROM read_csv({sql_text(str(text.path))}, auto_detect = false, "
            f"header = true, columns = {columns}, delim = {sql_text(delimiter)}, quote = '\"', "
            f"escape = '\"', store_rejects = true, rejects_table = '{rejects}', "
            f"rejects_scan = '{scans}')",
        )
    except duckdb.Error as exc:
        raise ContractError(f"{where(source)}: cannot be read as CSV: {first_line(exc)}") from exc
    bad = work.con.execute(
        f"SELECT line_byte_position, first(error_type ORDER BY column_idx), "
        f"first(error_message ORDER BY column_idx), first(csv_line ORDER BY column_idx) "
        f"FROM {rejects} GROUP BY line_byte_position ORDER BY line_byte_position"
    ).fetchall()
    if give_up and text.verdict is None and any(b[1] in _ENCODING_ERRORS for b in bad):
        return None
    accepted = work.scalar(f"SELECT count(*) FROM {raw}")
    found = text.survey or csvlines.survey(text.path)
    bad_lines = csvlines.reject_lines(found.newlines, np.array([int(b[0]) for b in bad], np.int64))
    _quarantine_malformed(work, source, bad, bad_lines, text.verdict)
    inner = _inner_breaks(work, raw, len(header))
    records = None
    breaks: list[tuple[int, int]] | None
    size = text.path.stat().st_size
    if not bad and not inner and csvlines.one_record_a_line(found, size, accepted):
        # The usual file: record r on line r + 2. Scanning its quotes would hold six arrays of
        # a number per line (about 160 MB each at 19.5 million lines) beside DuckDB's full pool.
        breaks = [(0, 0)]
    else:
        records = csvlines.scan(text.path, found.newlines)
        breaks = csvlines.accepted_offsets(records, bad_lines, accepted, inner)
    if breaks is None:  # a stray quote fooled the fast scan
        records = csvlines.scan_slowly(text.path, delimiter)
        breaks = csvlines.accepted_offsets(records, bad_lines, accepted, inner)
    if breaks is None:
        work.notes.append(
            f"{source.label}: its quoting could not be followed line by line, so the line "
            "numbers quoted for it are approximate"
        )
        breaks = [(0, 0)]
    select = ", ".join(f"r.c{i} AS {quote_ident(name)}" for name, i in positions.items())
    relation = work.view(f"{base}_lined", f"SELECT {select}, {_line_from(work, base, raw, breaks)}")
    relation = _quarantine_damaged(work, source, text.path, relation, found, records, bad_lines)
    work.say(f"reading {source.label} ({accepted + len(bad):,} rows)")
    return relation, {name: "VARCHAR" for name in positions}, accepted + len(bad)


def _inner_breaks(work: Work, raw: str, width: int) -> int:
    """Line breaks inside accepted values (quoted fields), to check the line scan against."""
    counts = " + ".join(
        f"coalesce(len(c{i}) - len(replace(c{i}, chr(10), '')), 0)" for i in range(width)
    )
    return int(work.scalar(f"SELECT coalesce(sum({counts}), 0) FROM {raw}"))


def _line_from(work: Work, base: str, raw: str, breaks: list[tuple[int, int]]) -> str:
    """`_line` and the FROM clause: row number + 2, shifted after blank, bad or long records."""
    numbered = f"(SELECT *, rowid - (SELECT min(rowid) FROM {raw}) AS _row FROM {raw}) r"
    if len(breaks) == 1:
        return f"r._row + {2 + breaks[0][1]} AS _line FROM {numbered}"
    values = ", ".join(f"({row}, {offset})" for row, offset in breaks)
    table = work.table(f"{base}_breaks", f"SELECT * FROM (VALUES {values}) AS t(row_, offset_)")
    join = f"ASOF JOIN {table} b ON r._row >= b.row_"
    return f"r._row + 2 + b.offset_ AS _line FROM {numbered} {join}"


def _quarantine_malformed(
    work: Work,
    source: Source,
    bad: list[tuple],
    lines: np.ndarray,
    verdict: csvtext.Verdict | None,
) -> None:
    if not bad:
        return
    rows = []
    for (_, kind, message, raw_line), line in zip(bad, lines, strict=True):
        words = _CSV_ERRORS.get(kind, f"could not be read ({first_line(Exception(message))})")
        if raw_line is not None and not str(raw_line).strip():
            words = "is blank but for spaces or tabs"
        elif kind in _ENCODING_ERRORS and verdict is not None and int(line) in verdict.bad:
            words += f" ({verdict.bad[int(line)]}; the rest of the file is UTF-8)"
        rows.append((source.table, source.label, int(line), "", f"line {words}", "malformed line"))
    _add_rows(work, rows)


def _add_rows(work: Work, rows: list[tuple]) -> None:
    frame = pd.DataFrame(rows, columns=["tbl", "file", "line", "col", "reason", "kind"])
    work.con.register(work.name("malformed_frame"), frame)
    try:
        work.add(f"SELECT *, TRUE FROM {work.name('malformed_frame')}")
    finally:
        work.con.unregister(work.name("malformed_frame"))


def _quarantine_damaged(
    work: Work,
    source: Source,
    path: Path,
    relation: str,
    found: csvlines.Survey,
    records: csvlines.Records | None,
    bad_lines: np.ndarray,
) -> str:
    """Rows holding a NUL byte or a byte-order mark mid-file: quarantined, left out of the rest.

    DuckDB reads both as text, so an id 001 would not match its own enrollment: the row goes to
    the quarantine with the column of the byte instead. `records`: the file's scan, when made.
    """
    if not len(found.nul) and not len(found.bom):
        return relation
    if records is None:
        records = csvlines.scan(path, found.newlines)
    flagged: dict[int, str] = {}
    data = np.memmap(path, dtype=np.uint8, mode="r")
    for offsets, what in (
        (found.nul, "holds a NUL byte at column {} (the file is damaged, or is not UTF-8 text)"),
        (found.bom, "holds a byte-order mark (U+FEFF) at column {}: two files pasted together?"),
    ):
        for offset, line in zip(offsets, csvlines.lines_of(found.newlines, offsets), strict=True):
            start = int(found.newlines[line - 2]) + 1 if line >= 2 else 0
            column = len(bytes(data[start:offset]).decode("utf-8", errors="replace")) + 1
            at = int(np.searchsorted(records.lines, line, side="right")) - 1
            record = int(records.lines[at]) if at >= 0 else 1
            flagged.setdefault(record, "line " + what.format(column))
    del data
    rejected = set(bad_lines.tolist())
    rows = [(line, reason) for line, reason in sorted(flagged.items()) if line not in rejected]
    if not rows:
        return relation
    frame = pd.DataFrame(rows, columns=["line", "reason"])
    flags = work.name("damaged_frame")
    work.con.register(flags, frame)
    try:
        table = work.table(f"raw_{source.table}_damaged", f"SELECT * FROM {flags}")
    finally:
        work.con.unregister(flags)
    work.add(
        f"SELECT {sql_text(source.table)}, {sql_text(source.label)}, f.line, '', f.reason, "
        f"'malformed line', TRUE FROM {relation} r JOIN {table} f ON r._line = f.line"
    )
    return work.view(
        f"raw_{source.table}_undamaged",
        f"SELECT r.* FROM {relation} r ANTI JOIN {table} f ON r._line = f.line",
    )
