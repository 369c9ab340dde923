"""Checks of the tables the others point at: schools, students, codes and calendar."""

from __future__ import annotations

from homeroom.contract.readers import RawTable
from homeroom.contract.schema import STUDENT_FLAGS
from homeroom.contract.stages import (
    REQUIRED,
    SOFT,
    STRICT,
    Field,
    check_stage,
    dup_reason,
    keep_first,
    parse_stage,
)
from homeroom.contract.work import Work, fail


def check_schools(work: Work, raw: RawTable) -> str:
    work.say("checking schools")
    fields = [
        Field("school_id", "str", REQUIRED),
        Field("school_name", "str", REQUIRED),
        Field("district_id", "str", REQUIRED),
        Field("district_name", "str", REQUIRED),
        Field("state", "str", SOFT),
        Field("calendar_id", "str", SOFT),
        Field("day_minutes", "int", SOFT),
    ]
    parsed = parse_stage(work, raw, fields, noun="school")
    return keep_first(
        work, "schools", raw.label, "schools_unique", parsed, ["school_id"],
        col="school_id", reason=dup_reason("school_id"),
    )  # fmt: skip


def check_students(work: Work, raw: RawTable) -> str:
    """Students parsed and de-duplicated; the no-enrollment check comes after enrollments."""
    work.say("checking students")
    by_year = "school_year" in raw.types
    fields = [
        Field("student_id", "str", REQUIRED),
        Field("school_year", "year", REQUIRED if by_year else SOFT),
        Field("first_name", "str", SOFT),
        Field("last_name", "str", SOFT),
        Field("birth_date", "date", SOFT),
        Field("sex", "sex", SOFT),
        Field("race_ethnicity", "race_ethnicity", SOFT),
        *(Field(flag, "bool", SOFT) for flag in STUDENT_FLAGS),
        Field("home_language", "language", SOFT),
    ]
    parsed = parse_stage(work, raw, fields, noun="student")
    what = "student_id and school_year" if by_year else "student_id"
    return keep_first(
        work, "students", raw.label, "students_unique", parsed, ["student_id", "school_year"],
        col="student_id", reason=dup_reason(what),
    )  # fmt: skip


def check_codes(work: Work, raw: RawTable) -> str:
    work.say("checking codes")
    fields = [
        Field("code", "str", REQUIRED),
        Field("category", "category", REQUIRED),
        Field("absent_fraction", "fraction", STRICT),
    ]
    parsed = parse_stage(work, raw, fields, noun="code")
    return keep_first(
        work, "codes", raw.label, "codes_unique", parsed, ["code"],
        col="code", reason=dup_reason("code"),
    )  # fmt: skip


def check_calendar(work: Work, raw: RawTable) -> str:
    work.say("checking calendar")
    fields = [
        Field("calendar_id", "str", REQUIRED),
        Field("school_year", "year", REQUIRED),
        Field("date", "date", REQUIRED),
        Field("instructional", "bool", REQUIRED),
    ]
    parsed = parse_stage(work, raw, fields, noun="date")
    # A typo such as 2052 for 2025 would stretch the dense calendar over decades.
    outside = (
        "s.date NOT BETWEEN make_date(CAST(s.school_year - 1 AS BIGINT), 1, 1) "
        "AND make_date(CAST(s.school_year AS BIGINT), 12, 31)"
    )
    reason = (
        "'date ' || s.date || ' is outside school year ' || s.school_year || "
        "' (' || (s.school_year - 1) || '-' || right(CAST(s.school_year AS VARCHAR), 2) || ')'"
    )
    in_year = check_stage(
        work, "calendar", raw.label, "calendar_in_year", parsed,
        [(outside, fail("date", reason, "outside school year"))],
    )  # fmt: skip
    differs = (
        "'duplicate of line ' || _first || ' for the same calendar_id, school_year and date; "
        "kept the first' || CASE WHEN instructional <> _first_instructional THEN "
        "' (the two lines disagree on instructional: kept ' || _first_instructional || ')' "
        "ELSE '' END"
    )
    return keep_first(
        work, "calendar", raw.label, "calendar_unique", in_year,
        ["calendar_id", "school_year", "date"], col="date", reason=differs,
        also={"_first_instructional": "first_value(instructional)"}, carry=("instructional",),
    )  # fmt: skip


def dense_calendar(valid: str) -> str:
    """Every date from the first to the last listed date of each calendar and year."""
    return (
        "WITH bounds AS (SELECT calendar_id, school_year, min(date) AS lo, max(date) AS hi "
        f"FROM {valid} GROUP BY ALL), "
        "days AS (SELECT calendar_id, school_year, "
        "CAST(unnest(generate_series(lo, hi, INTERVAL 1 DAY)) AS DATE) AS date FROM bounds) "
        "SELECT d.calendar_id, d.school_year, d.date, coalesce(c.instructional, FALSE) "
        f"AS instructional FROM days d LEFT JOIN {valid} c USING (calendar_id, school_year, date)"
    )
