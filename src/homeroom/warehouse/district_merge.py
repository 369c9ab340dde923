"""The SQL of a district load (district_load.py): check DIR's schools, count, and replace rows.

Everything here runs inside the district load's transaction, except `check_district_schools`,
which reads DIR's schools file before it begins. The rules are in district_load's docstring and
docs/state.md; identifiers cited in messages are school, calendar and district ids, never a
student's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from homeroom.contract import ContractError
from homeroom.contract.fields import quote_ident, text
from homeroom.contract.readers import locate, read_table
from homeroom.contract.schema import VALIDATED
from homeroom.contract.work import Work
from homeroom.warehouse.workspace import WorkspaceError

STAGE = "district_stage"  # the schema DIR's validated tables are written to
_OLD_NAME = "district_old_schools"  # the district's schools before the load
_OLD = f"temp.{_OLD_NAME}"


class DistrictRefused(WorkspaceError):
    """A district load that would change another district's data; nothing was loaded."""


def check_district_schools(
    con: duckdb.DuckDBPyConnection, data_dir: Path, district: str, say: Callable[[str], None]
) -> None:
    """Refuse DIR when a row of its schools file names another district (file, line, column)."""
    say("checking the schools' district")
    work = Work(con, say)
    try:
        sources, _ignored = locate(data_dir)
        if "schools" not in sources:
            return  # the validation names the missing table
        raw = read_table(work, sources["schools"], {})
        if "district_id" not in raw.types:
            return  # likewise the missing column
        value = text("district_id", raw.types["district_id"])
        rows = con.execute(
            f"SELECT _line, {value} FROM {raw.relation} "
            f"WHERE {value} IS DISTINCT FROM ? ORDER BY _line LIMIT 1",
            [district],
        ).fetchall()
    finally:
        work.cleanup()
    if rows:
        line, found = rows[0]
        said = "is empty" if found is None else f"is {found!r}"
        raise ContractError(
            f"{raw.label} line {line}, column district_id: {said}, not {district!r}; "
            f"`load --district {district}` takes a folder of that district's schools only. "
            "Nothing was loaded."
        )


def prepare_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Make the workspace's tables if this is its first load; refuse a students shape change."""
    for table in VALIDATED:
        con.execute(
            f"CREATE TABLE IF NOT EXISTS main.{quote_ident(table)} AS "
            f"SELECT * FROM {STAGE}.{quote_ident(table)} WHERE FALSE"
        )
    by_year = "SELECT bool_or(school_year IS NOT NULL) FROM {}.students"
    stored = con.execute(by_year.format("main")).fetchall()[0][0]
    given = con.execute(by_year.format(STAGE)).fetchall()[0][0]
    if stored is not None and given is not None and stored != given:
        shapes = {True: "one row per student and school year", False: "one row per student"}
        raise DistrictRefused(
            f"the workspace's students have {shapes[bool(stored)]} but this folder's have "
            f"{shapes[bool(given)]}; every district of a state workspace uses the same shape"
        )


def district_counts(con: duckdb.DuckDBPyConnection, district: str) -> dict[str, int]:
    """The district's rows before the load: its students (enrolled at its schools), attendance."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_OLD_NAME} AS "
        "SELECT school_id, calendar_id FROM main.schools WHERE district_id = ?",
        [district],
    )
    at_old = f"WHERE school_id IN (SELECT school_id FROM {_OLD})"
    students = con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT student_id, school_year FROM main.enrollments "
        f"{at_old})"
        if _by_year(con)
        else f"SELECT count(DISTINCT student_id) FROM main.enrollments {at_old}"
    ).fetchall()[0][0]
    attendance = con.execute(f"SELECT count(*) FROM main.attendance {at_old}").fetchall()[0][0]
    schools = con.execute(f"SELECT count(*) FROM {_OLD}").fetchall()[0][0]
    return {"schools": int(schools), "students": int(students), "attendance": int(attendance)}


def _by_year(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute("SELECT bool_or(school_year IS NOT NULL) FROM main.students")
    return bool(found.fetchall()[0][0])


def previous_district_attendance(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """Copy the district's current attendance aside for the changed-absences monitor."""
    con.execute(
        f"CREATE TABLE {name} AS SELECT * FROM main.attendance "
        f"WHERE school_id IN (SELECT school_id FROM {_OLD})"
    )
    return int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])


def rescale_attendance(con: duckdb.DuckDBPyConnection, schema: str, factor: int) -> None:
    """absent_units in a finer unit (exact: the unit divides the new one)."""
    if factor != 1:
        con.execute(f"UPDATE {schema}.attendance SET absent_units = absent_units * {int(factor)}")


