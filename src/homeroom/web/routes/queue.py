"""The work queue: the page a school's attendance team opens every morning.

- GET /queue: school staff with one school go to it; others choose among their schools (an
  administrator, every school), each with how many students wait.
- GET /schools/{id}/queue: the school's queue (homeroom.web.data.queue), this week's first,
  filtered, paged, downloadable; every view and download audited before it is sent.
- POST /schools/{id}/queue/capacity: how many students the team takes on this week.
- POST /schools/{id}/queue/bulk: one tier-1 action for many students at once, all or nothing.
- POST /schools/{id}/queue/send: a letter of a kind to the chosen students' families: printed
  (a PDF now) or by email or text, queued in the outbox (sent by `homeroom outreach send`).

School staff reach only their schools' queues, administrators every school's; the other roles
see no queue (they see no student rows).
"""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from homeroom.casebook.casework import CaseworkError
from homeroom.casebook.roles import SCHOOL_STAFF
from homeroom.reports import labels
from homeroom.web.auth import Viewer, check_csrf, require_viewer
from homeroom.web.data.chances import chance_text
from homeroom.web.data.queue import NOBODY, STATUSES, Queue, filter_queue, queue_counts
from homeroom.web.data.queue import school_queue as read_queue
from homeroom.web.downloads import download
from homeroom.web.errors import BadRequest, PageNotFound
from homeroom.web.exports import FORMATS, Stamp
from homeroom.web.pageparts import audit, downloads, records, serving, student_keys
from homeroom.web.render import page
from homeroom.web.routes.filters import MAX_PAGE, query_without

router = APIRouter()
PAGE_SIZE = 50
# What a school team does for many students at once: tier-1 (universal) kinds only.
BULK_KINDS = ("call", "text", "email", "letter", "recognition", "meeting", "other")
TIERS = {"1": "Tier 1 (universal)", "2": "Tier 2 (early)", "3": "Tier 3 (intensive)"}


@router.get("/queue")
def queue_schools(request: Request) -> Response:
    viewer = _casework_viewer(request)
    prepared = serving(request)
    mine = [s for s in prepared.school_names if viewer.scope.allows_school(s)]
    if viewer.role == SCHOOL_STAFF and len(mine) == 1:
        return RedirectResponse(f"/schools/{quote(mine[0], safe='')}/queue", status_code=303)
    state = request.app.state.homeroom
    counts = queue_counts(state.store, state.workspace, mine)
    schools = sorted(mine, key=lambda s: prepared.school_names[s])
    return page(
        request,
        "queue_schools.html",
        title="Work queue",
        schools=[(s, prepared.school_names[s], counts[s]) for s in schools],
    )


@router.get("/schools/{school_id}/queue")
def school_queue(
    request: Request,
    school_id: str,
    grade: str | None = None,
    tier: str | None = None,
    owner: str | None = None,
    status: str | None = None,
    logged: int | None = None,
    queued: int | None = None,
    format: str | None = None,  # noqa: A002
) -> Response:
    viewer = _school_viewer(request, school_id)
    if format and format not in FORMATS:
        raise BadRequest("format must be csv or xlsx")
    page_number = _page_number(request)
    chosen = _filters(grade, tier, owner, status)
    state = request.app.state.homeroom
    found = read_queue(state.store, state.workspace, serving(request), school_id)
    rows = filter_queue(
        found.rows, grade=grade or None, tier=chosen["tier"], owner=owner or None,
        status=status or None,
    )  # fmt: skip
    if format:
        return _queue_download(request, viewer, found, rows, format)
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    shown = rows.iloc[(page_number - 1) * PAGE_SIZE : page_number * PAGE_SIZE]
    if len(shown):
        audit(request, viewer, "work_queue_viewed", subject_type="school", subject_id=school_id,
              reason="work queue", detail={"page": page_number, "filters": _shown(chosen),
                                           "students": shown["student_id"].tolist()})  # fmt: skip
    return page(
        request,
        "queue.html",
        **_context(request, found, rows, shown, page_number, pages),
        chosen={
            k: v or ""
            for k, v in {"grade": grade, "tier": tier, "owner": owner, "status": status}.items()
        },  # fmt: skip
        logged=logged if logged and logged > 0 else None,
        queued=queued if queued is not None and queued >= 0 else None,
    )


