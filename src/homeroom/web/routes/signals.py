"""The early-warning watch list of one school: who is newly flagged since the last run, and why.

The flags come from the latest saved `homeroom signals` run of the workspace (see
homeroom.signals.store). One row per student, sorted by need: intensive support (tier 3)
first, then early support (tier 2), then patterns worth a conversation; within each, the most
rules and the highest absence rate first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import Response

from homeroom.reports import labels
from homeroom.warehouse import Workspace
from homeroom.web.auth import Viewer, require_viewer
from homeroom.web.downloads import download
from homeroom.web.errors import BadRequest, PageNotFound
from homeroom.web.exports import FORMATS, Stamp
from homeroom.web.pageparts import audit, downloads, records, serving, student_keys
from homeroom.web.render import page
from homeroom.web.snapshot import ServingData

router = APIRouter()
NEED_ORDER = {3: 0, 2: 1}


@router.get("/schools/{school_id}/signals")
def school_signals(
    request: Request,
    school_id: str,
    show: str = "new",
    format: str | None = None,  # noqa: A002
) -> Response:
    from homeroom.signals.rules import RULES
    from homeroom.signals.store import previous_run

    viewer = require_viewer(request)
    viewer.scope.require_students()
    viewer.scope.require_school(school_id)
    prepared = serving(request)
    if school_id not in prepared.school_names:
        raise PageNotFound("There is no such school in the data.")
    workspace = request.app.state.homeroom.workspace
    common: dict[str, Any] = {
        "title": "Early warning",
        "school_id": school_id,
        "school_name": prepared.school_names[school_id],
        "definition": prepared.definition,
    }
    run = _latest_run(workspace)
    if run is None:
        return page(request, "signals.html", run=None, rows=[], **common)
    run_id = int(run["run_id"])
    flags, students = _flagged(workspace, run_id, school_id, prepared)
    if show == "new":
        students = students[students["new_rules"] != ""]
    if format:
        return _signals_download(request, viewer, school_id, run, students, format)
    if len(students):
        audit(
            request,
            viewer,
            "watch_list_viewed",
            subject_type="school",
            subject_id=school_id,
            reason="early-warning list",
            detail={"run": run_id, "students": students["student_id"].tolist()},
        )
    return page(
        request,
        "signals.html",
        run=run,
        previous=previous_run(workspace, run_id),
        show=show,
        rows=list(zip(student_keys(request, students), records(students), strict=True)),
        flagged_total=int(flags["student_id"].nunique()),
        rules={r.id: r for r in RULES},
        downloads=downloads(request, ["early warning"]),
        **common,
    )


def _latest_run(workspace: Workspace) -> pd.Series | None:
    """The latest saved signals run of the workspace, or None before the first."""
    from homeroom.signals.history import SignalsError
    from homeroom.signals.store import runs

    try:
        known = runs(workspace)
    except SignalsError:
        return None
    return None if known.empty else known.iloc[-1]


def _flagged(
    workspace: Workspace, run_id: int, school_id: str, prepared: ServingData
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The run's flags at the school, and one row per student flagged (see _per_student)."""
    from homeroom.signals.store import load_run, newly_flagged

    flags = load_run(workspace, run_id)
    flags = flags[flags["school_id"] == school_id]
    fresh = newly_flagged(workspace, run_id, school_id=school_id)
    new_keys = set(zip(fresh["student_id"], fresh["rule"], strict=True))
    return flags, _per_student(flags, new_keys, prepared)


def _signals_download(
    request: Request,
    viewer: Viewer,
    school_id: str,
    run: pd.Series,
    students: pd.DataFrame,
    fmt: str,
) -> Response:
    run_id = int(run["run_id"])
    if fmt not in FORMATS:
        raise BadRequest("format must be csv or xlsx")
    audit(
        request,
        viewer,
        "watch_list_exported",
        subject_type="school",
        subject_id=school_id,
        reason="early-warning list download",
        detail={"run": run_id, "students": students["student_id"].tolist()},
    )
    table = students.drop(columns=["need"])
    # A student-level file names its school and its school year in words too.
    table.insert(3, "school_id", school_id)
    table.insert(4, "school_name", request.app.state.homeroom.serving.school_names[school_id])
    table.insert(6, "school_year_label", table["school_year"].map(labels.school_year))
    table = table.rename(columns=_TITLES)
    # The run's own date and definition: the list is what the rules said then.
    stamp = Stamp(
        dt.date.fromisoformat(str(run["as_of"])[:10]),
        f"{run['definition']} {run['definition_version']}",
    )
    return download(
        request, {"early warning": table}, f"early-warning-{school_id}", fmt, stamp=stamp
    )


_TITLES = {
    "student_id": "Student ID",
    "first_name": "First name",
    "last_name": "Last name",
    "school_id": "School ID",
    "school_name": "School",
    "school_year": "School year",
    "school_year_label": "School year (label)",
    "grade_level": "Grade",
    "suggested_tier": "Suggested tier",
    "absence_rate": "Absence rate",
    "days_absent": "Days absent",
    "rules": "Rules",
    "new_rules": "New since the last run",
    "reasons": "Why",
}


def _per_student(
    flags: pd.DataFrame, new_keys: set[tuple[str, str]], prepared: ServingData
) -> pd.DataFrame:
    """One row per student: the highest suggested tier, every rule and reason, what is new."""
    rows = []
    for student_id, group in flags.groupby("student_id", sort=False):
        tiers = [int(t) for t in group["suggested_tier"].dropna()]
        tier = max(tiers) if tiers else None
        rules = list(group["rule"])
        rows.append(
            {
                "student_id": student_id,
                "school_year": int(group["school_year"].iloc[0]),
                "grade_level": group["grade_level"].iloc[0],
                "suggested_tier": tier,
                "absence_rate": float(group["absence_rate"].iloc[0]),
                "days_absent": float(group["days_absent"].iloc[0]),
                "rules": ", ".join(rules),
                "new_rules": ", ".join(r for r in rules if (student_id, r) in new_keys),
                "reasons": " · ".join(group["reason"]),
                "need": (
                    2 if tier is None else NEED_ORDER.get(tier, 2),
                    -len(rules),
                    -float(group["absence_rate"].iloc[0]),
                ),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "student_id",
            "school_year",
            "grade_level",
            "suggested_tier",
            "absence_rate",
            "days_absent",
            "rules",
            "new_rules",
            "reasons",
            "need",
        ],
    )
    frame["suggested_tier"] = frame["suggested_tier"].astype("Int64")
    frame = frame.sort_values("need", kind="stable").reset_index(drop=True)
    names = _names(prepared, frame["student_id"].tolist())
    frame.insert(1, "first_name", [names.get(s, (None, None))[0] for s in frame["student_id"]])
    frame.insert(2, "last_name", [names.get(s, (None, None))[1] for s in frame["student_id"]])
    frame["grade_level"] = [labels.group_label("grade_level", g) for g in frame["grade_level"]]
    return frame


def _names(
    prepared: ServingData, student_ids: list[str]
) -> dict[str, tuple[str | None, str | None]]:
    # Only students flagged at a school the page has already checked the user may see.
    if not student_ids:
        return {}
    with prepared.cursor() as cur:
        cur.register("wanted", pd.DataFrame({"student_id": student_ids}))
        rows = cur.execute(
            "SELECT s.student_id, any_value(s.first_name), any_value(s.last_name) "
            "FROM students s JOIN wanted USING (student_id) GROUP BY s.student_id"
        ).fetchall()
    return {str(r[0]): (r[1], r[2]) for r in rows}
