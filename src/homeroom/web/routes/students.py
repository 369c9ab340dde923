"""Student rows: the list (filters, sort, pages), search, and one student's page.

Every view and export of student rows is audited before it is sent, and every query goes
through homeroom.web.data, which scopes rows with the user's Scope.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from homeroom.casebook.consents import ATTENDANCE_DETAIL
from homeroom.reports import charts, student_charts
from homeroom.web import data
from homeroom.web.auth import Viewer, check_csrf, require_viewer
from homeroom.web.data import casework as cw
from homeroom.web.data import chances
from homeroom.web.downloads import download
from homeroom.web.errors import BadRequest, PageNotFound
from homeroom.web.exports import FORMATS, Stamp
from homeroom.web.pageparts import audit, downloads, parse_date, records, serving, student_keys
from homeroom.web.render import page
from homeroom.web.routes import casework_parts, filters
from homeroom.web.snapshot import ServingData

router = APIRouter()
PAGE_SIZE = 50
EXPORT_PAGE = 500  # the data layer's largest page
REASONS = {
    "list": "student list",
    "watch": "school watch list",
    "search": "search",
    "queue": "work queue",
    "caseload": "caseload",
}


@router.get("/students")
def student_list(
    request: Request,
    as_of: str | None = None,
    school: str | None = None,
    grade: str | None = None,
    tier: str | None = None,
    group: str | None = None,
    since: str | None = None,
    sort: str = "absence_rate",
    order: str = "desc",
    format: str | None = None,  # noqa: A002
) -> Response:
    viewer = require_viewer(request)
    viewer.scope.require_students()
    _check_format(format)
    prepared = serving(request)
    page_number = filters.check_list(request, viewer, prepared, sort, tier, school)
    asked = filters.ListRequest(
        parse_date(as_of),
        school or None,
        grade or None,
        tier or None,
        filters.group(group),
        parse_date(since, "since"),
        sort,
        order != "asc",
    )
    if format:
        return _list_download(request, viewer, prepared, asked, format)
    result = asked.page(prepared, viewer, page_number, PAGE_SIZE)
    if len(result.rows):
        audit(
            request,
            viewer,
            "student_list_viewed",
            reason="student list",
            detail={
                "filters": asked.shown(),
                "page": result.page,
                "as_of": str(result.as_of),
                "students": result.rows["student_id"].tolist(),
            },
        )
    chosen = {"school": school, "grade": grade, "tier": tier, "group": group, "since": since}
    return page(
        request,
        "students.html",
        title="Students",
        r=result,
        rows=list(zip(student_keys(request, result.rows), records(result.rows), strict=True)),
        downloads=downloads(request, ["students"]),
        chosen={k: v or "" for k, v in chosen.items()} | {"sort": sort, "order": order},
        query=filters.query_without(request, "page"),
        sort_query=filters.query_without(request, "sort", "order", "page"),
        **filters.list_choices(prepared, viewer),
    )


def _list_download(
    request: Request, viewer: Viewer, prepared: ServingData, asked: filters.ListRequest, fmt: str
) -> Response:
    """Every match, in the list's order, a page of the largest size at a time; audited."""
    result = asked.page(prepared, viewer, 1, EXPORT_PAGE)
    if result.pages > 1:
        rest = [
            asked.page(prepared, viewer, n, EXPORT_PAGE).rows for n in range(2, result.pages + 1)
        ]
        result = replace(result, rows=pd.concat([result.rows, *rest], ignore_index=True))
    audit(
        request,
        viewer,
        "student_list_exported",
        reason="student list download",
        detail={
            "filters": asked.shown(),
            "format": fmt,
            "as_of": str(result.as_of),
            "students": result.rows["student_id"].tolist(),
        },
    )
    stamp = Stamp.of(result.as_of, prepared.definition)
    return download(
        request,
        {"students": data.titled(result.rows)},
        f"students-{result.as_of}",
        fmt,
        stamp=stamp,
    )