def _context(
    request: Request, found: Queue, rows: pd.DataFrame, shown: pd.DataFrame, number: int,
    pages: int,
) -> dict[str, Any]:  # fmt: skip
    prepared = serving(request)
    everyone = found.rows
    plain = shown.astype(object).where(shown.notna(), None)  # pd.NA reads as None in templates
    keyed = list(zip(student_keys(request, shown), records(plain), strict=True))
    return {
        "title": "Work queue",
        "school_id": found.school_id,
        "school_name": prepared.school_names[found.school_id],
        "flags": found.flags,
        "ranked_as_of": found.ranked_as_of,
        "chance_text": chance_text,
        "today": found.today,
        "capacity": found.capacity,
        "this_week": [(k, r) for k, r in keyed if r["this_week"]],
        "waiting": [(k, r) for k, r in keyed if not r["this_week"]],
        "total": len(rows),
        "waiting_total": int((~rows["this_week"].astype(bool)).sum()) if len(rows) else 0,
        "page_number": number,
        "pages": pages,
        "query": query_without(request, "page", "logged", "queued"),
        "grades": sorted(
            {str(g) for g in everyone["grade_level"].dropna()},
            key=lambda g: labels.group_order("grade_level", g),
        ),  # fmt: skip
        "owners": sorted(
            {
                (o, n)
                for o, n in zip(everyone["owner"], everyone["owner_name"], strict=True)
                if isinstance(o, str)
            }
        ),  # fmt: skip
        "tiers": TIERS,
        "statuses": STATUSES,
        "nobody": NOBODY,
        "bulk_kinds": [(k, _kind_label(k)) for k in BULK_KINDS],
        "definition": prepared.definition,
        "downloads": downloads(request, ["work queue"]),
    }


@router.post("/schools/{school_id}/queue/capacity")
def set_capacity(
    request: Request,
    school_id: str,
    csrf_token: Annotated[str, Form()] = "",
    students: Annotated[str, Form()] = "",
) -> Response:
    from homeroom.casebook.capacity import set_team_capacity

    viewer = _school_viewer(request, school_id)
    check_csrf(viewer, csrf_token)
    try:
        number = int(students.strip())
    except ValueError as exc:
        raise BadRequest("students must be a whole number, such as 12") from exc
    try:
        set_team_capacity(request.app.state.homeroom.store, school_id, number, by=viewer.scope)
    except CaseworkError as exc:
        raise BadRequest(str(exc)) from exc
    return RedirectResponse(f"/schools/{quote(school_id, safe='')}/queue", status_code=303)


@router.post("/schools/{school_id}/queue/bulk")
def bulk_action(
    request: Request,
    school_id: str,
    csrf_token: Annotated[str, Form()] = "",
    student: Annotated[list[str] | None, Form()] = None,
    kind: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    from homeroom.casebook.actions import log_for_many

    viewer = _school_viewer(request, school_id)
    check_csrf(viewer, csrf_token)
    if kind not in BULK_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(BULK_KINDS)} (tier-1 actions)")
    students = _students_of_school(request, viewer, school_id, student or [])
    try:
        ids = log_for_many(
            request.app.state.homeroom.store,
            [(s, school_id) for s in students],
            kind=kind, done_on=on or None, outcome=outcome or None, note=note or None,
            by=viewer.scope,
        )  # fmt: skip
    except CaseworkError as exc:
        raise BadRequest(str(exc)) from exc
    return RedirectResponse(
        f"/schools/{quote(school_id, safe='')}/queue?logged={len(ids)}", status_code=303
    )


@router.post("/schools/{school_id}/queue/send")
def send_messages(
    request: Request,
    school_id: str,
    csrf_token: Annotated[str, Form()] = "",
    student: Annotated[list[str] | None, Form()] = None,
    # The page names it letter_kind: the form it shares also holds the action's kind.
    letter_kind: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "",
) -> Response:
    from homeroom.web.routes.outreach import printed_letters, queue_letters

    viewer = _school_viewer(request, school_id)
    check_csrf(viewer, csrf_token)
    students = _students_of_school(request, viewer, school_id, student or [])
    if channel == "print":
        return printed_letters(request, school_id, students, letter_kind or kind, viewer)
    queued = queue_letters(request, school_id, students, letter_kind or kind, channel, viewer)
    return RedirectResponse(
        f"/schools/{quote(school_id, safe='')}/queue?queued={queued}", status_code=303
    )


