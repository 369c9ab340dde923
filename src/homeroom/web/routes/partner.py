"""A community partner's pages: its students with a family's consent in force, one student's
page showing only what the consent covers, and the form where the partner logs its work.

A partner reaching a student without a consent in force gets 404, the same as a missing
student. Name, school and grade are always shown (they go with every referral); the rest by
the consent's scope: `attendance_summary` (rate, tier, days, flags), `attendance_detail` (the
calendar and each absence), `contacts`, `plan` (supports and every action). A partner's own
actions are always shown to it, with their notes. Every view and download is audited
(reason "partner") before it is sent.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from homeroom.casebook.actions import PARTNER_KIND, log_action
from homeroom.casebook.casework import CaseworkError
from homeroom.casebook.consents import (
    ATTENDANCE_DETAIL,
    ATTENDANCE_SUMMARY,
    CONTACTS,
    PLAN,
    SCOPES,
    student_referrals,
)
from homeroom.casebook.partners import get_partner
from homeroom.web import data
from homeroom.web.auth import Viewer, check_csrf, require_viewer
from homeroom.web.data import casework as cw
from homeroom.web.data.common import category_label
from homeroom.web.data.partner import partner_students
from homeroom.web.downloads import download
from homeroom.web.errors import BadRequest, PageNotFound
from homeroom.web.exports import FORMATS, Stamp
from homeroom.web.pageparts import audit, downloads, records, serving, student_keys
from homeroom.web.render import page
from homeroom.web.routes import casework_parts as parts
from homeroom.web.scope import ScopeError

router = APIRouter()
REASON = "partner"


def partner_viewer(request: Request) -> Viewer:
    viewer = require_viewer(request)
    if not viewer.scope.is_partner:
        raise ScopeError("these pages are for community partners' accounts")
    return viewer


@router.get("/partner")
def partner_home(request: Request) -> Response:
    viewer = partner_viewer(request)
    rows = partner_students(serving(request), viewer.scope)
    if len(rows):
        audit(request, viewer, "student_list_viewed", reason=REASON,
              detail={"students": rows["student_id"].tolist()})  # fmt: skip
    store = request.app.state.homeroom.store
    expiry = {
        sid: _expires_on(store, viewer, sid, parts.today(request)) for sid in rows["student_id"]
    }
    return page(
        request,
        "partner_students.html",
        title="Your students",
        partner=_partner_name(request, viewer),
        rows=list(zip(student_keys(request, rows), records(rows), strict=True)),
        expiry=expiry,
        summary={
            sid: viewer.scope.allows_field(sid, ATTENDANCE_SUMMARY) for sid in rows["student_id"]
        },
        definition=serving(request).definition,
        done=parts.confirmation(request.query_params.get("done")),
    )


@router.get("/partner/students/{key}")
def partner_student(
    request: Request,
    key: str,
    format: str | None = None,  # noqa: A002
    table: str | None = None,
    done: str | None = None,
) -> Response:
    viewer = partner_viewer(request)
    if format and format not in FORMATS:
        raise BadRequest("format must be csv or xlsx")
    student_id = _consented(request, viewer, key)
    prepared = serving(request)
    try:
        detail = data.student_detail(prepared, viewer.scope, student_id)
    except data.StudentNotFound as exc:
        raise PageNotFound() from exc
    stay = parts.stay_of(request, viewer, student_id)
    work = parts.panel(request, viewer, student_id, detail.school_year)
    covered = sorted(viewer.scope.consents.get(student_id, frozenset()))
    tables = _tables(viewer, student_id, detail, stay, work)
    if format:
        if table is not None and table not in tables:
            raise PageNotFound()  # a section the consent does not cover is not here
        audit(request, viewer, "student_exported", subject_id=student_id, reason=REASON,
              detail={"format": format, "table": table or "all", "scopes": covered})  # fmt: skip
        stamp = Stamp.of(detail.data_through, prepared.definition)
        return download(request, tables, f"student-{key}", format, table, stamp=stamp)
    audit(request, viewer, "student_viewed", subject_id=student_id, reason=REASON,
          detail={"school_year": detail.school_year, "scopes": covered})  # fmt: skip
    return page(
        request,
        "partner_student.html",
        title="Student",
        s=detail,
        stay=stay,
        key=key,
        covered=covered,
        scope_words=SCOPES,
        sees=_sees(viewer, student_id),
        downloads=parts.without_done(downloads(request, tables)),
        definition=prepared.definition,
        done=parts.confirmation(done),
        values={"on": parts.today(request).isoformat(), "completes": []},
        errors={},
        **_context(detail, work),
    )


@router.post("/partner/students/{key}/actions")
def partner_action(
    request: Request,
    key: str,
    csrf_token: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    follow_up_on: Annotated[str, Form()] = "",
) -> Response:
    viewer = partner_viewer(request)
    check_csrf(viewer, csrf_token)
    student_id = _consented(request, viewer, key)
    stay = parts.stay_of(request, viewer, student_id)
    try:
        log_action(request.app.state.homeroom.store, student_id=student_id,
                   school_id=stay.school_id, kind=PARTNER_KIND, done_on=on or None,
                   outcome=outcome, note=note, follow_up_on=follow_up_on or None,
                   partner_id=viewer.scope.partner_id, by=viewer)  # fmt: skip
    except CaseworkError as exc:
        values = {"on": on, "outcome": outcome, "note": note, "follow_up_on": follow_up_on,
                  "completes": []}  # fmt: skip
        return page(
            request,
            "action.html",
            400,
            title="Log what you did",
            key=key,
            values=values,
            errors={exc.field or "form": str(exc)},
            action=f"/partner/students/{key}/actions",
            back=f"/partner/students/{key}",
            follow_ups=[],
            kinds=None,
        )
    return RedirectResponse(f"/partner/students/{key}?done=action_logged", status_code=303)


def _consented(request: Request, viewer: Viewer, key: str) -> str:
    """The student behind KEY if a consent to this partner is in force today, else 404."""
    student_id = parts.student_id_of(request, key)
    if student_id not in viewer.scope.consents:
        raise PageNotFound()
    return student_id


def _sees(viewer: Viewer, student_id: str) -> dict[str, bool]:
    return {s: viewer.scope.allows_field(student_id, s) for s in SCOPES}


def _context(detail: data.StudentDetail, work: cw.Casework) -> dict[str, Any]:
    from homeroom.casebook.plans import OUTCOMES
    from homeroom.web.routes.students import student_charts_for

    return {
        "work": work,
        "outcomes": OUTCOMES,
        "contacts": records(work.contacts),
        "categories": records(detail.categories),
        "absences": records(_absences(detail)),
        **student_charts_for(detail),
    }


def _absences(detail: data.StudentDetail) -> pd.DataFrame:
    """Each membership day with an attendance record (an absence or a late arrival)."""
    cal = detail.calendar
    if cal.empty or "category" not in cal:
        return cal.iloc[0:0]
    kept = cal[cal["membership"].astype(bool) & cal["category"].notna()].reset_index(drop=True)
    kept["category_label"] = [category_label(c) for c in kept["category"]]
    return kept


def _tables(
    viewer: Viewer, student_id: str, detail: data.StudentDetail, stay: Any, work: cw.Casework
) -> dict[str, pd.DataFrame]:
    """The downloads: the student's name, school and grade, and the covered sections only."""
    sees = _sees(viewer, student_id)
    tables = {"student": pd.DataFrame([{"student_id": student_id, "first_name": detail.first_name,
              "last_name": detail.last_name, "school_name": stay.school_name,
              "grade_level": stay.grade_level}])}  # fmt: skip
    standing = detail.standing
    if sees[ATTENDANCE_SUMMARY]:
        tables["summary"] = pd.DataFrame([{} if standing is None else {
            "as_of": standing.as_of, "days_enrolled": standing.days_enrolled,
            "days_absent": standing.days_absent, "absence_rate": standing.absence_rate,
            "tier": standing.tier}])  # fmt: skip
    if sees[ATTENDANCE_DETAIL]:
        tables["calendar"] = data.titled(detail.calendar)
        tables["absences by category"] = data.titled(detail.categories)
    if sees[CONTACTS] and work.contacts is not None:
        tables["contacts"] = work.contacts
    if sees[PLAN]:
        tables["plan"] = cw.plan_table(work)
    tables["actions"] = cw.actions_table(work)  # without `plan`: the partner's own only
    return tables


def _expires_on(store: Any, viewer: Viewer, student_id: str, day: dt.date) -> dt.date | None:
    found = [
        c.expires_on
        for r in student_referrals(store, student_id)
        if r.partner_id == viewer.scope.partner_id
        for c in r.consents
        if c.in_force(day)
    ]
    return max(found) if found else None


def _partner_name(request: Request, viewer: Viewer) -> str:
    partner_id = viewer.scope.partner_id
    if not partner_id:
        return "your organisation"
    try:
        return get_partner(request.app.state.homeroom.store, partner_id).name
    except CaseworkError:
        return "your organisation"
