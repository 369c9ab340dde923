"""Write an import's canonical tables and its `load_report.md`, after validating them.

The tables are validated exactly as `homeroom load` would validate them, so the report tells the
district before any load which rows will be quarantined and why, traced back to the source file
and line where the importer recorded them. The data-quality monitors run on the same tables.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from homeroom.contract import TABLES, ValidationReport, validate_dataset
from homeroom.contract.schema import FILE_SUFFIXES, QUARANTINE_COLUMNS
from homeroom.contract.tablefiles import write_csv
from homeroom.definitions import Definition
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult, StoredTable
from homeroom.interop.spill import give_back_freed_memory, store_held
from homeroom.warehouse.memory import IMPORT_MEMORY_LIMIT, memory_connection

REPORT_NAME = "load_report.md"
QUARANTINE_NAME = "import_quarantine.csv"


@dataclass
class ImportWritten:
    out_dir: Path
    files: list[Path]
    validation: ValidationReport
    quarantine: pd.DataFrame  # import rejects, then validation quarantine (with source columns)
    report_path: Path
    monitors: list = field(default_factory=list)


def write_import(
    result: ImportResult,
    out_dir: Path,
    *,
    definition: Definition,
    fmt: str = "csv",
    progress: Callable[[str], None] | None = None,
) -> ImportWritten:
    """Write `result` as a dataset folder, validate it and write `load_report.md` beside it.

    Canonical files already in `out_dir` are replaced as a whole (a stale `attendance.parquet`
    next to a new `attendance.csv` would make the folder ambiguous); other files are left alone.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be csv or parquet, not {fmt!r}")
    step = progress or (lambda _message: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    step("Writing the canonical tables")
    files = _write_tables(result.tables, out_dir, fmt, result.stored)
    # The written tables are checked from their files; a large frame held meanwhile (1 GiB at
    # 1,000,000 students) is moved to a Parquet file first, as the import's stored tables are.
    store_held(result)
    give_back_freed_memory()
    step("Validating the written tables")
    # Bounded as `--data` is (an unbounded connection took 5.8 GiB at 1,000,000 students), with
    # the smaller pool of IMPORT_MEMORY_LIMIT (why: warehouse/memory.py).
    with memory_connection(IMPORT_MEMORY_LIMIT) as con:
        validation = validate_dataset(out_dir, con, definition=definition, progress=progress)
        quarantine = _traced_quarantine(result, validation, fmt)
        step("Running the data-quality monitors")
        monitors = _monitors(con, quarantine, progress)
    quarantine_path = out_dir / QUARANTINE_NAME
    if quarantine.empty:
        quarantine_path.unlink(missing_ok=True)
    else:
        write_csv(quarantine, quarantine_path)  # formula-like text neutralised
    from homeroom.interop.load_report import render_load_report

    report_path = out_dir / REPORT_NAME
    report_path.write_text(
        render_load_report(result, validation, quarantine, monitors, definition, files),
        encoding="utf-8",
    )
    return ImportWritten(out_dir, files, validation, quarantine, report_path, monitors)


def _write_tables(
    tables: dict[str, pd.DataFrame],
    out_dir: Path,
    fmt: str,
    stored: dict[str, StoredTable] | None = None,
) -> list[Path]:
    stored = stored or {}
    unknown = sorted((set(tables) | set(stored)) - set(TABLES))
    if unknown:
        raise ValueError(f"not canonical tables: {', '.join(unknown)}")
    # Write beside the target first, then swap in, so a failure leaves the old folder whole.
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=out_dir))
    written: list[Path] = []
    try:
        for name, frame in tables.items():
            path = staging / f"{name}.{fmt}"
            if fmt == "csv":
                frame.to_csv(path, index=False, lineterminator="\n")
            else:
                frame.astype("string").to_parquet(path, index=False)
            written.append(path)
        for name, kept in stored.items():
            path = staging / f"{name}.{fmt}"
            _copy_stored(kept, path, fmt)
            written.append(path)
        for table in TABLES:
            for suffix in FILE_SUFFIXES:
                stale = out_dir / f"{table}{suffix}"
                replaced = (table not in tables and table not in stored) or suffix != f".{fmt}"
                if replaced and stale.exists():
                    stale.unlink()
        final = []
        for path in written:
            target = out_dir / path.name
            os.replace(path, target)
            final.append(target)
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _copy_stored(table: StoredTable, path: Path, fmt: str) -> None:
    """A stored table written in the folder's format by DuckDB, in batches, in its row order."""
    options = "FORMAT csv, HEADER" if fmt == "csv" else "FORMAT parquet"
    # Bounded like the check: unbounded, the copy of a million students' attendance was the
    # Ed-Fi import's peak (2.82 GiB; docs/benchmarks.md, "Imports").
    with memory_connection(IMPORT_MEMORY_LIMIT) as con:
        con.execute("SET preserve_insertion_order = true")
        columns = [row[0] for row in con.execute(
            "DESCRIBE SELECT * FROM read_parquet(?)", [str(table.path)]
        ).fetchall()]  # fmt: skip
        # Text in the written files, as the frames' to_csv/to_parquet write it.
        cast = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in columns)
        source = str(table.path).replace("'", "''")
        target = str(path).replace("'", "''")
        con.execute(f"COPY (SELECT {cast} FROM read_parquet('{source}')) TO '{target}' ({options})")


