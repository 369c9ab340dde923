"""Checks of attendance: one pass for every row rule and lookup, then duplicates.

At 100 million rows each materialization costs seconds and spills past the memory limit, so
all the row rules, the code, school, stay and calendar lookups run in one CREATE TABLE AS that
writes the validated table itself (with a few working columns): the failing rows are then
moved to the quarantine, duplicates removed, and the working columns dropped (free in DuckDB).
Each row that passes fell in exactly one stay, so duplicates (one student, school and date)
are found by a group-by on the stay's row number and the date instead of on two strings.
"""

from __future__ import annotations

import math
from dataclasses import replace

from homeroom.contract.fields import parse, quote_ident, sql_list, sql_text, text
from homeroom.contract.readers import RawTable
from homeroom.contract.schema import (
    BASE_UNITS_PER_DAY,
    CATEGORIES,
    FULL_DAY_BY_DEFAULT,
    VALIDATED,
)
from homeroom.contract.stages import REQUIRED, STRICT, Field, bad_kind
from homeroom.contract.work import Work, fail, first_fail, unknown_school

# Summed over a state (~10^8 absence days) units must stay far inside 64-bit integers, which
# Spark does not widen as DuckDB does.
MAX_UNITS_PER_DAY = 10**9
# When the day lengths need more units than that, minutes are rounded to this many units a day:
# lcm(10,000, 1..16), exact for every day length made of the factors 2, 3, 5, 7, 11 and 13.
ROUNDED_UNITS_PER_DAY = 90_090_000
_CODE_COLUMNS = "code VARCHAR, category VARCHAR, absent_fraction BIGINT"


def units_per_day(work: Work, raw: RawTable, schools: str) -> tuple[int, list[int]]:
    """lcm(10,000, day_minutes of every school with minute-based rows): exact integer units."""
    if "minutes_absent" not in raw.types:
        return BASE_UNITS_PER_DAY, []
    school = text("school_id", raw.types["school_id"])
    minutes = text("minutes_absent", raw.types["minutes_absent"])
    rows = work.con.execute(
        f"SELECT DISTINCT sc.day_minutes FROM (SELECT DISTINCT {school} AS school_id "
        f"FROM {raw.relation} WHERE {minutes} IS NOT NULL) a JOIN {schools} sc USING (school_id) "
        "WHERE sc.day_minutes IS NOT NULL ORDER BY 1"
    ).fetchall()
    lengths = [int(r[0]) for r in rows]
    units = math.lcm(BASE_UNITS_PER_DAY, *lengths)
    if units > MAX_UNITS_PER_DAY:
        inexact = ", ".join(str(n) for n in lengths if ROUNDED_UNITS_PER_DAY % n)
        work.notes.append(
            f"attendance: minutes_absent at schools whose day_minutes is {inexact}"
            f" are rounded to the nearest 1/{ROUNDED_UNITS_PER_DAY:,} of a day (exact counting "
            f"of every day length in use would need {units:,} units to a day)"
        )
        return ROUNDED_UNITS_PER_DAY, lengths
    return units, lengths


def check_attendance(
    work: Work,
    raw: RawTable,
    *,
    schools: str,
    stays: str,
    calendar: str,
    codes: str | None,
    units: int,
    target: str,
) -> int:
    """Write the valid attendance rows to `target` (a table); how many duplicates were collapsed.

    `stays` must be a table: its row numbers name the stays.
    """
    work.say("checking attendance against schools, codes, stays and calendars")
    has_codes = codes is not None
    codes = codes or work.table("no_codes", None, columns=_CODE_COLUMNS)
    columns = ", ".join(
        f"CAST({quote_ident(name)} AS {kind}) AS {quote_ident(name)}"
        for name, kind in VALIDATED["attendance"].items()
    )
    # Each calendar's year as one bit string of flags indexed by day number (date - first
    # date): the lookup joins a few thousand rows instead of every date of every calendar. A
    # bit string, not a list: a hash join copies a list into every probing row (3.5 s of 8 at
    # 20 million rows), a bit string is read in place.
    days = work.table(
        "calendar_days",
        "SELECT calendar_id, school_year, min(date) AS first_date, "
        "CAST(string_agg(CASE WHEN instructional THEN '1' ELSE '0' END, '' ORDER BY date) "
        f"AS BIT) AS instructional FROM {calendar} GROUP BY ALL",
    )
    lookups = (schools, stays, days, codes, units, has_codes)
    checked = _checked_sql(raw, *lookups, flag_only=True)
    work.con.execute(
        f"CREATE OR REPLACE TABLE {target} AS SELECT {columns}, {_WORKING} FROM ({checked})"
    )
    if work.scalar(f"SELECT count(*) FROM {target} WHERE _fail"):
        # The same checks again, with their reasons, on the failing lines only.
        failing = f"(SELECT _line FROM {target} WHERE _fail)"
        only = f"(SELECT * FROM {raw.relation} SEMI JOIN {failing} USING (_line))"
        lines = replace(raw, relation=only)
        work.reject("attendance", raw.label, f"({_checked_sql(lines, *lookups)})")
        work.con.execute(f"DELETE FROM {target} WHERE _fail")
    rounded = work.scalar(f"SELECT count(*) FROM {target} WHERE _rounded")
    if rounded:
        work.notes.append(
            f"attendance: {rounded:,} loaded rows gave absent_fraction with more than 4 "
            "decimals; it was rounded half-even to 4 decimals"
        )
    work.say("collapsing duplicate attendance rows")
    span = work.scalar(f"SELECT max(bit_length(instructional)) FROM {days}")
    collapsed = _collapse_duplicates(work, raw.label, target, span)
    for column in _WORKING.split(", "):
        work.con.execute(f"ALTER TABLE {target} DROP COLUMN {column}")
    return collapsed


