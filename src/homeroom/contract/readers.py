"""Find a dataset's files and read each table into DuckDB as it is, with its line numbers.

Every reader hands on a relation whose columns are the contract's names (headers trimmed and
lower-cased; extra columns left out, they are ignored) plus `_line`: the line of a CSV file
(header = 1), the row of a Parquet file (1-based) or the row of a worksheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from homeroom.contract import csvlines, csvtext
from homeroom.contract.errors import ContractError
from homeroom.contract.fields import plain_name, quote_ident, sql_text
from homeroom.contract.report import SourceFile
from homeroom.contract.schema import FILE_SUFFIXES, TABLES, TABLES_REQUIRED
from homeroom.contract.work import Work


@dataclass(frozen=True)
class Source:
    table: str
    path: Path
    sheet: str | None = None  # worksheet of an .xlsx file

    @property
    def label(self) -> str:
        return self.path.name


@dataclass
class RawTable:
    table: str
    label: str  # the file name quarantine rows cite
    relation: str  # temp relation: contract columns present in the file, plus _line
    types: dict[str, str]  # contract column -> DuckDB type as read
    rows: int  # rows read, including lines the CSV parser could not split
    source: SourceFile


# ---------------------------------------------------------------------------------- locating
def locate(data_dir: Path) -> tuple[dict[str, Source], list[str]]:
    """The file (or worksheet) of each table, and the files that were left aside."""
    if not data_dir.is_dir():
        raise ContractError(f"dataset folder {data_dir} does not exist or is not a folder")
    found: dict[str, list[Source]] = {}
    ignored: list[str] = []
    for path in sorted(data_dir.iterdir()):
        if path.name.startswith((".", "~$")) or not path.is_file():
            continue
        suffix = path.suffix.lower()
        stem = plain_name(path.stem)
        if suffix not in FILE_SUFFIXES:
            ignored.append(path.name)
        elif stem in TABLES:
            found.setdefault(stem, []).append(Source(stem, path, _own_sheet(path, stem)))
        elif suffix == ".xlsx":
            sheets = [s for s in _sheet_names(path) if plain_name(s) in TABLES]
            for sheet in sheets:
                table = plain_name(sheet)
                found.setdefault(table, []).append(Source(table, path, sheet))
            if not sheets:
                ignored.append(path.name)
        else:
            ignored.append(path.name)
    for table, sources in found.items():
        if len(sources) > 1:
            where = ", ".join(s.label + (f" (sheet {s.sheet})" if s.sheet else "") for s in sources)
            raise ContractError(f"table {table}: more than one file gives it: {where}; keep one")
    missing = [t for t in TABLES_REQUIRED if t not in found]
    if missing:
        held = ", ".join(p.name for p in sorted(data_dir.iterdir()) if p.is_file()) or "nothing"
        raise ContractError(
            f"required table {missing[0]} not found in {data_dir}: expected {missing[0]}.csv, "
            f"{missing[0]}.parquet, {missing[0]}.xlsx or a workbook sheet named {missing[0]}"
            f"{' (also missing: ' + ', '.join(missing[1:]) + ')' if missing[1:] else ''}; "
            f"the folder holds: {held}"
        )
    return {t: found[t][0] for t in TABLES if t in found}, ignored


def _open_workbook(path: Path):
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles it does not read
        try:
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # zip, xml and openpyxl errors all mean: not a workbook
            raise ContractError(
                f"{path.name} cannot be opened as an .xlsx workbook: {exc}"
            ) from exc


def _sheet_names(path: Path) -> list[str]:
    book = _open_workbook(path)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _own_sheet(path: Path, table: str) -> str | None:
    if path.suffix.lower() != ".xlsx":
        return None
    names = _sheet_names(path)
    named = [s for s in names if plain_name(s) == table]
    return named[0] if named else names[0]


# ---------------------------------------------------------------------------------- reading
def read_table(work: Work, source: Source, hashes: dict[Path, str]) -> RawTable:
    suffix = source.path.suffix.lower()
    if suffix == ".csv":
        relation, types, rows = _read_csv(work, source)
    elif suffix == ".parquet":
        relation, types, rows = _read_parquet(work, source)
    else:
        relation, types, rows = _read_xlsx(work, source)
    if source.path not in hashes:
        hashes[source.path] = _sha256(source.path)
    file = SourceFile(source.table, source.path, hashes[source.path], rows)
    return RawTable(source.table, source.label, relation, types, rows, file)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _columns(source: Source, header: list[str], header_line: str = "") -> dict[str, int]:
    """Contract column -> position in the file; checks duplicates and required columns.

    `header_line` ("line 1", "row 3") is where a CSV or worksheet header was read: when none of
    its fields names a column it is probably data, and the message does not quote it.
    """
    spec = TABLES[source.table]
    names = [plain_name(str(h).replace("\ufeff", "")) if h is not None else "" for h in header]
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in spec.names:
            if name in positions:
                raise ContractError(
                    f"table {source.table}, file {source.label}: column {name} appears twice"
                )
            positions[name] = index
    if header_line and not positions:
        raise ContractError(
            f"table {source.table}, file {source.label}: {header_line} is not a header: none "
            f"of its {len(names)} fields names a column of {source.table} (expected "
            f"{', '.join(spec.required)}, …); the first line must name the columns"
        )
    found = ", ".join(n for n in names if n) or "no columns"
    for column in spec.required:
        if column not in positions:
            raise ContractError(
                f"table {source.table}, file {source.label}: required column {column} is "
                f"missing; found columns: {found}"
            )
    if source.table == "attendance" and not {"category", "code"} & positions.keys():
        raise ContractError(
            f"table attendance, file {source.label}: needs a column category or code "
            f"(or both); found columns: {found}"
        )
    return positions


# CSV ---------------------------------------------------------------------------------------
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


def _where(source: Source) -> str:
    return f"table {source.table}, file {source.label}"


def _csv_text(source: Source, scratch: Path, verdict: csvtext.Verdict | None = None) -> _CsvText:
    """Decide the file's encoding and line ends; copy it to UTF-8 when DuckDB cannot read it."""
    path = source.path
    size = path.stat().st_size
    if size == 0:
        raise ContractError(
            f"{_where(source)}: the file is empty (0 bytes); expected a header line naming the "
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
            f"{_where(source)}: the file reads as {encoding.upper()} text but stops being "
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
    where = _where(source)
    bad = text.verdict.bad.get(1) if text.verdict else None
    if bad:
        raise ContractError(
            f"{where}: line 1 (the header) is not UTF-8 text ({bad}); save the file as CSV UTF-8"
        )
    head = csvtext.head(text.path).decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = head.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # CSV line ends only
    if not any(line.strip() for line in lines):
        raise ContractError(
            f"{where}: the file holds only blank lines; expected a header line naming the columns"
        )
    first = lines[0]
    if not first.strip():
        blank = next(i for i, line in enumerate(lines) if line.strip())
        raise ContractError(
            f"{where}: line 1 is blank; the header (the column names) must be the first line: "
            f"delete the {blank} blank line{'s' if blank > 1 else ''} above line {blank + 1}"
        )
    if "\x00" in first:
        raise ContractError(
            f"{where}: line 1 (the header) holds a NUL byte: the file is damaged, or is not "
            "UTF-8 text; save it again as CSV UTF-8"
        )
    delimiter = ","
    if "," not in first:
        delimiter = next((d for d in ("\t", ";", "|") if d in first), ",")
    reader = csv.reader(io.StringIO(head), delimiter=delimiter)
    try:
        header = next(reader, [])
        unclosed = reader.line_num > 1
    except csv.Error:
        header, unclosed = [], True
    if unclosed:
        raise ContractError(
            f"{where}: line 1 (the header) has a quote that is not closed on that line"
        )
    return [h.replace("\ufeff", "") for h in header], delimiter


def _read_csv(work: Work, source: Source) -> tuple[str, dict[str, str], int]:
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
    positions = _columns(source, header, header_line="line 1")
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
        raise ContractError(f"{_where(source)}: cannot be read as CSV: {_first_line(exc)}") from exc
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


def _first_line(exc: BaseException) -> str:
    """An error's first line: DuckDB's later lines may quote the file's content."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


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
        words = _CSV_ERRORS.get(kind, f"could not be read ({_first_line(Exception(message))})")
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
    records: csvlines.Records,
    bad_lines: np.ndarray,
) -> str:
    """Rows holding a NUL byte or a byte-order mark mid-file: quarantined, left out of the rest.

    DuckDB reads both as text, so an id 001 would not match its own enrollment: the row goes to
    the quarantine with the column of the byte instead.
    """
    if not len(found.nul) and not len(found.bom):
        return relation
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


# Parquet -----------------------------------------------------------------------------------
def _read_parquet(work: Work, source: Source) -> tuple[str, dict[str, str], int]:
    import pyarrow.parquet as pq

    path = sql_text(str(source.path))
    try:
        # The names as written: DuckDB renames a second "Date" beside "date", pyarrow does not.
        with source.path.open("rb") as handle:
            if handle.read(4) != b"PAR1":  # DuckDB checks only the footer's magic
                raise ValueError("the file does not start with Parquet's magic bytes PAR1")
        header = list(pq.read_schema(source.path).names)
        described = work.con.execute(f"DESCRIBE SELECT * FROM read_parquet({path})").fetchall()
        rows = work.scalar(f"SELECT count(*) FROM read_parquet({path})")
    except Exception as exc:  # pyarrow and DuckDB errors alike: not a readable Parquet file
        raise ContractError(
            f"{_where(source)}: cannot be read as Parquet (damaged, cut off, or not a Parquet "
            f"file): {_first_line(exc).replace(str(source.path), source.label)}"
        ) from exc
    if len(header) != len(described):  # nested columns: fall back to DuckDB's names
        header = [d[0] for d in described]
    positions = _columns(source, header)
    types = {name: str(described[i][1]) for name, i in positions.items()}
    columns = []
    for name, i in positions.items():
        col = quote_ident(described[i][0])
        if types[name] == "BLOB":  # text written as bytes: read it as the text it holds
            col, types[name] = f"coalesce(try(decode({col})), CAST({col} AS VARCHAR))", "VARCHAR"
        columns.append(f"{col} AS {quote_ident(name)}")
    relation = work.view(
        f"raw_{source.table}",
        f"SELECT {', '.join(columns)}, file_row_number + 1 AS _line "
        f"FROM read_parquet({path}, file_row_number = true)",
    )
    work.say(f"reading {source.label} ({rows:,} rows)")
    return relation, types, rows


def damaged_file_error(exc: Exception, paths: list[Path]) -> ContractError | None:
    """A read that fails part-way through a file (a damaged Parquet page) as a ContractError.

    The metadata read at the start can be sound while a data page is not; DuckDB then fails in
    whichever check reads that page first, and does not always name the file. Then each Parquet
    file is read through once more, on a connection of its own (the caller's transaction may
    be aborted), to find the one at fault. None when no file is at fault.
    """
    message = str(exc)
    named = [p for p in paths if str(p) in message]
    if not named:
        for path in (p for p in paths if p.suffix.lower() == ".parquet"):
            try:
                duckdb.connect().execute(
                    f"SELECT max(hash(COLUMNS(*))) FROM read_parquet({sql_text(str(path))})"
                ).fetchall()
            except duckdb.Error:
                named = [path]
                break
    if not named:
        return None
    path = named[0]
    return ContractError(
        f"file {path.name}: damaged: reading it failed part-way through "
        f"({_first_line(exc).replace(str(path), path.name)}); export it again"
    )


# xlsx --------------------------------------------------------------------------------------
def _cell_text(value: object) -> str | None:
    """A worksheet cell as the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(work: Work, source: Source) -> tuple[str, dict[str, str], int]:
    book = _open_workbook(source.path)
    try:
        sheet = book[source.sheet] if source.sheet else book.worksheets[0]
        title = sheet.title
        data, lines = _sheet_rows(source, sheet)
    except ContractError:
        raise
    except Exception as exc:  # a zip that opens but whose sheet XML is damaged
        raise ContractError(
            f"{_where(source)}: the workbook is damaged and cannot be read: {_first_line(exc)}"
        ) from exc
    finally:
        book.close()
    frame = pd.DataFrame({name: pd.Series(v, dtype="object") for name, v in data.items()})
    frame["_line"] = pd.Series(lines, dtype="int64")
    view = work.name(f"xlsx_{source.table}")
    work.con.register(view, frame)
    try:
        casts = ", ".join(f"CAST({quote_ident(n)} AS VARCHAR) AS {quote_ident(n)}" for n in data)
        relation = work.table(f"raw_{source.table}", f"SELECT {casts}, _line FROM {view}")
    finally:
        work.con.unregister(view)
    work.say(f"reading {source.label} sheet {title} ({len(lines):,} rows)")
    return relation, {name: "VARCHAR" for name in data}, len(lines)


def _empty(row: tuple | None) -> bool:
    return row is None or all(v is None or str(v).strip() == "" for v in row)


def _sheet_rows(source: Source, sheet) -> tuple[dict[str, list], list[int]]:
    """The contract columns of a worksheet as text, and the worksheet row of each record.

    The header is the first row that is not empty (worksheet rows keep their numbers, so rows
    above it need no note); empty rows after it are not records.
    """
    rows = enumerate(sheet.iter_rows(values_only=True), start=1)
    number, header = next(((n, row) for n, row in rows if not _empty(row)), (0, ()))
    if not number:
        raise ContractError(
            f"{_where(source)}: sheet {sheet.title} is empty; expected a header row naming "
            "the columns"
        )
    positions = _columns(source, [_cell_text(h) for h in header], header_line=f"row {number}")
    data: dict[str, list] = {name: [] for name in positions}
    lines: list[int] = []
    for number, row in rows:
        if _empty(row):
            continue  # an empty worksheet row is not a record
        lines.append(number)
        for name, index in positions.items():
            data[name].append(_cell_text(row[index]) if index < len(row) else None)
    return data, lines