def _stored_sources(table: StoredTable, lines: pd.Series, first: int) -> tuple[list, list]:
    """Source file and line of the rows at `lines` of a stored table written one line a row
    (its values hold no line breaks), its first row on line `first`."""
    con = duckdb.connect()
    try:
        wanted = pd.DataFrame({"line": lines.astype("int64").to_numpy()})
        con.register("wanted", wanted)
        found = con.execute(
            f"""SELECT w.line, t.{SOURCE_FILE}, t.{SOURCE_LINE}
            FROM wanted w LEFT JOIN (
                SELECT ordinality + ? - 1 AS line, {SOURCE_FILE}, {SOURCE_LINE}
                FROM read_parquet(?) WITH ORDINALITY
            ) t ON t.line = w.line""",
            [first, str(table.path)],
        ).df()
    finally:
        con.close()
    by_line = found.set_index("line")
    picked = by_line.reindex(wanted["line"])
    return picked[SOURCE_FILE].tolist(), picked[SOURCE_LINE].tolist()


def _traced_quarantine(
    result: ImportResult, validation: ValidationReport, fmt: str
) -> pd.DataFrame:
    """Import rejects and validation quarantine, with the source file and line where known.

    Validation numbers a CSV file's lines (the header is line 1) and a Parquet file's rows
    (the first is 1), so the row a quarantined line names depends on the format written.
    """
    first = 2 if fmt == "csv" else 1
    frames = []
    rejected = result.rejected
    if not rejected.empty:
        rejected = rejected.assign(source_file=rejected["file"], source_line=rejected["line"])
        rejected["stage"] = "import"
        frames.append(rejected)
    found = validation.quarantine.copy()
    if not found.empty:
        found["stage"] = "validation"
        found[SOURCE_FILE] = pd.Series([None] * len(found), dtype="object")
        found[SOURCE_LINE] = pd.Series([None] * len(found), dtype="Int64")
        for table, stored in result.stored.items():
            mine = found["table"].eq(table) & found["line"].notna()
            if mine.any():
                files, lines = _stored_sources(stored, found.loc[mine, "line"], first)
                found.loc[mine, SOURCE_FILE] = pd.Series(files, index=found.index[mine])
                found.loc[mine, SOURCE_LINE] = pd.array(
                    pd.to_numeric(pd.Series(lines), errors="coerce"), dtype="Int64"
                )
        for table, frame in result.tables.items():
            if SOURCE_FILE not in frame.columns or SOURCE_LINE not in frame.columns:
                continue
            starts = _csv_row_lines(frame) if fmt == "csv" else range(first, first + len(frame))
            mine = found["table"].eq(table) & found["line"].notna()
            if not mine.any():
                continue
            position = pd.Series(range(len(frame)), index=starts)
            rows = position.reindex(found.loc[mine, "line"].astype("int64").to_numpy())
            known = rows.notna().to_numpy()
            index = found.index[mine][known]
            picked = rows.to_numpy()[known].astype("int64")
            found.loc[index, SOURCE_FILE] = frame[SOURCE_FILE].to_numpy()[picked]
            found.loc[index, SOURCE_LINE] = pd.array(
                pd.to_numeric(frame[SOURCE_LINE].to_numpy()[picked], errors="coerce"),
                dtype="Int64",
            )
        frames.append(found)
    columns = [*QUARANTINE_COLUMNS, "stage", SOURCE_FILE, SOURCE_LINE]
    if not frames:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in columns})
    return pd.concat([f[columns] for f in frames], ignore_index=True)


def _csv_row_lines(frame: pd.DataFrame) -> list[int]:
    """The file line each row of `frame` starts on once written as CSV (header is line 1).

    A value holding a line break is quoted and spans lines, so count the breaks before each row.
    """
    breaks = pd.Series(0, index=frame.index, dtype="int64")
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            breaks += values.astype("string").str.count("\n").fillna(0).astype("int64")
    starts = 2 + breaks.cumsum() - breaks + pd.Series(range(len(frame)), index=frame.index)
    return starts.astype("int64").tolist()


def _monitors(
    con: duckdb.DuckDBPyConnection,
    quarantine: pd.DataFrame,
    progress: Callable[[str], None] | None = None,
) -> list:
    from homeroom.quality import run_monitors

    # No previous attendance: the folder's old files are replaced before validation, so an
    # import is not compared with the one before; `homeroom load` compares workspace loads.
    return run_monitors(con, quarantine=quarantine, progress=progress)
