"""Checks of the optional supports table: interventions a SIS already recorded (issue 14).

A support names a student enrolled at the school on its start date (the stays `_end`: the
last day enrolled, or the calendar's last date for a stay to the end of the year), a tier
from 1 to 3, and an end date, when given, not before its start. Rows that fail are
quarantined with file, line, column and reason; the reasons quote no value.
"""

from __future__ import annotations

from homeroom.contract.readers import RawTable
from homeroom.contract.stages import (
    REQUIRED,
    STRICT,
    Field,
    check_stage,
    dup_reason,
    keep_first,
    parse_stage,
)
from homeroom.contract.work import Work, fail


def check_supports(work: Work, raw: RawTable, *, students: str, stays: str) -> str:
    """The supports kept; `students` and `stays` are the final students and stays relations."""
    work.say("checking supports")
    fields = [
        Field("student_id", "str", REQUIRED),
        Field("school_id", "str", REQUIRED),
        Field("support", "str", REQUIRED),
        Field("tier", "int", REQUIRED),
        Field("start_date", "date", REQUIRED),
        Field("end_date", "date", STRICT),
    ]
    parsed = parse_stage(work, raw, fields, noun="support")
    enrolled = (
        f"EXISTS (SELECT 1 FROM {stays} e WHERE e.student_id = s.student_id "
        "AND e.school_id = s.school_id AND s.start_date BETWEEN e.entry_date AND e._end)"
    )
    checks = [
        ("st.student_id IS NULL",
         fail("student_id", "'student_id is not in students'", "unknown student")),
        ("s.tier NOT BETWEEN 1 AND 3",
         fail("tier", "'tier must be 1, 2 or 3'", "tier not 1-3")),
        ("s.end_date < s.start_date",
         fail("end_date", "'end_date is before start_date'", "end before start")),
        (f"NOT {enrolled}",
         fail("start_date", "'start_date is not a day the student is enrolled at the school'",
              "not enrolled")),
    ]  # fmt: skip
    known = check_stage(
        work, "supports", raw.label, "supports_linked", parsed, checks,
        joins=f"LEFT JOIN (SELECT DISTINCT student_id FROM {students}) st "
        "ON st.student_id = s.student_id",
    )  # fmt: skip
    return keep_first(
        work, "supports", raw.label, "supports_unique", known,
        ["student_id", "school_id", "support", "start_date"], col="start_date",
        reason=dup_reason("student, school, support and start_date"),
    )  # fmt: skip
