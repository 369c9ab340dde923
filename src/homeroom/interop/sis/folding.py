"""Minute attendance of a large SIS export folded into daily rows in DuckDB, in batches.

The same rules as `homeroom.interop.daily` (its docstring), for the common case of a plain
CSV file with one row per code and minutes (Infinite Campus). Whatever depends on a value's
text (dates in the preset's formats, codes and their fallback, numbers) is worked out in
Python by the same functions on each *distinct* value, a few hundred at most, and joined back;
only the per-day sums run in SQL. The rows of a day that cannot be folded go through the
exact code (`daily.reject_bad_days`), so their reasons are the same word for word.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from homeroom.contract.schema import CATEGORIES
from homeroom.interop import daily
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, Mapping, StoredTable
from homeroom.interop.sis import fastpath
from homeroom.interop.sis.matching import Assembly
from homeroom.interop.sis.scan import EDGE, EDGES
from homeroom.interop.sis.sqlmaps import date_map, number_map, register

_ORDER = daily.DAY_CATEGORY_ORDER
_COUNTED = daily.COUNTED


@dataclass
class Folded:
    """A file's daily rows (stored), its schools' dates and its day lengths by school."""

    stored: StoredTable
    seen: pd.DataFrame  # school_id, date: distinct, in the order of first appearance
    lengths: dict[str, str]


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def fold_minutes(
    ctx: Assembly,
    con: duckdb.DuckDBPyConnection,
    raw: str,
    label: str,
    school_minutes: dict[str, int],
    out: Path,
) -> Folded:
    """Fold table `raw` (student_id, school_id, date, code, code_fallback, minutes_absent,
    day_minutes as source text, and line) into daily rows written to `out` (Parquet)."""
    _source(con, raw)
    _code_map(ctx, con, raw)
    ctx.serials += date_map(con, raw, ctx.preset)
    number_map(con, raw)
    lengths = _lengths(con, raw)
    minutes = {**school_minutes}
    for school, length in lengths.items():
        minutes.setdefault(school, int(length))
    register(
        con,
        "school_minutes",
        pd.DataFrame(
            {
                "school_id": pd.Series(list(minutes), dtype=object),
                "minutes": pd.Series(list(minutes.values()), dtype="int64"),
            }
        ),
    )
    _rows(con, raw)
    rows_in = con.execute("SELECT count(*) FROM fold_rows").fetchall()[0][0]
    folded = daily.DailyAttendance(pd.DataFrame(), rows_in=rows_in)
    days = _days(con)
    _rejects(con, folded, label)
    notes = _notes(con, days)
    rounded = _fractions(con)
    if rounded:
        notes.append(daily.FOLD_NOTES["rounded"].format(days=rounded))
    _write(con, label, out)
    folded.notes.extend(notes)
    folded.apply_to(ctx.result)
    ctx.result.note(
        f"attendance: {rows_in:,} period or minute rows folded into {days:,} daily rows "
        f"({len(folded.rejected):,} rejected)"
    )
    seen = con.execute(
        "SELECT school_id, date FROM fold_days WHERE NOT doomed GROUP BY ALL "
        "ORDER BY min(first_line)"
    ).df()
    return Folded(StoredTable(out, days), seen.astype(object), lengths)


def _code_map(ctx: Assembly, con: duckdb.DuckDBPyConnection, raw: str) -> None:
    """Each distinct code and fallback: its category, or why it has none (as `_category`)."""
    parts = _fallback_parts(con, raw)
    pairs = con.execute(
        f"SELECT code, {''.join(p + ', ' for p in parts)}count(*) AS n FROM {raw} GROUP BY ALL"
    ).df()
    pairs = pairs.astype(object).where(pairs.notna(), None)
    codes = ctx.preset.codes
    given = fastpath.stripped(pairs["code"])
    fallbacks = fastpath.fallback_of(pairs[parts].apply(fastpath.stripped))
    chosen, category, problem = [], [], []
    for code, fallback in zip(given, fallbacks, strict=True):
        pick = (code or "") if (code or "") in codes else (fallback if fallback in codes else None)
        chosen.append(pick)
        category.append(codes[pick].category if pick is not None else None)
        unknown = pick is None and code is not None
        problem.append(f"code {code[:40]!r} is not in the preset's codes" if unknown else None)
    _record_codes(ctx, given, fallbacks, pairs["n"], chosen)
    pairs["category"] = pd.Series(category, index=pairs.index, dtype=object)
    pairs["problem"] = pd.Series(problem, index=pairs.index, dtype=object)
    register(con, "code_map", pairs[["code", *parts, "category", "problem"]])


def _fallback_parts(con: duckdb.DuckDBPyConnection, raw: str) -> list[str]:
    columns = [row[0] for row in con.execute(f"DESCRIBE {raw}").fetchall()]
    return [c for c in columns if c.startswith("fb_")]


def _record_codes(
    ctx: Assembly, codes: pd.Series, fallbacks: pd.Series, counts: pd.Series, chosen: list
) -> None:
    """The mapping lines of the load report, as `attendance._record_codes` writes them."""
    preset = ctx.preset
    keyed: dict[tuple[str, str], list] = {}
    for code, fallback, n, pick in zip(codes, fallbacks, counts, chosen, strict=True):
        entry = keyed.setdefault((code or "", fallback or ""), [0, pick])
        entry[0] += int(n)
    for (source, fallback), (rows, pick) in sorted(keyed.items()):
        target = preset.codes[pick].category if isinstance(pick, str) else ""
        shown = source if not fallback or source in preset.codes else f"{source} ({fallback})"
        ctx.result.mappings.append(Mapping("attendance code", shown or "(blank)", target, rows))


def _lengths(con: duckdb.DuckDBPyConnection, raw: str) -> dict[str, str]:
    """Each school's most frequent day length (the smallest on a tie), when whole and > 0."""
    counts = con.execute(
        """SELECT r.school_id, n.number, count(*) AS c FROM fold_src r
        JOIN number_map n ON n.text = r.day_minutes
        WHERE r.school_id IS NOT NULL AND n.number IS NOT NULL GROUP BY ALL"""
    ).df()
    lengths: dict[str, str] = {}
    ordered = counts.sort_values(["school_id", "c", "number"], ascending=[True, False, True])
    for school, number in ordered.drop_duplicates("school_id")[["school_id", "number"]].values:
        if float(number).is_integer() and number > 0:
            lengths[school] = str(int(number))
    return lengths


