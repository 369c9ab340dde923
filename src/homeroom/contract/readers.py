"""Find a dataset's files and read each table into DuckDB as it is, with its line numbers.

Every reader hands on a relation whose columns are the contract's names (headers trimmed and
lower-cased; extra columns left out, they are ignored) plus `_line`: the line of a CSV file
(header = 1), the row of a Parquet file (1-based) or the row of a worksheet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from homeroom.contract.csvfile import read_csv
from homeroom.contract.parquetfile import damaged_file_error, read_parquet
from homeroom.contract.report import SourceFile
from homeroom.contract.sources import Source, locate
from homeroom.contract.work import Work
from homeroom.contract.xlsxfile import read_xlsx

__all__ = ["RawTable", "Source", "damaged_file_error", "locate", "read_table"]


@dataclass
class RawTable:
    table: str
    label: str  # the file name quarantine rows cite
    relation: str  # temp relation: contract columns present in the file, plus _line
    types: dict[str, str]  # contract column -> DuckDB type as read
    rows: int  # rows read, including lines the CSV parser could not split
    source: SourceFile


def read_table(work: Work, source: Source, hashes: dict[Path, str]) -> RawTable:
    suffix = source.path.suffix.lower()
    if suffix == ".csv":
        relation, types, rows = read_csv(work, source)
    elif suffix == ".parquet":
        relation, types, rows = read_parquet(work, source)
    else:
        relation, types, rows = read_xlsx(work, source)
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
