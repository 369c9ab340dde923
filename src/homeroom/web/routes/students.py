"""Student rows: the list (filters, sort, pages), search, and one student's page.

Every view and export of student rows is audited before it is sent, and every query goes
through homeroom.web.data, which scopes rows with the user's Scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from homeroom.definitions.profile import TIERS
from homeroom.reports import charts, labels, student_charts
from homeroom.web import data
from homeroom.web.auth import Viewer, check_csrf, require_viewer
from homeroom.web.data import StudentPage
from homeroom.web.errors import BadRequest, PageNotFound
from homeroom.web.exports import FORMATS, download
from homeroom.web.pageparts import audit, downloads, parse_date, records, serving, student_keys
from homeroom.web.render import page
from homeroom.web.snapshot import ServingData

router = APIRouter()
PAGE_SIZE = 50
EXPORT_PAGE = 500  # the data layer's largest page
FLAG_VALUES = {"yes": True, "no": False}
REASONS = {"list": "student list", "watch": "school watch list", "search": "search"}


@dataclass(frozen=True)
class ListRequest:
    """What a student-list address asks for, checked."""

    as_of: dt.date | None
    school_id: str | None
    grade: str | None
    tier: str | None
    group: tuple[str, Any] | None
    since: dt.date | None
    sort: str
    descending: bool

    def shown(self) -> dict[str, str]:
        """The filters given, as the audit log records them."""
        chosen = {
            "school_id": self.school_id,
            "grade": self.grade,
            "tier": self.tier,
            "group": self.group,
            "newly_at_risk_since": self.since,
        }
        return {k: str(v) for k, v in chosen.items() if v is not None}

    def page(self, prepared: ServingData, viewer: Viewer, number: int, size: int) -> StudentPage:
        return data.student_list(
            prepared,
            viewer.scope,
            self.as_of,
            school_id=self.school_id,
            grade=self.grade,
            tier=self.tier,
            group=self.group,
            newly_at_risk_since=self.since,
            sort=self.sort,
            descending=self.descending,
            page=number,
            page_size=size,
        )


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
    try:
        page_number = max(1, int(request.query_params.get("page") or 1))
    except ValueError as exc:
        raise BadRequest("page must be a whole number") from exc
    if sort not in data.SORTS:
        raise BadRequest(f"sort must be one of {', '.join(data.SORTS)}")
    if tier and tier not in TIERS:
        raise BadRequest(f"tier must be one of {', '.join(TIERS)}")
    if school:
        viewer.scope.require_school(school)
        if school not in prepared.school_names:
            raise PageNotFound("There is no such school in the data.")
    asked = ListRequest(
        parse_date(as_of),
        school or None,
        grade or None,
        tier or None,
        _group(group),
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
        dates=prepared.snapshot_dates,
        downloads=downloads(request, ["students"]),
        schools=[(s, n) for s, n in prepared.school_names.items() if viewer.scope.allows_school(s)],
        grades=sorted(_grades(prepared), key=lambda g: labels.group_order("grade_level", g)),
        tiers=TIERS,
        group_choices=_group_choices(),
        chosen={k: v or "" for k, v in chosen.items()} | {"sort": sort, "order": order},
        sorts=data.SORTS,
        query=_query_without(request, "page"),
        sort_query=_query_without(request, "sort", "order", "page"),
        definition=prepared.definition,
    )


def _list_download(
    request: Request, viewer: Viewer, prepared: ServingData, asked: ListRequest, fmt: str
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
    return download({"students": data.titled(result.rows)}, f"students-{result.as_of}", fmt)


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
    tables = _student_tables(detail)
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
        return download(tables, f"student-{key}-{detail.school_year}", format, table)
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
        downloads=downloads(request, tables),
        categories=records(detail.categories),
        enrollments=records(detail.enrollments),
        definition=prepared.definition,
        **_student_charts(detail),
    )


def _student_tables(detail: data.StudentDetail) -> dict[str, pd.DataFrame]:
    """The student page's tables as files: each carries the school year and its label."""
    return {
        "calendar": data.titled(_with_year(detail.calendar, detail)),
        "absences by category": data.titled(_with_year(detail.categories, detail)),
        "running rate": data.titled(_with_year(detail.running, detail)),
        "tier history": data.titled(detail.tiers),
        "enrollments": data.titled(detail.enrollments),
    }


def _with_year(frame: pd.DataFrame, detail: data.StudentDetail) -> pd.DataFrame:
    frame = frame.copy()
    frame.insert(0, "school_year", detail.school_year)
    frame.insert(1, "school_year_label", detail.school_year_label)
    return frame


def _student_charts(detail: data.StudentDetail) -> dict[str, object]:
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


def _group(value: str | None) -> tuple[str, Any] | None:
    """ "column:value" from the filter form; flags as yes/no, "none" as not recorded."""
    if not value:
        return None
    column, _, raw = value.partition(":")
    if column not in data.GROUP_FILTERS:
        raise BadRequest("unknown student group")
    if labels.is_flag_column(column):
        if raw not in FLAG_VALUES:
            raise BadRequest("a yes/no group takes yes or no")
        return column, FLAG_VALUES[raw]
    return column, None if raw == "none" else raw


def _group_choices() -> list[tuple[str, str]]:
    from homeroom.contract.schema import RACE_ETHNICITY, SEX

    choices = [
        (f"race_ethnicity:{v}", labels.group_label("race_ethnicity", v)) for v in RACE_ETHNICITY
    ]
    choices += [(f"sex:{v}", labels.group_label("sex", v)) for v in SEX]
    for column in (
        "economically_disadvantaged",
        "english_learner",
        "students_with_disabilities",
        "section_504",
        "homeless",
        "foster_care",
        "migrant",
        "military_connected",
    ):
        choices.append((f"{column}:yes", labels.group_label(column, True)))
        choices.append((f"{column}:no", labels.group_label(column, False)))
    return choices


def _grades(prepared: ServingData) -> list[str]:
    with prepared.cursor() as cur:
        rows = cur.execute("SELECT DISTINCT grade_level FROM enrollments").fetchall()
    return [r[0] for r in rows if r[0]]


def _query_without(request: Request, *names: str) -> str:
    from urllib.parse import urlencode

    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in names and v]
    return urlencode(kept)