# Columns the checks need and the validated table does not keep.
_WORKING = "_line, _rounded, _stay, _day, _fail"


def _field_fail(raw: RawTable, flag_only: bool) -> tuple[str, dict[str, str]]:
    """The first failing field rule of a row, and the parsed values it refers to."""
    types = raw.types
    fields = [
        Field("student_id", "str", REQUIRED),
        Field("school_id", "str", REQUIRED),
        Field("date", "date", REQUIRED),
        Field("category", "category", STRICT),
        Field("absent_fraction", "fraction", STRICT),
        Field("minutes_absent", "minutes", STRICT),
    ]
    checks: list[tuple[str, str]] = []
    values: dict[str, str] = {}
    for f in fields:
        p = parse(f.kind, f.name, types.get(f.name))
        values[f.name] = p.value
        values[f"{f.name}_given"] = p.given
        if f.mode == REQUIRED:
            checks.append((f"NOT {p.given}", fail(f.name, f"'{f.name} is empty'", "missing value")))
        checks.append((p.bad, fail(f.name, p.reason, bad_kind(f.kind))))
        if f.name == "absent_fraction":
            checks.append((p.out_of_range, fail(f.name, p.reason, "out of range")))
            values["_rounded"] = f"coalesce({p.rounded}, FALSE)"
    code = parse("str", "code", types.get("code"))
    values["code"] = code.value
    return first_fail(checks, flag_only=flag_only), values


def _checked_sql(
    raw: RawTable,
    schools: str,
    stays: str,
    calendar: str,
    codes: str,
    units: int,
    has_codes: bool,
    *,
    flag_only: bool = False,
) -> str:
    """Every attendance row with its lookups and `_fail`: the first failing rule's struct, or
    (flag_only) TRUE, NULL where the row passes. The rules are in the same order either way."""
    field_fail, v = _field_fail(raw, flag_only)
    inner = (
        f"SELECT _line, {v['student_id']} AS student_id, {v['school_id']} AS school_id, "
        f"{v['date']} AS date, {v['category']} AS category, {v['category_given']} AS cat_given, "
        f"{v['code']} AS code, {v['absent_fraction']} AS fraction, "
        f"{v['absent_fraction_given']} AS fraction_given, {v['minutes_absent']} AS minutes, "
        f"{v['minutes_absent_given']} AS minutes_given, {v['_rounded']} AS _rounded, "
        f"{field_fail} AS _fail0 FROM {raw.relation}"
    )
    joins = (
        f"LEFT JOIN {codes} c ON NOT a.cat_given AND c.code = a.code "
        f"LEFT JOIN {schools} sc ON sc.school_id = a.school_id "
        f"LEFT JOIN {stays} e ON e.student_id = a.student_id AND e.school_id = a.school_id "
        "AND a.date BETWEEN e.entry_date AND e._end "
        f"LEFT JOIN {calendar} cal ON cal.calendar_id = coalesce(sc.calendar_id, sc.school_id) "
        "AND cal.school_year = e.school_year"
    )
    category = "CASE WHEN a.cat_given THEN a.category ELSE c.category END"
    scale = units // 10**4
    amount = (
        f"CASE WHEN a.fraction_given THEN a.fraction * {scale} "
        f"WHEN a.minutes_given THEN (a.minutes * {units} + sc.day_minutes // 2) // sc.day_minutes "
        f"WHEN NOT a.cat_given AND c.absent_fraction IS NOT NULL THEN c.absent_fraction * {scale} "
        f"WHEN ({category}) IN ({sql_list(FULL_DAY_BY_DEFAULT)}) THEN {units} ELSE 0 END"
    )
    assert set(FULL_DAY_BY_DEFAULT) <= set(CATEGORIES)
    return (
        f"SELECT a.student_id, a.school_id, e.school_year, a.date, {category} AS category, "
        f"a.code, CAST({amount} AS BIGINT) AS absent_units, a._line, a._rounded, "
        "e.rowid AS _stay, CAST(a.date - cal.first_date AS INTEGER) AS _day, "
        f"coalesce(a._fail0, {first_fail(_lookup_checks(has_codes), flag_only=flag_only)}) "
        "AS _fail "
        f"FROM ({inner}) a {joins}"
    )


