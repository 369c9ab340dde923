"""Scratch space of one validation run: uniquely named temp tables and the quarantine table.

Validation never begins or commits: the caller's transaction makes a load all-or-nothing. Every
intermediate relation is a TEMP table or view with a per-run prefix, dropped at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import duckdb

from homeroom.contract.fields import sql_text

_QUARANTINE_SQL = (
    "tbl VARCHAR, file VARCHAR, line BIGINT, col VARCHAR, reason VARCHAR, kind VARCHAR, "
    "rejected BOOLEAN"
)


class Work:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.con = con
        self.prefix = f"_hr_{uuid.uuid4().hex[:10]}_"
        self._progress = progress
        self._made: list[tuple[str, str]] = []
        self.notes: list[str] = []
        self.parsed: dict[str, str] = {}  # table -> its parsed rows (stages.parse_stage)
        self.quarantine = self.table("quarantine", None, columns=_QUARANTINE_SQL)

    def say(self, message: str) -> None:
        if self._progress is not None:
            self._progress(message)

    def name(self, base: str) -> str:
        return f"{self.prefix}{base}"

    def table(self, base: str, sql: str | None, *, columns: str = "") -> str:
        name = self.name(base)
        if sql is None:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")
        else:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        self._remember("TABLE", name)
        return name

    def view(self, base: str, sql: str) -> str:
        name = self.name(base)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")
        self._remember("VIEW", name)
        return name

    def _remember(self, kind: str, name: str) -> None:
        if (kind, name) not in self._made:
            self._made.append((kind, name))

    def scalar(self, sql: str):
        return self.con.execute(sql).fetchall()[0][0]

    def reject(self, table: str, file: str, source: str, where: str = "_fail IS NOT NULL") -> int:
        """Quarantine the rows of `source` matching `where`; each carries a `_fail` struct."""
        return self._insert(
            f"SELECT {sql_text(table)}, {sql_text(file)}, _line, _fail.col, _fail.reason, "
            f"_fail.kind, TRUE FROM {source} WHERE {where}"
        )

    def kept_notes(self, table: str, file: str) -> int:
        """Quarantine records for loaded rows that lost a bad optional field (`_kept` list).

        Read from the table's parsed rows, less the lines set aside since: the final rows are
        a view through every later check's joins, read once more for a few notes.
        """
        rejected = (
            f"SELECT line AS _line FROM {self.quarantine} WHERE tbl = {sql_text(table)} "
            "AND rejected"
        )
        return self._insert(
            f"SELECT {sql_text(table)}, {sql_text(file)}, _line, k.col, k.reason, k.kind, FALSE "
            f"FROM (SELECT _line, unnest(_kept) AS k FROM {self.parsed[table]} "
            f"WHERE len(_kept) > 0) ANTI JOIN ({rejected}) USING (_line)"
        )

    def add(self, select_sql: str) -> int:
        """Insert rows shaped like the quarantine table (tbl, file, line, col, reason, kind, …)."""
        return self._insert(select_sql)

    def _insert(self, select_sql: str) -> int:
        before = self.scalar(f"SELECT count(*) FROM {self.quarantine}")
        self.con.execute(f"INSERT INTO {self.quarantine} {select_sql}")
        return self.scalar(f"SELECT count(*) FROM {self.quarantine}") - before

    def cleanup(self) -> None:
        for kind, name in reversed(self._made):
            try:
                self.con.execute(f"DROP {kind} IF EXISTS {name}")
            except duckdb.Error:  # an aborted transaction: the caller rolls it all back anyway
                return


def fail(col: str, reason: str, kind: str) -> str:
    """A `_fail` struct: the column at fault, the reason (SQL text expression), a short kind."""
    return f"{{'col': {sql_text(col)}, 'reason': {reason}, 'kind': {sql_text(kind)}}}"


def first_fail(checks: list[tuple[str, str]], *, flag_only: bool = False) -> str:
    """CASE over (condition, fail struct) pairs: the first that holds, else NULL.

    `flag_only`: TRUE instead of the struct (the same rows are NULL), for a pass over 10^8 rows
    that only needs to know which fail; their reasons are worked out for those rows after.
    """
    checks = [(cond, struct) for cond, struct in checks if cond != "FALSE"]
    if flag_only:
        checks = [(cond, "TRUE") for cond, _struct in checks]
    if not checks:
        return "CAST(NULL AS STRUCT(col VARCHAR, reason VARCHAR, kind VARCHAR))"
    whens = " ".join(f"WHEN {cond} THEN {struct}" for cond, struct in checks)
    return f"CASE {whens} END"


def kept_list(checks: list[tuple[str, str]]) -> str:
    """The list of fail structs of every optional field that was bad (kept empty).

    Nearly every row has none: the list is built only for rows where some check holds, as
    building a list of structs for every row cost more than the rest of a table's checks.
    """
    empty = "CAST([] AS STRUCT(col VARCHAR, reason VARCHAR, kind VARCHAR)[])"
    checks = [(cond, struct) for cond, struct in checks if cond != "FALSE"]
    if not checks:
        return empty
    items = ", ".join(f"CASE WHEN {cond} THEN {struct} END" for cond, struct in checks)
    any_holds = " OR ".join(f"({cond})" for cond, _struct in checks)
    return (
        f"CASE WHEN {any_holds} THEN list_filter([{items}], lambda x: x IS NOT NULL) "
        f"ELSE {empty} END"
    )


def unknown_school(alias: str) -> str:
    return f"'school_id ''' || {alias}.school_id || ''' is not in schools'"