def _source(con: duckdb.DuckDBPyConnection, raw: str) -> None:
    """View `fold_src`: the raw rows with their keys trimmed as the exact reader trims them
    (a regular expression only for a column that has whitespace at an end somewhere)."""
    keys = []
    for column in ("student_id", "school_id"):
        edged = con.execute(
            f"SELECT bool_or(regexp_matches({column}, '{EDGE}')) FROM {raw}"
        ).fetchall()[0]
        if edged and edged[0]:
            keys.append(f"nullif(regexp_replace({column}, '{EDGES}', '', 'g'), '') AS {column}")
        else:
            keys.append(f"nullif({column}, '') AS {column}")
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW fold_src AS SELECT * REPLACE ({', '.join(keys)}) FROM {raw}"
    )


def _rows(con: duckdb.DuckDBPyConnection, raw: str) -> None:
    """Each source row with its date, category, amounts and day (`day_key`)."""
    missed_whole_day = _quoted(daily.WHOLE_DAY_WHEN_EMPTY)
    fallback = "".join(f" AND c.{p} IS NOT DISTINCT FROM r.{p}" for p in _fallback_parts(con, raw))
    bad = (
        f"c.problem IS NOT NULL OR c.category IS NULL OR c.category NOT IN "
        f"({_quoted(CATEGORIES)}) OR dm.positive IS NULL OR "
        "(coalesce(ma.given, false) AND ma.whole IS NULL)"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fold_rows AS
        SELECT r.line, r.student_id, r.school_id, d.iso AS date, c.category, c.problem,
            r.minutes_absent, r.day_minutes, dm.positive AS denominator,
            (coalesce(ma.given, false) AND ma.whole IS NULL) AS bad_minutes, ({bad}) AS bad,
            CASE WHEN c.category IN ('present', 'remote_present') THEN 0
                WHEN NOT coalesce(ma.given, false) AND c.category IN ({missed_whole_day})
                    THEN coalesce(dm.positive, 0)
                ELSE coalesce(ma.whole, 0) END AS missed,
            CASE WHEN r.student_id IS NULL OR r.school_id IS NULL OR d.iso IS NULL
                THEN r.line ELSE 0 END AS day_key
        FROM fold_src r
        LEFT JOIN code_map c ON c.code IS NOT DISTINCT FROM r.code{fallback}
        LEFT JOIN date_map d ON d.text IS NOT DISTINCT FROM r.date
        LEFT JOIN number_map dm ON dm.text = r.day_minutes
        LEFT JOIN number_map ma ON ma.text = r.minutes_absent"""
    )


def _rejects(con: duckdb.DuckDBPyConnection, folded: daily.DailyAttendance, label: str) -> None:
    """Every row of a day that cannot be folded, rejected by the exact fold's own code."""
    doomed = con.execute(
        """SELECT f.* EXCLUDE (bad) FROM fold_rows f SEMI JOIN (
            SELECT student_id, school_id, date, day_key FROM fold_days WHERE doomed
        ) b ON f.student_id IS NOT DISTINCT FROM b.student_id
            AND f.school_id IS NOT DISTINCT FROM b.school_id
            AND f.date IS NOT DISTINCT FROM b.date AND f.day_key = b.day_key
        ORDER BY f.line"""
    ).df()
    if doomed.empty:
        return
    frame = doomed.astype(object).where(doomed.notna(), None)
    for column in ("minutes_absent", "day_minutes"):
        frame[column] = fastpath.stripped(frame[column])
    keys = frame[["student_id", "school_id", "date", "day_key"]].fillna("\x00")
    frame["_day"] = keys.groupby(list(keys.columns), sort=False).ngroup()
    frame[daily.PROBLEM] = frame.pop("problem")
    frame[daily.PROBLEM_COLUMN] = frame[daily.PROBLEM].map(lambda p: "code" if p else None)
    frame["_bad_minutes"] = frame.pop("bad_minutes").astype(bool)
    frame["denominator"] = pd.to_numeric(frame["denominator"])
    frame[SOURCE_FILE] = label
    frame[SOURCE_LINE] = pd.array(frame.pop("line").tolist(), dtype="Int64")
    daily.reject_bad_days(frame, folded, by_period=False)


def _days(con: duckdb.DuckDBPyConnection) -> int:
    """The daily rows: each kept day's time missed by category, and its category."""
    sums = ", ".join(
        f"coalesce(sum(missed) FILTER (WHERE category = '{c}'), 0) AS s_{c}"
        for c in (*_COUNTED, "in_school_suspension")
    )
    order = "[" + _quoted(_ORDER) + "]"
    counted = " + ".join(f"s_{c}" for c in _COUNTED)
    top = "greatest(" + ", ".join(f"s_{c}" for c in _COUNTED) + ")"
    top_counted = " ".join(f"WHEN s_{c} = {top} THEN '{c}'" for c in _COUNTED)
    # The first category of the day's rows in DAY_CATEGORY_ORDER: one aggregate, not eight.
    first_present = f"{order}[first_rank]"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fold_days AS
        WITH summed AS (
            SELECT min(line) AS first_line, student_id, school_id, date, day_key,
                bool_or(bad) AS doomed, max(denominator) AS denom,
                min(denominator) < max(denominator) AS spread, {sums},
                min(list_position({order}, category)) AS first_rank
            FROM fold_rows GROUP BY student_id, school_id, date, day_key
        ), chosen AS (
            SELECT *, {counted} AS counted_total,
                CASE WHEN {counted} > 0 THEN (CASE {top_counted} END)
                    WHEN s_in_school_suspension > 0 THEN 'in_school_suspension'
                    ELSE {first_present} END AS category,
                CASE WHEN {counted} > 0 THEN {counted} ELSE s_in_school_suspension END AS missed
            FROM summed
        )
        SELECT c.first_line, c.student_id, c.school_id, c.date, c.day_key, c.doomed, c.category,
            c.denom, c.spread,
            c.missed > c.denom AS capped, least(c.missed, c.denom) AS m, s.minutes AS sm
        FROM chosen c LEFT JOIN school_minutes s ON s.school_id = c.school_id"""
    )
    return con.execute("SELECT count(*) FROM fold_days WHERE NOT doomed").fetchall()[0][0]


def _notes(con: duckdb.DuckDBPyConnection, days: int) -> list[str]:
    if not days:
        return []
    spread, capped = con.execute(
        "SELECT count(*) FILTER (WHERE spread), count(*) FILTER (WHERE capped) FROM fold_days "
        "WHERE NOT doomed"
    ).fetchall()[0]
    notes = []
    if spread:
        notes.append(daily.FOLD_NOTES["spread"].format(days=spread, what="day_minutes"))
    if capped:
        notes.append(daily.FOLD_NOTES["capped"].format(days=capped, what="minutes"))
    return notes


_EXACT_MINUTES = "(sm IS NOT NULL AND (m * sm) % denom = 0)"


def _fractions(con: duckdb.DuckDBPyConnection) -> int:
    """The text of each distinct part day (`daily.fraction_text`), joined back in `_write`;
    how many days' part was rounded."""
    parts = (
        f"SELECT m, denom FROM fold_days WHERE NOT doomed AND m > 0 AND NOT {_EXACT_MINUTES} "
        "AND m <> denom"
    )
    pairs = con.execute(f"SELECT DISTINCT m, denom FROM ({parts})").fetchall()
    texts = [daily.fraction_text(int(m), int(d)) for m, d in pairs]
    frame = pd.DataFrame(
        {
            "m": pd.Series([int(m) for m, _ in pairs], dtype="int64"),
            "denom": pd.Series([int(d) for _, d in pairs], dtype="int64"),
            "text": pd.Series([t for t, _ in texts], dtype=object),
            "exact": pd.Series([e for _, e in texts], dtype=bool),
        }
    )
    register(con, "fractions", frame)
    row = con.execute(
        f"SELECT count(*) FROM ({parts}) d JOIN fractions f USING (m, denom) WHERE NOT f.exact"
    ).fetchall()[0]
    return int(row[0]) if row else 0


def _write(con: duckdb.DuckDBPyConnection, label: str, out: Path) -> None:
    con.execute(
        f"""COPY (
        SELECT student_id, school_id, date, category,
            CASE WHEN m = 0 OR {_EXACT_MINUTES} THEN NULL WHEN m = denom THEN '1'
                ELSE text END AS absent_fraction,
            CASE WHEN m > 0 AND {_EXACT_MINUTES} THEN CAST(m * sm // denom AS VARCHAR)
                END AS minutes_absent,
            ? AS {SOURCE_FILE}, first_line AS {SOURCE_LINE}, CAST(NULL AS VARCHAR) AS code
        FROM fold_days LEFT JOIN fractions USING (m, denom) WHERE NOT doomed
        ORDER BY first_line
        ) TO '{str(out).replace("'", "''")}' (FORMAT parquet)""",
        [label],
    )
