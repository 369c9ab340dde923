"""The building blocks of every table's checks: parse fields, apply a check, keep the first.

A stage works out each row's `_fail` struct (NULL: the row passes), quarantines the failing
rows and hands on a view of the rest; the parse stage materializes only the failing lines, the
others their rows once. Each rejected row gets exactly one quarantine record (its first failing
rule), which is what makes rows_read == rows_loaded + rows_rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeroom.contract.fields import Parsed, parse, quote_ident, sql_text
from homeroom.contract.readers import RawTable
from homeroom.contract.work import Work, fail, first_fail, kept_list

REQUIRED, STRICT, SOFT = "required", "strict", "soft"

_BAD_KIND = {
    "date": "not a date",
    "year": "not a school year",
    "bool": "not yes/no",
    "int": "not a whole number",
    "minutes": "not a whole number",
    "fraction": "not a fraction",
    "language": "not a language code",
    "email": "not an email address",
}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    mode: str  # REQUIRED: empty or bad rejects; STRICT: bad rejects; SOFT: bad is kept empty


def bad_kind(kind: str) -> str:
    return _BAD_KIND.get(kind, f"unknown {kind.replace('_', ' ')}")


def parse_stage(
    work: Work,
    raw: RawTable,
    fields: list[Field],
    *,
    noun: str,
    extra: dict[str, str] | None = None,
) -> str:
    """Typed columns for `fields`, rows failing a field check quarantined; the rest as a view.

    `extra` adds columns computed from the raw relation (e.g. a row's school_id as text).
    SOFT failures are kept in a `_kept` list and written once the row is finally loaded.
    """
    parsed = {f.name: parse(f.kind, f.name, raw.types.get(f.name)) for f in fields}
    checks: list[tuple[str, str]] = []
    for f in fields:
        p = parsed[f.name]
        if f.mode == REQUIRED:
            checks.append((f"NOT {p.given}", fail(f.name, f"'{f.name} is empty'", "missing value")))
        if f.mode in (REQUIRED, STRICT):
            checks.append((p.bad, fail(f.name, p.reason, bad_kind(f.kind))))
            if p.out_of_range != "FALSE":
                checks.append((p.out_of_range, fail(f.name, p.reason, "out of range")))
    keep = f"'; kept the {noun} with it empty'"
    kept = [
        (parsed[f.name].bad, fail(f.name, f"{parsed[f.name].reason} || {keep}", "kept empty"))
        for f in fields
        if f.mode == SOFT
    ]
    columns = [f"{parsed[f.name].value} AS {quote_ident(f.name)}" for f in fields]
    columns += [f"{expr} AS {quote_ident(name)}" for name, expr in (extra or {}).items()]
    # Only the failing lines are materialized; the parsed rows stay a view of the file, read
    # again by each later step for the columns it needs. Copying the wide rows (a state's
    # students and contacts, 10^7 rows of text) cost more than reading the file several times.
    failed = work.table(
        f"{raw.table}_parsed_all",
        f"SELECT _line, _fail FROM (SELECT _line, {first_fail(checks)} AS _fail "
        f"FROM {raw.relation}) WHERE _fail IS NOT NULL",
    )
    rows = f"SELECT {', '.join(columns)}, _line, {kept_list(kept)} AS _kept FROM {raw.relation}"
    if work.reject(raw.table, raw.label, failed):
        rows += f" ANTI JOIN {failed} USING (_line)"
    work.parsed[raw.table] = work.view(f"{raw.table}_parsed", rows)
    return work.parsed[raw.table]


def parsed_field(raw: RawTable, name: str, kind: str) -> Parsed:
    return parse(kind, name, raw.types.get(name))


def stage(work: Work, table: str, file: str, base: str, select_sql: str) -> str:
    """Materialize `select_sql` (which computes `_fail`), quarantine failures, view the rest."""
    everything = work.table(f"{base}_all", select_sql)
    work.reject(table, file, everything)
    return work.view(base, f"SELECT * EXCLUDE (_fail) FROM {everything} WHERE _fail IS NULL")


def check_stage(
    work: Work,
    table: str,
    file: str,
    base: str,
    source: str,
    checks: list[tuple[str, str]],
    *,
    joins: str = "",
    columns: str = "",
) -> str:
    """Apply ordered row checks (condition, fail struct) to `source` AS s, with optional joins."""
    extra = f", {columns}" if columns else ""
    select = f"SELECT s.*{extra}, {first_fail(checks)} AS _fail FROM {source} s {joins}"
    return stage(work, table, file, base, select)


def keep_first(
    work: Work,
    table: str,
    file: str,
    base: str,
    source: str,
    keys: list[str],
    *,
    col: str,
    reason: str,
    also: dict[str, str] | None = None,
    carry: tuple[str, ...] = (),
) -> str:
    """Of rows sharing `keys`, keep the first line; the others are quarantined as duplicates.

    `reason` is SQL text that may use `_first` (the kept line), the window values in `also`
    and the columns in `carry`. Only the keys and lines are sorted and only the duplicates
    materialized: the wide rows are not copied (a million students' rows cost seconds).
    """
    window = f"PARTITION BY {', '.join(quote_ident(k) for k in keys)} ORDER BY _line"
    more = "".join(f", {expr} OVER w AS {name}" for name, expr in (also or {}).items())
    narrow = ", ".join([*(quote_ident(k) for k in keys), *carry, "_line"])
    duplicates = work.table(
        f"{base}_all",
        f"SELECT _line, {fail(col, reason, 'duplicate')} AS _fail FROM (SELECT {narrow}, "
        f"first_value(_line) OVER w AS _first{more} FROM {source} WINDOW w AS ({window})) "
        "WHERE _line <> _first",
    )
    if not work.reject(table, file, duplicates):
        return source  # the usual case: no join to read through
    return work.view(base, f"SELECT * FROM {source} ANTI JOIN {duplicates} USING (_line)")


def dup_reason(what: str) -> str:
    return f"'duplicate of line ' || _first || ' for the same {what}; kept the first'"


def literal(value: str) -> str:
    return sql_text(value)