@router.post("/students/search")
def search(
    request: Request,
    text: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    # A POST, so names typed here never land in an address, a history or a server log.
    viewer = require_viewer(request)
    check_csrf(viewer, csrf_token)
    viewer.scope.require_students()
    text = text.strip()
    found = data.student_search(serving(request), viewer.scope, text if len(text) >= 2 else "")
    rows = found.rows
    if len(rows):
        audit(
            request,
            viewer,
            "student_search",
            reason="search",
            detail={"students": rows["student_id"].tolist()},
        )
    return page(
        request,
        "search.html",
        title="Find a student",
        rows=list(zip(student_keys(request, rows), records(rows), strict=True)),
        searched=bool(text),
        text=text,  # back in the box (the page is the POST's answer, never an address)
        total=found.total,
        cut=found.cut,
    )


@router.get("/students/{key}")
def student(
    request: Request,
    key: str,
    year: int | None = None,
    via: str | None = None,
    format: str | None = None,  # noqa: A002
    table: str | None = None,
    done: str | None = None,
) -> Response:
    viewer = require_viewer(request)
    viewer.scope.require_students()
    _check_format(format)
    state = request.app.state.homeroom
    prepared = serving(request)
    student_id = state.keys.student_id(key) if state.keys else None
    if student_id is None:
        raise PageNotFound()
    try:
        detail = data.student_detail(prepared, viewer.scope, student_id, school_year=year)
    except data.StudentNotFound as exc:
        raise PageNotFound() from exc
    work = casework_parts.panel(request, viewer, student_id, detail.school_year)
    tables = _student_tables(detail) | _casework_tables(work)
    why = REASONS.get(via or "", "opened directly")
    if format:
        audit(
            request,
            viewer,
            "student_exported",
            subject_id=student_id,
            reason=why,
            detail={"format": format, "table": table or "all", "school_year": detail.school_year},
        )
        through = detail.standing.as_of if detail.standing is not None else detail.data_through
        stamp = Stamp.of(through, prepared.definition)
        return download(
            request, tables, f"student-{key}-{detail.school_year}", format, table, stamp=stamp
        )
    audit(
        request,
        viewer,
        "student_viewed",
        subject_id=student_id,
        reason=why,
        detail={"school_year": detail.school_year},
    )
    return page(
        request,
        "student.html",
        title="Student",
        s=detail,
        key=key,
        downloads=casework_parts.without_done(downloads(request, tables)),
        categories=records(detail.categories),
        enrollments=records(detail.enrollments),
        definition=prepared.definition,
        **_notes(request, viewer, student_id, done),
        **casework_parts.panel_context(request, work),
        **student_charts_for(detail),
    )


def _notes(request: Request, viewer: Viewer, student_id: str, done: str | None) -> dict[str, Any]:
    """The confirmation of what was just done, and the latest saved queue's chance for the
    student: not shown (None) to a user whose scope does not cover the detail of the
    student's attendance, which the factors describe."""
    chance = None
    if viewer.scope.allows_field(student_id, ATTENDANCE_DETAIL):
        chance = chances.chance_shown(request.app.state.homeroom.workspace, student_id)
    return {"done": casework_parts.confirmation(done), "chance": chance}


def _student_tables(detail: data.StudentDetail) -> dict[str, pd.DataFrame]:
    """The student page's tables as files: each carries the school year and its label."""
    return {
        "calendar": data.titled(_with_year(detail.calendar, detail)),
        "absences by category": data.titled(_with_year(detail.categories, detail)),
        "running rate": data.titled(_with_year(detail.running, detail)),
        "tier history": data.titled(detail.tiers),
        "enrollments": data.titled(detail.enrollments),
    }


def _casework_tables(work: cw.Casework) -> dict[str, pd.DataFrame]:
    """The plans, the actions and the family contacts, as the page shows them (the casebook's
    and the contract's column names: the titles of the other tables mean other things)."""
    contacts = work.contacts if work.contacts is not None else pd.DataFrame()
    return {"plan": cw.plan_table(work), "actions": cw.actions_table(work), "contacts": contacts}


def _with_year(frame: pd.DataFrame, detail: data.StudentDetail) -> pd.DataFrame:
    frame = frame.copy()
    frame.insert(0, "school_year", detail.school_year)
    frame.insert(1, "school_year_label", detail.school_year_label)
    return frame


def student_charts_for(detail: data.StudentDetail) -> dict[str, Any]:
    days = _calendar_days(detail.calendar)
    running = [
        charts.RunningRate(pd.Timestamp(r["date"]).date(), float(r["absence_rate"]))
        for r in records(detail.running)
        if pd.notna(r["absence_rate"])
    ]
    snapshots = [
        charts.TierSnapshot(
            pd.Timestamp(r["as_of"]).date(),
            r["tier"] if isinstance(r["tier"], str) else None,
            None if pd.isna(r["absence_rate"]) else float(r["absence_rate"]),
        )
        for r in records(detail.tiers)
    ]
    return {
        "calendar_chart": student_charts.calendar_heatmap(days) if days else None,
        "running_chart": student_charts.running_rate_chart(
            running,
            threshold=detail.threshold_share,
            threshold_label=f"chronic absence: {detail.threshold_label}",
        )
        if running
        else None,
        "tier_chart": student_charts.tier_history_chart(snapshots) if snapshots else None,
    }


def _check_format(fmt: str | None) -> None:
    # Before anything is audited: a refused download is not an export.
    if fmt and fmt not in FORMATS:
        raise BadRequest("format must be csv or xlsx")


def _calendar_days(calendar: pd.DataFrame) -> list[charts.CalendarDay]:
    days = []
    for r in records(calendar):
        if not r["instructional"] or r.get("after_data"):
            continue
        counted = r["counted_days"]
        days.append(
            charts.CalendarDay(
                pd.Timestamp(r["date"]).date(),
                bool(r["membership"]),
                0.0 if pd.isna(counted) else float(min(1.0, counted)),
                r["category"] if isinstance(r["category"], str) else None,
            )
        )
    return days
