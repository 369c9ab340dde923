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
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from homeroom.contract import csvlines
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


def _columns(source: Source, header: list[str]) -> dict[str, int]:
    """Contract column -> position in the file; checks duplicates and required columns."""
    spec = TABLES[source.table]
    names = [plain_name(str(h)) if h is not None else "" for h in header]
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in spec.names:
            if name in positions:
                raise ContractError(
                    f"table {source.table}, file {source.label}: column {name} appears twice"
                )
            positions[name] = index
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


def _csv_header(source: Source) -> tuple[list[str], str]:
    with source.path.open("rb") as handle:
        head = handle.read(1 << 16)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut by the 64 KiB window
            raise ContractError(
                f"table {source.table}, file {source.label}: the header is not UTF-8 text; "
                "save the file as UTF-8 CSV"
            ) from exc
        text = head[: exc.start].decode("utf-8-sig")
    first = text.splitlines()[0] if text else ""
    delimiter = ","
    if "," not in first:
        delimiter = next((d for d in ("\t", ";", "|") if d in first), ",")
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    if not any(h.strip() for h in header):
        raise ContractError(
            f"table {source.table}, file {source.label}: the file is empty or its first line "
            "is not a header"
        )
    return header, delimiter


def _read_csv(work: Work, source: Source) -> tuple[str, dict[str, str], int]:
    header, delimiter = _csv_header(source)
    positions = _columns(source, header)
    base = f"raw_{source.table}"
    rejects, scans = work.name(f"{base}_rejects"), work.name(f"{base}_scans")
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    raw = work.table(
        base,
        f"SELECT * FROM read_csv({sql_text(str(source.path))}, auto_detect = false, "
        f"header = true, columns = {columns}, delim = {sql_text(delimiter)}, quote = '\"', "
        f"escape = '\"', store_rejects = true, rejects_table = '{rejects}', "
        f"rejects_scan = '{scans}')",
    )
    work._remember("TABLE", rejects)
    work._remember("TABLE", scans)
    accepted = work.scalar(f"SELECT count(*) FROM {raw}")
    bad = work.con.execute(
        f"SELECT line_byte_position, first(error_type ORDER BY column_idx), "
        f"first(error_message ORDER BY column_idx) FROM {rejects} "
        "GROUP BY line_byte_position ORDER BY line_byte_position"
    ).fetchall()
    newlines = csvlines.newlines(source.path)
    bad_lines = csvlines.reject_lines(newlines, np.array([int(b[0]) for b in bad], np.int64))
    _quarantine_malformed(work, source, bad, bad_lines)
    inner = _inner_breaks(work, raw, len(header))
    breaks = csvlines.accepted_offsets(
        csvlines.scan(source.path, newlines), bad_lines, accepted, inner
    )
    if breaks is None:  # a stray quote fooled the fast scan
        records = csvlines.scan_slowly(source.path, delimiter)
        breaks = csvlines.accepted_offsets(records, bad_lines, accepted, inner)
    if breaks is None:
        work.notes.append(
            f"{source.label}: its quoting could not be followed line by line, so the line "
            "numbers quoted for it are approximate"
        )
        breaks = [(0, 0)]
    select = ", ".join(f"r.c{i} AS {quote_ident(name)}" for name, i in positions.items())
    relation = work.view(f"{base}_lined", f"SELECT {select}, {_line_from(work, base, raw, breaks)}")
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


def _quarantine_malformed(work: Work, source: Source, bad: list[tuple], lines: np.ndarray) -> None:
    if not bad:
        return
    rows = []
    for (_, kind, message), line in zip(bad, lines, strict=True):
        words = _CSV_ERRORS.get(kind, f"could not be read ({message})")
        rows.append((source.table, source.label, int(line), "", f"line {words}", "malformed line"))
    frame = pd.DataFrame(rows, columns=["tbl", "file", "line", "col", "reason", "kind"])
    work.con.register(work.name("malformed_frame"), frame)
    try:
        work.add(f"SELECT *, TRUE FROM {work.name('malformed_frame')}")
    finally:
        work.con.unregister(work.name("malformed_frame"))


# Parquet -----------------------------------------------------------------------------------
def _read_parquet(work: Work, source: Source) -> tuple[str, dict[str, str], int]:
    path = sql_text(str(source.path))
    try:
        described = work.con.execute(f"DESCRIBE SELECT * FROM read_parquet({path})").fetchall()
        rows = work.scalar(f"SELECT count(*) FROM read_parquet({path})")
    except Exception as exc:
        raise ContractError(
            f"table {source.table}, file {source.label}: cannot be read as Parquet: {exc}"
        ) from exc
    header = [d[0] for d in described]
    positions = _columns(source, header)
    types = {name: str(described[i][1]) for name, i in positions.items()}
    select = ", ".join(
        f"{quote_ident(header[i])} AS {quote_ident(name)}" for name, i in positions.items()
    )
    relation = work.view(
        f"raw_{source.table}",
        f"SELECT {select}, file_row_number + 1 AS _line "
        f"FROM read_parquet({path}, file_row_number = true)",
    )
    work.say(f"reading {source.label} ({rows:,} rows)")
    return relation, types, rows


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
        rows = sheet.iter_rows(values_only=True)
        header = list(next(rows, ()) or ())
        positions = _columns(source, [_cell_text(h) for h in header])
        data: dict[str, list] = {name: [] for name in positions}
        lines: list[int] = []
        for number, row in enumerate(rows, start=2):
            if row is None or all(v is None or str(v).strip() == "" for v in row):
                continue  # an empty worksheet row is not a record
            lines.append(number)
            for name, index in positions.items():
                data[name].append(_cell_text(row[index]) if index < len(row) else None)
    finally:
        book.close()
    frame = pd.DataFrame({name: pd.Series(v, dtype="object") for name, v in data.items()})
    frame["_line"] = pd.Series(lines, dtype="int64")
    view = work.name(f"xlsx_{source.table}")
    work.con.register(view, frame)
    try:
        casts = ", ".join(
            f"CAST({quote_ident(n)} AS VARCHAR) AS {quote_ident(n)}" for n in positions
        )
        relation = work.table(f"raw_{source.table}", f"SELECT {casts}, _line FROM {view}")
    finally:
        work.con.unregister(view)
    work.say(f"reading {source.label} sheet {title} ({len(lines):,} rows)")
    return relation, {name: "VARCHAR" for name in positions}, len(lines)