def merge_district(
    con: duckdb.DuckDBPyConnection, district: str, *, has_contacts: bool
) -> list[str]:
    """Replace the district's rows by the staging schema's; return notes for the history."""
    _refuse_foreign_schools(con, district)
    _refuse_changed_calendars(con)
    at_old = f"WHERE school_id IN (SELECT school_id FROM {_OLD})"
    for table in ("attendance", "enrollments", "supports"):
        con.execute(f"DELETE FROM main.{table} {at_old}")
    con.execute(f"DELETE FROM main.schools {at_old}")
    # A calendar goes with the district's schools unless another district's school uses it.
    con.execute(
        f"DELETE FROM main.calendar WHERE calendar_id IN (SELECT calendar_id FROM {_OLD}) "
        "AND calendar_id NOT IN (SELECT calendar_id FROM main.schools)"
    )
    con.execute(
        f"INSERT INTO main.calendar BY NAME SELECT * FROM {STAGE}.calendar "
        f"WHERE calendar_id IN (SELECT calendar_id FROM {STAGE}.schools) "
        "AND calendar_id NOT IN (SELECT DISTINCT calendar_id FROM main.calendar)"
    )
    for table in ("schools", "enrollments", "attendance", "supports"):
        con.execute(f"INSERT INTO main.{table} BY NAME SELECT * FROM {STAGE}.{table}")
    notes = _replace_students(con)
    _replace_contacts(con, has_contacts)
    con.execute(f"DROP TABLE {_OLD}")
    return notes


def _refuse_foreign_schools(con: duckdb.DuckDBPyConnection, district: str) -> None:
    found = con.execute(
        f"SELECT s.school_id, m.district_id FROM {STAGE}.schools s "
        "JOIN main.schools m USING (school_id) WHERE m.district_id IS DISTINCT FROM ? "
        "ORDER BY s.school_id LIMIT 1",
        [district],
    ).fetchall()
    if found:
        school, other = found[0]
        raise DistrictRefused(
            f"school {school!r} belongs to district {other!r} in the workspace; a district load "
            f"replaces district {district!r} only. Nothing was loaded."
        )


def _refuse_changed_calendars(con: duckdb.DuckDBPyConnection) -> None:
    """A calendar another district's school still uses must come with the very same dates."""
    shared = (
        "SELECT calendar_id FROM main.schools "
        f"WHERE school_id NOT IN (SELECT school_id FROM {_OLD}) "
        f"INTERSECT SELECT calendar_id FROM {STAGE}.schools"
    )
    columns = "calendar_id, school_year, date, instructional"
    mine = f"SELECT {columns} FROM {STAGE}.calendar WHERE calendar_id IN ({shared})"
    stored = (
        f"SELECT {columns} FROM main.calendar WHERE calendar_id IN ({shared}) "
        f"AND calendar_id IN (SELECT calendar_id FROM {STAGE}.calendar)"
    )
    found = con.execute(
        f"SELECT min(calendar_id) FROM (({mine} EXCEPT ALL {stored}) "
        f"UNION ALL ({stored} EXCEPT ALL {mine}))"
    ).fetchall()[0][0]
    if found is not None:
        raise DistrictRefused(
            f"calendar {found!r} is also used by another district's schools and this folder "
            "gives it other dates; a district load never changes another district's calendar. "
            "Nothing was loaded."
        )


_SAME_STUDENT = "s.student_id = m.student_id AND s.school_year IS NOT DISTINCT FROM m.school_year"


def _replace_students(con: duckdb.DuckDBPyConnection) -> list[str]:
    """DIR's rows replace its students' rows; students left with no enrollment go."""
    differ = con.execute(
        f"SELECT count(*) FROM main.students m JOIN {STAGE}.students s ON {_SAME_STUDENT} "
        f"WHERE ({_student_columns('m')}) IS DISTINCT FROM ({_student_columns('s')})"
    ).fetchall()[0][0]
    con.execute(
        "DELETE FROM main.students m WHERE EXISTS "
        f"(SELECT 1 FROM {STAGE}.students s WHERE {_SAME_STUDENT})"
    )
    con.execute(f"INSERT INTO main.students BY NAME SELECT * FROM {STAGE}.students")
    con.execute(
        "DELETE FROM main.students m WHERE NOT EXISTS (SELECT 1 FROM main.enrollments e "
        "WHERE e.student_id = m.student_id "
        "AND (m.school_year IS NULL OR e.school_year = m.school_year))"
    )
    if not differ:
        return []
    return [
        f"{differ:,} students also enrolled in another district had other details there; "
        "this folder's rows replace them (one row per student in the workspace)"
    ]


def _student_columns(alias: str) -> str:
    return ", ".join(f"{alias}.{quote_ident(name)}" for name in VALIDATED["students"])


def _replace_contacts(con: duckdb.DuckDBPyConnection, has_contacts: bool) -> None:
    if has_contacts:  # without a contacts file, the stored contacts of DIR's students stay
        con.execute(
            "DELETE FROM main.contacts "
            f"WHERE student_id IN (SELECT student_id FROM {STAGE}.students)"
        )
        con.execute(f"INSERT INTO main.contacts BY NAME SELECT * FROM {STAGE}.contacts")
    con.execute(
        "DELETE FROM main.contacts WHERE student_id NOT IN (SELECT student_id FROM main.students)"
    )


def workspace_totals(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The rows the workspace holds after the load (the history's rows_loaded)."""
    return {
        table: int(con.execute(f"SELECT count(*) FROM main.{quote_ident(table)}").fetchall()[0][0])
        for table in VALIDATED
    }