def _students_of_school(
    request: Request, viewer: Viewer, school_id: str, keys: list[str]
) -> list[str]:
    """The student ids behind opaque KEYS, each enrolled at the school (which the user may
    see); any other key refuses the whole action before anything is written."""
    if not keys:
        raise BadRequest("choose at least one student")
    prepared = serving(request)
    state = request.app.state.homeroom
    ids = [state.keys.student_id(k) if state.keys else None for k in keys]
    if any(i is None for i in ids):
        raise BadRequest("a chosen student is not one of this school's")
    wanted = list(dict.fromkeys(str(i) for i in ids))
    clause, params = viewer.scope.student_filter("school_id")
    with prepared.cursor() as cur:
        cur.register("wanted", pd.DataFrame({"student_id": wanted}))
        found = cur.execute(
            "SELECT DISTINCT e.student_id FROM enrollments e JOIN wanted USING (student_id) "
            f"WHERE e.school_id = ? AND ({clause})",
            [school_id, *params],
        ).fetchall()
    if {str(r[0]) for r in found} != set(wanted):
        raise BadRequest("a chosen student is not one of this school's")
    return wanted


def _queue_download(
    request: Request, viewer: Viewer, found: Queue, rows: pd.DataFrame, fmt: str
) -> Response:
    audit(request, viewer, "work_queue_exported", subject_type="school",
          subject_id=found.school_id, reason="work queue download",
          detail={"format": fmt, "students": rows["student_id"].tolist()})  # fmt: skip
    prepared = serving(request)
    table = pd.DataFrame(
        {
            "Student ID": rows["student_id"],
            "First name": rows["first_name"],
            "Last name": rows["last_name"],
            "School ID": found.school_id,
            "School": prepared.school_names[found.school_id],
            "Grade": [labels.group_label("grade_level", g) for g in rows["grade_level"]],
            "Absence rate": rows["absence_rate"],
            "Suggested tier": rows["suggested_tier"],
            "Main reason": rows["main_reason"],
            "Rules": [", ".join(r) for r in rows["rules"]],
            "Why": [" · ".join(r) for r in rows["reasons"]],
            "Days since first flagged": rows["days_since_flagged"],
            "Owner": rows["owner"],
            "Plan tier": rows["plan_tier"],
            "Status": [STATUSES[s] for s in rows["status"]],
            "Next step": rows["next_step"],
            "This week": ["yes" if w else "no" for w in rows["this_week"]],
            # The signals CLI's name, as of the saved queue's date (empty: no chance for them).
            "chance_chronic": rows["chance_chronic"],
        }
    )
    # The rates are the early-warning run's (or, for students it did not flag, the latest data's).
    as_of = found.flags.as_of if found.flags is not None else prepared.resolve(None).as_of
    stamp = Stamp(as_of, f"{prepared.definition.name} {prepared.definition.version}")
    return download(
        request, {"work queue": table}, f"work-queue-{found.school_id}-{found.today}", fmt,
        stamp=stamp,
    )  # fmt: skip


def _casework_viewer(request: Request) -> Viewer:
    """School staff and administrators: the roles that do the school's casework."""
    viewer = require_viewer(request)
    viewer.scope.require_students()
    return viewer


def _school_viewer(request: Request, school_id: str) -> Viewer:
    viewer = _casework_viewer(request)
    viewer.scope.require_school(school_id)
    if school_id not in serving(request).school_names:
        raise PageNotFound("There is no such school in the data.")
    return viewer


def _page_number(request: Request) -> int:
    try:
        number = max(1, int(request.query_params.get("page") or 1))
    except ValueError as exc:
        raise BadRequest("page must be a whole number") from exc
    if number > MAX_PAGE:
        raise BadRequest(f"page must be a whole number from 1 to {MAX_PAGE:,}")
    return number


def _filters(
    grade: str | None, tier: str | None, owner: str | None, status: str | None
) -> dict[str, Any]:
    if tier and tier not in TIERS:
        raise BadRequest("tier must be 1, 2 or 3")
    if status and status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
    return {"grade": grade or None, "tier": int(tier) if tier else None,
            "owner": owner or None, "status": status or None}  # fmt: skip


def _shown(chosen: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in chosen.items() if v is not None}


def _kind_label(kind: str) -> str:
    from homeroom.casebook.actions import KINDS

    return KINDS[kind]
