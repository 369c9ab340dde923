"""Checks of enrollments (stays), and of students left with no stay at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeroom.contract.readers import RawTable
from homeroom.contract.stages import (
    REQUIRED,
    STRICT,
    Field,
    check_stage,
    keep_first,
    parse_stage,
)
from homeroom.contract.work import Work, fail, unknown_school

if TYPE_CHECKING:  # definitions import the schema from this package
    from homeroom.definitions import Definition

# Stays at two schools may overlap (a home school and a part-day program: each school counts
# its own, the district each date once); two stays at one school on one date may not.
_ORDER = "PARTITION BY student_id, school_id ORDER BY entry_date, _line"
_SAME_STAY = "'duplicate of line ' || _first || ' (the same stay); kept the first'"
_STAY_KEY = ["student_id", "school_id", "school_year", "grade_level", "entry_date", "exit_date"]


def check_enrollments(
    work: Work,
    raw: RawTable,
    *,
    schools: str,
    students: str,
    calendar: str,
    by_year: bool,
    definition: Definition,
) -> str:
    work.say("checking enrollments")
    fields = [
        Field("student_id", "str", REQUIRED),
        Field("school_id", "str", REQUIRED),
        Field("school_year", "year", REQUIRED),
        Field("grade_level", "grade_level", REQUIRED),
        Field("entry_date", "date", REQUIRED),
        Field("exit_date", "date", STRICT),  # a bad exit cannot become "to the end of the year"
    ]
    parsed = parse_stage(work, raw, fields, noun="stay")
    linked = _link(work, raw.label, parsed, schools, students, calendar, by_year, definition)
    unique = keep_first(
        work, "enrollments", raw.label, "stays_unique", linked, _STAY_KEY,
        col="entry_date", reason=_SAME_STAY,
    )  # fmt: skip
    return _without_overlaps(work, raw.label, unique, definition)


def _link(
    work: Work,
    file: str,
    parsed: str,
    schools: str,
    students: str,
    calendar: str,
    by_year: bool,
    definition: Definition,
) -> str:
    """Dates in order, school, student and calendar known; adds last_day."""
    exclusive = definition.exit_date == "exclusive"
    keys = "student_id, school_year" if by_year else "student_id"
    year_match = " AND st.school_year = s.school_year" if by_year else ""
    joins = (
        f"LEFT JOIN {schools} sc ON sc.school_id = s.school_id "
        f"LEFT JOIN (SELECT DISTINCT {keys} FROM {students}) st "
        f"ON st.student_id = s.student_id{year_match} "
        "LEFT JOIN (SELECT calendar_id, school_year, max(date) AS cal_end "
        f"FROM {calendar} GROUP BY ALL) ca "
        "ON ca.calendar_id = coalesce(sc.calendar_id, sc.school_id) "
        "AND ca.school_year = s.school_year"
    )
    last_day = "s.exit_date - 1" if exclusive else "s.exit_date"
    return check_stage(
        work, "enrollments", file, "stays_linked", parsed, _link_checks(by_year, definition),
        joins=joins,
        columns=f"CAST({last_day} AS DATE) AS last_day, "
        f"coalesce(CAST({last_day} AS DATE), ca.cal_end) AS _end",
    )  # fmt: skip


def _link_checks(by_year: bool, definition: Definition) -> list[tuple[str, str]]:
    """The rules of `_link`, in order: (failing condition, quarantine reason)."""
    exclusive = definition.exit_date == "exclusive"
    no_student = (
        "'student_id is not in students for school_year ' || s.school_year"
        if by_year
        else "'student_id is not in students'"
    )
    return [
        (
            "s.exit_date < s.entry_date",
            fail(
                "exit_date",
                "'exit_date ' || s.exit_date || ' is before entry_date ' || s.entry_date",
                "exit before entry",
            ),
        ),
        (
            "s.exit_date = s.entry_date" if exclusive else "FALSE",
            fail(
                "exit_date",
                "'exit_date equals entry_date (' || s.entry_date || '): the definition "
                f"{definition.name} reads exit_date as the first day no longer enrolled, "
                "so this stay has no days'",
                "no days",
            ),
        ),
        (
            "sc.school_id IS NULL",
            fail("school_id", unknown_school("s"), "unknown school"),
        ),
        ("st.student_id IS NULL", fail("student_id", no_student, "unknown student")),
        (
            "ca.calendar_id IS NULL",
            fail(
                "school_year",
                "'no calendar for calendar_id ''' || coalesce(sc.calendar_id, sc.school_id) || "
                "''' and school_year ' || s.school_year || ' (the calendar of school ' || "
                "s.school_id || ')'",
                "no calendar",
            ),
        ),
    ]


def _without_overlaps(work: Work, file: str, stays: str, definition: Definition) -> str:
    """Keep the earlier-entering of two overlapping stays of a student at one school.

    A stay runs from entry_date to last_day, or to the end of its calendar year when open (so
    that every attendance date at a school falls in at most one stay there, stays of different
    school years are compared too). Stays at different schools may overlap. One window pass
    (O(n log n)) finds the students and schools with any overlap. Only those are resolved,
    greedily: per round, the first stay that overlaps an earlier one is rejected (everything
    before it is disjoint, so it surely stays); rounds end when none is left.
    """
    work.say("checking stays overlap")
    groups = work.table(
        "overlap_groups",
        "SELECT DISTINCT student_id, school_id FROM (SELECT student_id, school_id, entry_date, "
        "max(_end) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end "
        f"FROM {stays} WINDOW w AS ({_ORDER})) WHERE entry_date <= prev_end",
    )
    rejected = work.table("overlap_rejected", None, columns="_line BIGINT, reason VARCHAR")
    if work.scalar(f"SELECT count(*) FROM {groups}"):
        _resolve_overlaps(work, stays, groups, rejected, definition)
    hint = ""
    if definition.exit_date == "inclusive":
        hint = (
            ". If your SIS writes exit_date as the first day no longer enrolled, use a "
            'definition with exit_date = "exclusive"'
        )
    overlap = fail("entry_date", f"reason || '{hint}'", "overlapping stay")
    overlapping = work.table("stays_final_all", f"SELECT _line, {overlap} AS _fail FROM {rejected}")
    work.reject("enrollments", file, overlapping)
    return work.view("stays_final", f"SELECT * FROM {stays} ANTI JOIN {rejected} USING (_line)")


def _resolve_overlaps(
    work: Work, stays: str, groups: str, rejected: str, definition: Definition
) -> None:
    pending = work.table(
        "overlap_pending",
        f"SELECT s.student_id, s.school_year, s.school_id, s.entry_date, s.exit_date, "
        f"s._end, s._line FROM {stays} s SEMI JOIN {groups} g USING (student_id, school_id)",
    )
    until = "coalesce(CAST(p_exit AS VARCHAR), 'the end of the year')"
    while True:
        found = work.con.execute(
            f"INSERT INTO {rejected} SELECT _line, 'overlaps the stay at school ' || p_school "
            f"|| ' from ' || p_entry || ' to ' || {until} || ' (line ' || p_line || '); "
            "kept the earlier-entering stay' FROM ("
            "SELECT *, max(_end) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) "
            "AS prev_end, lag(school_id) OVER w AS p_school, lag(entry_date) OVER w AS p_entry, "
            "lag(exit_date) OVER w AS p_exit, lag(_line) OVER w AS p_line "
            f"FROM {pending} WINDOW w AS ({_ORDER})) WHERE entry_date <= prev_end "
            f"QUALIFY row_number() OVER ({_ORDER}) = 1"
        ).fetchall()[0][0]
        if not found:
            return
        work.con.execute(f"DELETE FROM {pending} WHERE _line IN (SELECT _line FROM {rejected})")


def check_enrolled_students(
    work: Work, file: str, students: str, stays: str, *, by_year: bool
) -> str:
    """A students row with no valid stay is quarantined (table students)."""
    keys = "student_id, school_year" if by_year else "student_id"
    year_match = " AND e.school_year = s.school_year" if by_year else ""
    reason = (
        "'the student has no valid enrollment in school_year ' || s.school_year"
        if by_year
        else "'the student has no valid enrollment (no stay passed the checks)'"
    )
    # Only the students without a stay are copied; the rest are read through a view.
    unenrolled = work.table(
        "students_final_all",
        f"SELECT s._line, {fail('student_id', reason, 'no enrollment')} AS _fail "
        f"FROM {students} s ANTI JOIN (SELECT DISTINCT {keys} FROM {stays}) e "
        f"ON e.student_id = s.student_id{year_match}",
    )
    work.reject("students", file, unenrolled)
    return work.view(
        "students_final", f"SELECT * FROM {students} ANTI JOIN {unenrolled} USING (_line)"
    )
