"""GET /students and GET /students/{student_id}: the caller's students, and one record.

Every answer with student rows is audited before it is sent, with the pages' action names
("student_list_viewed", "student_viewed") and the reason "api".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request

from homeroom.casebook.audit import record as audit_record
from homeroom.casebook.consents import ATTENDANCE_SUMMARY
from homeroom.web.api import shapes
from homeroom.web.api.auth import Caller, api_caller
from homeroom.web.api.errors import ApiError, bad_request
from homeroom.web.api.routing import router
from homeroom.web.api.student_record import student_record
from homeroom.web.api.student_rows import DEFAULT_LIMIT, MAX_LIMIT, full_name, student_rows
from homeroom.web.state import AppState

REASON = "api"


@router.get("/students")
def list_students(
    request: Request,
    school: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
    caller: Caller = Depends(api_caller),
) -> dict[str, Any]:
    caller.require_students()
    scope = caller.scope
    if school is not None and not scope.is_partner and not scope.allows_school(school):
        raise ApiError(403, "that school is not one of yours")
    size = _count(limit, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    start = _count(offset, "offset", 0, 0, None)
    state: AppState = request.app.state.homeroom
    found = student_rows(state.serving, scope, school_id=school or None, limit=size, offset=start)
    students = []
    for row in found.rows.to_dict("records"):
        item = {
            "student_id": str(row["student_id"]),
            "name": full_name(row["first_name"], row["last_name"]),
            "school_id": str(row["school_id"]),
            "grade_level": shapes.plain(row["grade_level"]),
        }
        if scope.allows_field(item["student_id"], ATTENDANCE_SUMMARY):
            item["absence_rate"] = shapes.plain(row["absence_rate"])
            item["tier"] = shapes.plain(row["tier"])
        students.append(item)
    if students:
        audit_record(state.store, username=caller.username, role=caller.role,
                     action="student_list_viewed", subject_type="student", reason=REASON,
                     detail={"school": school, "offset": start, "limit": size,
                             "as_of": str(found.as_of),
                             "students": [s["student_id"] for s in students]})  # fmt: skip
    following = start + len(students)
    return {
        "students": students,
        "total": found.total,
        "limit": size,
        "offset": start,
        "next": _next(school, size, following) if following < found.total else None,
        "as_of": shapes.day(found.as_of),
    }


@router.get("/students/{student_id}")
def one_student(
    request: Request, student_id: str, caller: Caller = Depends(api_caller)
) -> dict[str, Any]:
    caller.require_students()
    state: AppState = request.app.state.homeroom
    answer, parts = student_record(
        state.serving, state.store, state.workspace, caller.scope, student_id
    )
    audit_record(state.store, username=caller.username, role=caller.role,
                 action="student_viewed", subject_type="student", subject_id=str(student_id),
                 reason=REASON, detail={"parts": parts})  # fmt: skip
    return answer


def _count(value: str | None, field: str, default: int, low: int, high: int | None) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit() or int(value) < low or (high is not None and int(value) > high):
        limits = f"{low} to {high}" if high is not None else f"{low} or more"
        raise bad_request(f"{field} must be a whole number, {limits}", field)
    return int(value)


def _next(school: str | None, limit: int, offset: int) -> str:
    params = [("school", school)] if school else []
    return f"{router.prefix}/students?{urlencode([*params, ('limit', limit), ('offset', offset)])}"
