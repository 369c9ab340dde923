"""Which files of a SIS export DuckDB reads, and the large attendance files it folds in batches.

Every file that is plain UTF-8 CSV with one record a line (`scan.py`) is read by DuckDB. An
attendance file of minutes (Infinite Campus) is also kept in DuckDB and folded there
(`folding.py`) when the other files give the stays; its daily rows go to a stored table. Any
other case takes the exact path, file by file, with the same results.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from homeroom.contract.errors import ContractError
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult, SourceRead
from homeroom.interop.sis.matching import (
    Assembly,
    Matched,
    choose_spec,
    match_table,
    note_columns,
    role_columns,
)
from homeroom.interop.sis.preset import FileSpec, Preset
from homeroom.interop.sis.reading import SourceTable
from homeroom.interop.sis.scan import (
    CsvScan,
    SqlWork,
    blank,
    plain_lines,
    scan_csv,
    source_table,
)

# The roles an attendance file may fill for the SQL fold (minutes, codes with a fallback).
FOLD_ROLES = ("student_id", "school_id", "date", "code", "code_fallback", "minutes_absent",
              "day_minutes", "grade_level")  # fmt: skip
RAW_ROLES = FOLD_ROLES[:-1]


@dataclass
class Plan:
    """The files' heads and what DuckDB does with them."""

    scans: list[CsvScan | None]
    fold: bool  # attendance files are folded in DuckDB


def plan(files: list, preset: Preset) -> Plan:
    scans = [scan_csv(path) for path in files]
    specs = [_spec(s, preset) if s else None for s in scans]
    known = all(s is not None for s in specs)
    feeds = {f for spec in specs if spec for f in spec.feeds}
    fold = known and "enrollments" in feeds and "totals" not in feeds
    for scan, spec in zip(scans, specs, strict=True):
        if fold and scan and spec and "attendance" in spec.feeds:
            fold = _foldable(scan, spec)
    return Plan(scans, fold)


def _spec(scan: CsvScan, preset: Preset) -> FileSpec | None:
    try:
        return choose_spec(scan.label, scan.headers, preset)
    except ContractError:  # the exact path says so, in its turn
        return None


def _foldable(scan: CsvScan, spec: FileSpec) -> bool:
    roles, _ = role_columns(scan.headers, spec)
    return (
        spec.feeds == ("attendance",)
        and not spec.keep
        and set(roles) <= set(FOLD_ROLES)
        and "day_minutes" in roles
    )


def start(result: ImportResult) -> SqlWork:
    return SqlWork(result.scratch_folder())  # the stored tables live as long as the result


def read(
    work: SqlWork, scan: CsvScan, preset: Preset, result: ImportResult, fold: bool
) -> Matched | None:
    """The file matched to its spec, read by DuckDB; None when the exact reader must read it."""
    spec = _spec(scan, preset)
    if spec is None:
        return None
    if not (fold and "attendance" in spec.feeds):
        table = source_table(work.con, scan)
        return match_table(table, preset, result) if table is not None else None
    lines = plain_lines(scan.path)
    if lines is None:
        return None
    roles, missing = role_columns(scan.headers, spec)
    raw = work.name()
    # Cells as written (trimmed later: the keys in SQL, the other values by their maps).
    columns = [f"c{roles[r][0]} AS {r}" if r in roles else f"NULL::VARCHAR AS {r}"
               for r in RAW_ROLES if r != "code_fallback"]  # fmt: skip
    columns += [f"c{p} AS fb_{n}" for n, p in enumerate(roles.get("code_fallback", []))]
    try:
        work.con.execute(
            f"CREATE TABLE {raw} AS SELECT {', '.join(columns)}, line, {blank(scan)} AS blank "
            f"FROM {scan.relation()}"
        )
    except Exception:  # noqa: BLE001 - any reader error: the exact reader names the line
        return None
    count, blanks = work.con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE blank) FROM {raw}"
    ).fetchall()[0]
    if count + 1 != lines or blanks:
        work.con.execute(f"DROP TABLE {raw}")
        return None
    note_columns(result, scan.label, spec, count, roles, missing)
    result.read.append(SourceRead(scan.label, spec.name, count))
    empty = SourceTable(scan.path, scan.label, scan.headers, pd.DataFrame(), [])
    frame = pd.DataFrame({SOURCE_FILE: pd.Series([], dtype=object)})
    return Matched(empty, spec, frame, raw)


def stripped(values: pd.Series) -> pd.Series:
    """Cells as the exact reader keeps them: trimmed, empty as None."""
    text = [v.strip() if isinstance(v, str) else None for v in values]
    return pd.Series([v or None for v in text], index=values.index, dtype=object)


def fallback_of(parts: pd.DataFrame) -> pd.Series:
    """The fallback code of trimmed parts, as `match_table` joins several headers ("A/E")."""
    if parts.shape[1] == 0:
        return pd.Series(None, index=parts.index, dtype=object)
    if parts.shape[1] == 1:
        return parts.iloc[:, 0].astype(object)
    rows = zip(*(parts[c] for c in parts.columns), strict=True)
    joined = ["/".join(v if isinstance(v, str) else "" for v in row) for row in rows]
    return pd.Series([j if j.strip("/") else None for j in joined], index=parts.index, dtype=object)


def raw_frame(ctx: Assembly, m: Matched) -> pd.DataFrame:
    """A DuckDB-held file as the exact path's frame (when another attendance file is not
    plain CSV, every attendance file takes the exact path)."""
    assert ctx.work is not None and m.raw is not None
    frame = ctx.work.con.execute(f"SELECT * EXCLUDE (blank) FROM {m.raw} ORDER BY line").df()
    lines = frame.pop("line")
    frame = frame.astype(object).where(frame.notna(), None).apply(stripped)
    parts = frame[[c for c in frame.columns if c.startswith("fb_")]]
    frame["code_fallback"] = fallback_of(parts)
    present = [r for r in RAW_ROLES if r in role_columns(m.table.headers, m.spec)[0]]
    frame = frame[present]
    frame[SOURCE_FILE] = m.table.label
    frame[SOURCE_LINE] = pd.array(lines.tolist(), dtype="Int64")
    return frame
