"""The student list's address, read into typed filters, and what its filter form offers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from homeroom.definitions.profile import TIERS
from homeroom.reports import labels
from homeroom.web import data
from homeroom.web.auth import Viewer
from homeroom.web.data import StudentPage
from homeroom.web.errors import BadRequest, PageNotFound
from homeroom.web.snapshot import ServingData

FLAG_VALUES = {"yes": True, "no": False}
# Far past any district's last page, and small enough that page × size stays a 64-bit offset.
MAX_PAGE = 1_000_000


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


def list_choices(prepared: ServingData, viewer: Viewer) -> dict[str, Any]:
    """What the list's filters offer: dates, the user's schools, grades, tiers, groups."""
    return {
        "dates": prepared.snapshot_dates,
        "schools": [
            (s, n) for s, n in prepared.school_names.items() if viewer.scope.allows_school(s)
        ],
        "grades": sorted(grades(prepared), key=lambda g: labels.group_order("grade_level", g)),
        "tiers": TIERS,
        "group_choices": group_choices(),
        "sorts": data.SORTS,
        "definition": prepared.definition,
    }


def check_list(
    request: Request,
    viewer: Viewer,
    prepared: ServingData,
    sort: str,
    tier: str | None,
    school: str | None,
) -> int:
    """The page number asked for, once the sort, tier and school are known ones."""
    try:
        page_number = max(1, int(request.query_params.get("page") or 1))
    except ValueError as exc:
        raise BadRequest("page must be a whole number") from exc
    if page_number > MAX_PAGE:
        raise BadRequest(f"page must be a whole number from 1 to {MAX_PAGE:,}")
    if sort not in data.SORTS:
        raise BadRequest(f"sort must be one of {', '.join(data.SORTS)}")
    if tier and tier not in TIERS:
        raise BadRequest(f"tier must be one of {', '.join(TIERS)}")
    if school:
        viewer.scope.require_school(school)
        if school not in prepared.school_names:
            raise PageNotFound("There is no such school in the data.")
    return page_number


def group(value: str | None) -> tuple[str, Any] | None:
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


def group_choices() -> list[tuple[str, str]]:
    from homeroom.contract.schema import RACE_ETHNICITY, SEX, STUDENT_FLAGS

    choices = [
        (f"race_ethnicity:{v}", labels.group_label("race_ethnicity", v)) for v in RACE_ETHNICITY
    ]
    choices += [(f"sex:{v}", labels.group_label("sex", v)) for v in SEX]
    for column in STUDENT_FLAGS:
        choices.append((f"{column}:yes", labels.group_label(column, True)))
        choices.append((f"{column}:no", labels.group_label(column, False)))
    return choices


def grades(prepared: ServingData) -> list[str]:
    with prepared.cursor() as cur:
        rows = cur.execute("SELECT DISTINCT grade_level FROM enrollments").fetchall()
    return [r[0] for r in rows if r[0]]


def query_without(request: Request, *names: str) -> str:
    from urllib.parse import urlencode

    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in names and v]
    return urlencode(kept)
