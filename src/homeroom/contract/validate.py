"""Read a dataset folder, check every rule, and write the validated tables (schema.VALIDATED).

The order follows the references: schools, students, codes and calendar first; then stays,
which point at them; then students without a stay; then attendance, which points at stays.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from homeroom.contract.attendance import check_attendance, units_per_day
from homeroom.contract.contacts import check_contacts
from homeroom.contract.enrollments import check_enrolled_students, check_enrollments
from homeroom.contract.fields import quote_ident
from homeroom.contract.readers import RawTable, damaged_file_error, locate, read_table
from homeroom.contract.reference import (
    check_calendar,
    check_codes,
    check_schools,
    check_students,
    dense_calendar,
)
from homeroom.contract.report import QUARANTINE_DTYPES, ValidationReport
from homeroom.contract.schema import QUARANTINE_COLUMNS, TABLES, TABLES_REQUIRED, VALIDATED
from homeroom.contract.supports import check_supports
from homeroom.contract.work import Work

if TYPE_CHECKING:  # definitions import the schema from this package
    from homeroom.definitions import Definition

_OUTPUT_EXPRESSIONS = {
    ("schools", "state"): "coalesce(state, '')",
    ("schools", "calendar_id"): "coalesce(calendar_id, school_id)",
}


def validate_dataset(
    data_dir: Path,
    con: duckdb.DuckDBPyConnection,
    *,
    definition: Definition,
    schema: str = "main",
    progress: Callable[[str], None] | None = None,
    contacts_and_supports: bool = True,
) -> ValidationReport:
    """Validate the dataset in `data_dir` into the six VALIDATED tables of `schema` in `con`.

    Raises ContractError when the dataset cannot be loaded at all; every row-level problem goes
    to the report's quarantine instead. Does not begin or commit a transaction.

    `contacts_and_supports=False`: those two optional tables are checked as always (their bad
    rows quarantined, their rows counted) but not written, for a caller that reads neither: a
    folder's check, monitors and metrics (a state's 9 million contacts took 9 of the 59 s of
    validating its folder in memory).
    """
    work = Work(con, progress)
    try:
        return _validate(work, Path(data_dir), definition, schema, contacts_and_supports)
    except duckdb.Error as exc:
        files = sorted(Path(data_dir).iterdir()) if Path(data_dir).is_dir() else []
        damaged = damaged_file_error(exc, files)
        if damaged is None:
            raise
        raise damaged from exc
    finally:
        work.cleanup()


def _validate(
    work: Work, data_dir: Path, definition: Definition, schema: str, contacts_and_supports: bool
) -> ValidationReport:
    sources, ignored = locate(data_dir)
    hashes: dict[Path, str] = {}
    raws = {table: read_table(work, source, hashes) for table, source in sources.items()}
    by_year = "school_year" in raws["students"].types
    _describe(work, raws, ignored, definition, by_year)

    schools = check_schools(work, raws["schools"])
    students = check_students(work, raws["students"])
    codes = check_codes(work, raws["codes"]) if "codes" in raws else None
    calendar = check_calendar(work, raws["calendar"])
    dense = work.table("calendar_dense", dense_calendar(calendar))
    stays = check_enrollments(
        work, raws["enrollments"], schools=schools, students=students, calendar=dense,
        by_year=by_year, definition=definition,
    )  # fmt: skip
    stays = work.table("stays", f"SELECT * FROM {stays}")  # read by every attendance row
    students = check_enrolled_students(
        work, raws["students"].label, students, stays, by_year=by_year
    )
    contacts = _contacts(work, raws, students)
    supports = _optional(work, raws, "supports", students, stays)
    units, lengths = units_per_day(work, raws["attendance"], schools)
    work.con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
    attendance = f"{quote_ident(schema)}.attendance"  # written by its checks: 10^8 rows once
    collapsed = check_attendance(
        work, raws["attendance"], schools=schools, stays=stays, calendar=dense, codes=codes,
        units=units, target=attendance,
    )  # fmt: skip
    _note_units(work, units, lengths)

    work.say("writing validated tables")
    finals = {
        "schools": schools,
        "students": students,
        "enrollments": stays,
        "calendar": dense,
        "attendance": attendance,
        "contacts": contacts,  # empty when the dataset has none: every load has the table
        "supports": supports,  # the same
    }
    unwritten = () if contacts_and_supports else ("contacts", "supports")
    for table, relation in finals.items():
        if table != "attendance" and table not in unwritten:
            _write(work, schema, table, relation)
    for table in ("schools", "students", "contacts"):
        if table in raws:
            work.kept_notes(table, raws[table].label)
    # From the written tables (the attendance view not evaluated again), else the checked rows.
    counted = {
        t: finals[t] if t in unwritten else f"{quote_ident(schema)}.{quote_ident(t)}"
        for t in finals
        if t != "calendar" and (t in raws or t in TABLES_REQUIRED)
    }
    loaded = {**counted, "calendar": calendar, **({"codes": codes} if codes else {})}
    rows_loaded = {t: int(work.scalar(f"SELECT count(*) FROM {r}")) for t, r in loaded.items()}
    _note_calendar_fill(work, dense, rows_loaded["calendar"])
    return _report(work, raws, rows_loaded, collapsed, units, schema)


def _describe(
    work: Work, raws: dict[str, RawTable], ignored: list[str], definition: Definition, by_year: bool
) -> None:
    if "codes" not in raws:
        work.notes.append("codes table not given; attendance rows must carry a category")
    if by_year:
        work.notes.append("students has a school_year column: one row per student and school year")
    rule = (
        "the last day enrolled"
        if definition.exit_date == "inclusive"
        else "the first day no longer enrolled"
    )
    work.notes.append(f"exit_date read as {rule} (definition {definition.name})")
    if ignored:
        work.notes.append(f"not a table of the contract, left aside: {', '.join(ignored)}")


_ORDER = {  # small tables sorted so a load reads the same every time; attendance is left as read
    "schools": "school_id",
    "students": "student_id, school_year",
    "enrollments": "student_id, school_year, entry_date, school_id",
    "calendar": "calendar_id, school_year, date",
    "contacts": "student_id, contact_id",
    "supports": "student_id, school_id, start_date, support",
}


def _write(work: Work, schema: str, table: str, relation: str) -> None:
    columns = ", ".join(
        f"CAST({_OUTPUT_EXPRESSIONS.get((table, name), quote_ident(name))} AS {kind}) "
        f"AS {quote_ident(name)}"
        for name, kind in VALIDATED[table].items()
    )
    work.con.execute(
        f"CREATE OR REPLACE TABLE {quote_ident(schema)}.{quote_ident(table)} AS "
        f"SELECT {columns} FROM {relation}"
        + (f" ORDER BY {_ORDER[table]}" if table in _ORDER else "")
    )


def _contacts(work: Work, raws: dict[str, RawTable], students: str) -> str:
    """The checked contacts, or an empty relation for a dataset without the optional table."""
    if "contacts" in raws:
        return check_contacts(work, raws["contacts"], students=students)
    columns = ", ".join(
        f"CAST(NULL AS {kind}) AS {quote_ident(name)}"
        for name, kind in VALIDATED["contacts"].items()
    )
    return work.view("contacts_none", f"SELECT {columns} WHERE FALSE")


def _optional(work: Work, raws: dict[str, RawTable], table: str, students: str, stays: str) -> str:
    """The checked supports, or an empty relation for a dataset without them."""
    if table in raws:
        return check_supports(work, raws[table], students=students, stays=stays)
    columns = ", ".join(
        f"CAST(NULL AS {kind}) AS {quote_ident(name)}" for name, kind in VALIDATED[table].items()
    )
    return work.view(f"{table}_none", f"SELECT {columns} WHERE FALSE")


def _note_units(work: Work, units: int, lengths: list[int]) -> None:
    if lengths:
        work.notes.append(
            f"absent amounts are exact in units of 1/{units:,} of a day (the least common "
            f"multiple of 10,000 and the day_minutes {', '.join(map(str, lengths))} of schools "
            "with minutes_absent rows)"
        )


def _note_calendar_fill(work: Work, dense: str, listed: int) -> None:
    filled = int(work.scalar(f"SELECT count(*) FROM {dense}")) - listed
    if filled:
        work.notes.append(
            f"calendar: {filled:,} dates missing between a calendar's first and last listed "
            "date were filled in as non-instructional"
        )


def _report(
    work: Work,
    raws: dict[str, RawTable],
    rows_loaded: dict[str, int],
    collapsed: int,
    units: int,
    schema: str,
) -> ValidationReport:
    order = {name: i for i, name in enumerate(TABLES)}
    frame = work.con.execute(
        f"SELECT tbl, file, line, col, reason, kind, rejected FROM {work.quarantine}"
    ).df()
    frame["_order"] = frame["tbl"].map(order)
    frame = frame.sort_values(["_order", "line", "rejected"], ascending=[True, True, False])
    rejected = frame[frame["rejected"].astype(bool)].groupby("tbl").size().to_dict()
    quarantine = frame.rename(columns={"tbl": "table", "col": "column"})[list(QUARANTINE_COLUMNS)]
    quarantine = quarantine.astype(QUARANTINE_DTYPES).reset_index(drop=True)
    rows_read = {t: raw.rows for t, raw in raws.items()}
    rows_rejected = {t: int(rejected.get(t, 0)) for t in raws}
    for table in raws:
        if rows_read[table] != rows_loaded[table] + rows_rejected[table]:
            raise RuntimeError(  # a bug in validation, never a property of the data
                f"validation lost rows of {table}: read {rows_read[table]}, loaded "
                f"{rows_loaded[table]}, rejected {rows_rejected[table]}"
            )
    years = work.con.execute(
        f"SELECT DISTINCT school_year FROM {quote_ident(schema)}.enrollments ORDER BY 1"
    ).fetchall()
    return ValidationReport(
        files=[raw.source for raw in raws.values()],
        rows_read=rows_read,
        rows_loaded=rows_loaded,
        quarantine=quarantine,
        duplicates_collapsed=collapsed,
        units_per_day=units,
        school_years=[int(y[0]) for y in years],
        notes=list(work.notes),
        rows_rejected=rows_rejected,
        kinds=frame["kind"].astype(str).tolist(),
    )


__all__ = ["validate_dataset"]
