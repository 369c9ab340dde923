"""Where a dataset's tables are: the file (or worksheet) of each, and the checks of a header.

Shared by the readers of each format (`csvfile`, `parquetfile`, `xlsxfile`), which hand on a
relation whose columns are the contract's names plus `_line`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from homeroom.contract.errors import ContractError
from homeroom.contract.fields import plain_name
from homeroom.contract.schema import FILE_SUFFIXES, TABLES, TABLES_REQUIRED

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook


@dataclass(frozen=True)
class Source:
    table: str
    path: Path
    sheet: str | None = None  # worksheet of an .xlsx file

    @property
    def label(self) -> str:
        return self.path.name


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
            places = ", ".join(
                s.label + (f" (sheet {s.sheet})" if s.sheet else "") for s in sources
            )
            raise ContractError(f"table {table}: more than one file gives it: {places}; keep one")
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


def open_workbook(path: Path) -> Workbook:
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
    book = open_workbook(path)
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


def column_positions(
    source: Source, header: Sequence[str | None], header_line: str = ""
) -> dict[str, int]:
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


def where(source: Source) -> str:
    return f"table {source.table}, file {source.label}"


def first_line(exc: BaseException) -> str:
    """An error's first line: DuckDB's later lines may quote the file's content."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
