"""Read a Parquet file of a table into DuckDB (`_line`: the 1-based row), and name the file at
fault when a read fails part-way through one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from homeroom.contract.errors import ContractError
from homeroom.contract.fields import quote_ident, sql_text
from homeroom.contract.sources import Source, column_positions, first_line, where
from homeroom.contract.work import Work


def read_parquet(work: Work, source: Source) -> tuple[str, dict[str, str], int]:
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
            f"{where(source)}: cannot be read as Parquet (damaged, cut off, or not a Parquet "
            f"file): {first_line(exc).replace(str(source.path), source.label)}"
        ) from exc
    if len(header) != len(described):  # nested columns: fall back to DuckDB's names
        header = [d[0] for d in described]
    positions = column_positions(source, header)
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
        f"({first_line(exc).replace(str(path), path.name)}); export it again"
    )
