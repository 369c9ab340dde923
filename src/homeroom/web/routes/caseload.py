"""A staff member's caseload: the open plans they own, overdue follow-ups first.

GET /caseload shows the signed-in user's own; an administrator may read another's with
`?owner=USERNAME`. School staff see only plans at their schools (a plan of a school they no
longer have stays with its owner in the casebook but leaves their page). Audited as a list of
students.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import Response

from homeroom.casebook.caseload import CaseloadItem, caseload
from homeroom.casebook.casework import today as store_today
from homeroom.web.auth import require_viewer
from homeroom.web.pageparts import audit, serving, student_keys
from homeroom.web.render import page
from homeroom.web.scope import ScopeError
from homeroom.web.snapshot import ServingData

router = APIRouter()


@router.get("/caseload")
def my_caseload(request: Request, owner: str | None = None) -> Response:
    viewer = require_viewer(request)
    viewer.scope.require_students()
    whose = (owner or "").strip().lower() or viewer.username
    if whose != viewer.username and not viewer.scope.is_admin:
        raise ScopeError("only a district administrator may read another person's caseload")
    store = request.app.state.homeroom.store
    today = store_today(store)
    items = [
        i
        for i in caseload(store, whose, today=today)
        if viewer.scope.allows_school(i.plan.school_id)
    ]
    prepared = serving(request)
    ids = pd.DataFrame({"student_id": [i.student_id for i in items]})
    if items:
        audit(request, viewer, "caseload_viewed", subject_type="user", subject_id=whose,
              reason="caseload", detail={"students": ids["student_id"].tolist()})  # fmt: skip
    return page(
        request,
        "caseload.html",
        title="Caseload" if whose != viewer.username else "My caseload",
        owner=whose,
        own=whose == viewer.username,
        today=today,
        rows=_rows(prepared, items, student_keys(request, ids)),
    )


def _rows(
    prepared: ServingData, items: list[CaseloadItem], keys: list[str]
) -> list[dict[str, Any]]:
    names = _names(prepared, [i.student_id for i in items])
    return [
        {
            "key": key,
            "student_id": item.student_id,
            "name": names.get(item.student_id, ""),
            "school_id": item.plan.school_id,
            "school_name": prepared.school_names.get(item.plan.school_id, item.plan.school_id),
            "tier": item.plan.tier,
            "supports": [s.name for s in item.plan.supports],
            "follow_up_on": item.follow_up_on,
            "overdue": item.overdue,
            "review_on": item.plan.review_on,
            "review_due": item.review_due,
        }
        for item, key in zip(items, keys, strict=True)
    ]


def _names(prepared: ServingData, student_ids: list[str]) -> dict[str, str]:
    # Only students whose plans the page has already kept to the user's schools.
    if not student_ids:
        return {}
    with prepared.cursor() as cur:
        cur.register("wanted", pd.DataFrame({"student_id": student_ids}))
        rows = cur.execute(
            "SELECT s.student_id, any_value(s.last_name), any_value(s.first_name) "
            "FROM students s JOIN wanted USING (student_id) GROUP BY s.student_id"
        ).fetchall()
    return {str(r[0]): ", ".join(p for p in (r[1], r[2]) if p) for r in rows}