def _lookup_checks(has_codes: bool) -> list[tuple[str, str]]:
    """The code, school, stay and calendar rules, in order: (failing condition, reason)."""
    code_reason = (
        "'code ''' || a.code || ''' is not in codes'"
        if has_codes
        else "'code ''' || a.code || ''' cannot be read: no codes table given'"
    )
    return [
        (
            "NOT a.cat_given AND a.code IS NULL",
            fail("category", "'neither category nor code given'", "missing value"),
        ),
        ("NOT a.cat_given AND c.code IS NULL", fail("code", code_reason, "unknown code")),
        (
            "sc.school_id IS NULL",
            fail("school_id", unknown_school("a"), "unknown school"),
        ),
        (
            "a.minutes_given AND sc.day_minutes IS NULL",
            fail(
                "minutes_absent",
                "'minutes_absent given but school ' || a.school_id || ' has no day_minutes'",
                "no day_minutes",
            ),
        ),
        (
            "a.minutes > sc.day_minutes",
            fail(
                "minutes_absent",
                "'minutes_absent ' || a.minutes || ' is more than the school''s day_minutes ' "
                "|| sc.day_minutes",
                "out of range",
            ),
        ),
        (
            "e.student_id IS NULL",
            fail(
                "date",
                "'student not enrolled at school ' || a.school_id || ' on ' || a.date",
                "not enrolled",
            ),
        ),
        (
            # The dense calendar has every date from its first to its last: a date's flag is
            # the bit at its day number (0-based); a date outside gives NULL (get_bit fails
            # out of range, and CASE evaluates it only where the WHEN holds).
            "CASE WHEN a.date >= cal.first_date AND a.date - cal.first_date < "
            "bit_length(cal.instructional) THEN get_bit(cal.instructional, "
            "CAST(a.date - cal.first_date AS INTEGER)) = 1 END IS DISTINCT FROM TRUE",
            fail(
                "date",
                "a.date || ' is not an instructional day in calendar ' || "
                "coalesce(sc.calendar_id, sc.school_id) || ' for school_year ' || e.school_year",
                "not instructional",
            ),
        ),
    ]


# Calendars up to this many days long are checked stay by stay with one bit a day (below).
_DAYS_IN_A_BITMAP = 1024


def _collapse_duplicates(work: Work, file: str, checked: str, span: int | None) -> int:
    """Of rows for one student, school and date keep the larger absence (tie: earlier line).

    Every row of `checked` fell in exactly one stay (`_stay`), whose student and school are the
    row's, and stays at one school never overlap: one student, school and date is one stay and
    date. A stay is in one calendar year, and `_day` is the date's day number in it (below
    `span`): a stay has a duplicate exactly when it has more rows than days marked in a bit
    string of its days. Grouping by stay keeps one small group per stay (10^7 in a state)
    where grouping by stay and date kept one per row (10^8, which spilled); only the rows of
    the stays found are then grouped by date.
    """
    keys = "_stay, date"
    rows = checked
    if span is not None and span <= _DAYS_IN_A_BITMAP:
        stays = work.table(
            "attendance_doubled_stays",
            f"SELECT _stay FROM {checked} GROUP BY _stay "
            f"HAVING count(*) > bit_count(bitstring_agg(_day, 0, {span - 1}))",
        )
        if not work.scalar(f"SELECT count(*) FROM {stays}"):
            return 0  # the usual case: nothing to delete
        rows = f"(SELECT * FROM {checked} SEMI JOIN {stays} USING (_stay))"
    doubled = work.table(
        "attendance_doubled",
        f"SELECT {keys} FROM {rows} GROUP BY ALL HAVING count(*) > 1",
    )
    if not work.scalar(f"SELECT count(*) FROM {doubled}"):
        return 0  # the usual case: nothing to delete
    losers = work.table(
        "attendance_losers",
        f"SELECT _line, first_value(_line) OVER (PARTITION BY {keys} "
        f"ORDER BY absent_units DESC, _line) AS _kept FROM {checked} SEMI JOIN {doubled} "
        f"USING ({keys}) QUALIFY _line <> _kept",
    )
    reason = (
        "'duplicate of line ' || _kept || ' for the same student, school and date; "
        "kept the larger absence'"
    )
    count = work.add(
        f"SELECT {sql_text('attendance')}, {sql_text(file)}, _line, 'date', {reason}, "
        f"'duplicate', TRUE FROM {losers}"
    )
    work.con.execute(f"DELETE FROM {checked} WHERE _line IN (SELECT _line FROM {losers})")
    return count
