"""The aggregate pages: district overview, the schools list, a school, equity, the data page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from homeroom.formats import percent_text
from homeroom.reports import charts
from homeroom.web import data
from homeroom.web.auth import Viewer, require_viewer
from homeroom.web.data.peers import district_peers_table
from homeroom.web.data.state import may_see_state, several_districts
from homeroom.web.downloads import download
from homeroom.web.errors import PageNotFound
from homeroom.web.exports import Stamp
from homeroom.web.pageparts import (
    audit,
    cached,
    downloads,
    group_rows,
    parse_date,
    records,
    serving,
    student_keys,
    trend_points,
)
from homeroom.web.render import page
from homeroom.web.routes import frames
from homeroom.web.snapshot import ServingData

router = APIRouter()
WATCH_SHOWN = 25  # the school page shows the neediest; the student list has them all


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/")
def district(
    request: Request,
    as_of: str | None = None,
    format: str | None = None,  # noqa: A002
    table: str | None = None,
) -> Response:
    viewer = require_viewer(request)
    if viewer.scope.is_partner:  # a partner sees its students, never the district's numbers
        return RedirectResponse("/partner", status_code=303)
    prepared = serving(request)
    if several_districts(prepared):  # one district a page: the state's, or the user's own
        return RedirectResponse(_home(prepared, viewer), status_code=303)
    return _district_page(request, None, as_of, format, table)


@router.get("/districts/{district_id}")
def district_by_id(
    request: Request,
    district_id: str,
    as_of: str | None = None,
    format: str | None = None,  # noqa: A002
    table: str | None = None,
) -> Response:
    """One district of several (aggregates: every role but a partner, as `/`)."""
    require_viewer(request)
    if district_id not in serving(request).district_names:
        raise PageNotFound("There is no such district in the data.")
    return _district_page(request, district_id, as_of, format, table)


def _home(prepared: ServingData, viewer: Viewer) -> str:
    """Where `/` leads with several districts: the state page, or the district of the user's
    first school (school staff), or the schools list."""
    if may_see_state(viewer.scope):
        return "/state"
    mine = sorted(viewer.scope.school_ids or ())
    district = prepared.schools_frame().set_index("school_id")["district_id"]
    first = next((str(district[s]) for s in mine if s in district.index), None)
    return f"/districts/{quote(first, safe='')}" if first else "/schools"


def _district_page(
    request: Request,
    district_id: str | None,
    as_of: str | None,
    format: str | None,  # noqa: A002
    table: str | None,
) -> Response:
    viewer = require_viewer(request)
    prepared = serving(request)
    overview = data.district_overview(prepared, viewer.scope, parse_date(as_of), district_id)
    peers = (
        None if district_id is None else district_peers_table(prepared, district_id, overview.as_of)
    )
    tables = {
        "schools": data.titled(overview.schools),
        "tiers": frames.tier_frame(overview.tiers),
        "trend": data.titled(overview.trend),
    }
    if peers is not None:
        tables["peers"] = data.titled(peers)
    if format:
        stamp = Stamp.of(overview.as_of, prepared.definition)
        name = f"district-{overview.district_id + '-' if district_id else ''}{overview.as_of}"
        return download(request, tables, name, format, table, stamp=stamp)
    return page(
        request,
        "district.html",
        title=overview.district_name,
        o=overview,
        dates=prepared.snapshot_dates,
        downloads=downloads(request, tables),
        schools=records(overview.schools),
        peers=None if peers is None else records(peers),
        state_link=several_districts(prepared) and may_see_state(viewer.scope),
        **cached(
            request,
            ("district", district_id or "", overview.as_of),
            lambda: _district_charts(overview),
        ),
    )


def _district_charts(overview: data.DistrictOverview) -> dict[str, Any]:
    minimum = overview.definition.minimum_group_size
    school_rows = [
        charts.RateRow(
            r["school_name"],
            None if r["suppressed"] else r["chronic_absence_rate"],
            r["students_eligible"],
            f"fewer than {minimum} students" if r["suppressed"] else None,
            r["level"],
        )
        for r in records(overview.schools)
    ]
    points = trend_points(overview.trend)
    return {
        "tier_chart": charts.tier_chart(overview.tiers),
        "level_chart": charts.level_chart(overview.school_levels),
        "school_chart": charts.rate_bars(
            school_rows,
            title="Chronic absence by school",
            reference=_reference(overview.headline.chronic_absence_rate, "District"),
            unit_word="School",
            chart_id="schools",
        )
        if school_rows
        else None,
        "trend_chart": charts.trend_chart(points, unit_name=overview.district_name)
        if points
        else None,
    }


@router.get("/schools")
def schools(
    request: Request,
    as_of: str | None = None,
    format: str | None = None,  # noqa: A002
) -> Response:
    """Every school the user may open (school staff: their own), with its numbers."""
    viewer = require_viewer(request)
    prepared = serving(request)
    result = data.school_list(prepared, viewer.scope, parse_date(as_of))
    tables = {"schools": data.titled(result.schools)}
    if format:
        stamp = Stamp.of(result.as_of, prepared.definition)
        return download(request, tables, f"schools-{result.as_of}", format, stamp=stamp)
    return page(
        request,
        "schools.html",
        title="Schools",
        l=result,
        dates=prepared.snapshot_dates,
        downloads=downloads(request, tables),
        schools=records(result.schools),
    )


@router.get("/schools/{school_id}")
def school(
    request: Request,
    school_id: str,
    as_of: str | None = None,
    format: str | None = None,  # noqa: A002
    table: str | None = None,
) -> Response:
    viewer = require_viewer(request)
    prepared = serving(request)
    viewer.scope.require_school(school_id)
    if school_id not in prepared.school_names:
        raise PageNotFound("There is no such school in the data.")
    overview = data.school_overview(prepared, viewer.scope, school_id, parse_date(as_of))
    tables = _school_tables(overview)
    watch = overview.watch_list
    if format:
        return _school_download(request, viewer, overview, tables, format, table)
    shown = watch.head(WATCH_SHOWN) if watch is not None else None
    if shown is not None and len(shown):
        audit(
            request,
            viewer,
            "student_list_viewed",
            subject_type="school",
            subject_id=school_id,
            reason="school watch list",
            detail={"students": shown["student_id"].tolist()},
        )
    return page(
        request,
        "school.html",
        title=overview.school_name,
        o=overview,
        dates=prepared.snapshot_dates,
        downloads=downloads(request, tables),
        watch=list(zip(student_keys(request, shown), records(shown), strict=True))
        if shown is not None
        else None,
        watch_total=0 if watch is None else len(watch),
        minimum=overview.definition.minimum_group_size,
        **cached(request, ("school", school_id, overview.as_of), lambda: _school_charts(overview)),
    )


def _school_tables(overview: data.SchoolOverview) -> dict[str, pd.DataFrame]:
    tables = {
        "tiers": frames.tier_frame(overview.tiers),
        "grades": frames.group_frame(overview.grades),
        "groups": frames.groups_frame(overview.groups),
        "trend": data.titled(overview.trend),
    }
    if overview.watch_list is not None:
        tables["watch list"] = data.titled(overview.watch_list)
    return tables


def _school_download(
    request: Request,
    viewer: Viewer,
    overview: data.SchoolOverview,
    tables: dict[str, pd.DataFrame],
    fmt: str,
    table: str | None,
) -> Response:
    """The school's tables as a file; the watch list in it is audited as an export."""
    watch = overview.watch_list
    if table == "watch list":
        viewer.scope.require_students()  # aggregate-only roles: refused, not another table
    # A CSV holds one table (the first unless one is named), an XLSX every table.
    holds_watch = fmt == "xlsx" or (fmt == "csv" and table == "watch list")
    if watch is not None and holds_watch:
        audit(
            request,
            viewer,
            "student_list_exported",
            subject_type="school",
            subject_id=overview.school_id,
            reason="school watch list download",
            detail={"students": watch["student_id"].tolist(), "format": fmt},
        )
    stamp = Stamp.of(overview.as_of, overview.definition)
    return download(
        request, tables, f"school-{overview.school_id}-{overview.as_of}", fmt, table, stamp=stamp
    )


def _school_charts(overview: data.SchoolOverview) -> dict[str, Any]:
    minimum = overview.definition.minimum_group_size
    points = trend_points(overview.trend)
    reference = _reference(overview.headline.chronic_absence_rate, "School")
    grades = overview.grades
    return {
        "tier_chart": charts.tier_chart(overview.tiers),
        "trend_chart": charts.trend_chart(points, unit_name=overview.school_name)
        if points
        else None,
        "grade_chart": charts.rate_bars(
            group_rows(grades, minimum),
            title="Chronic absence by grade",
            reference=reference,
            unit_word="Grade",
            chart_id="grades",
        )
        if grades is not None and grades.groups
        else None,
        "group_charts": [
            charts.rate_bars(
                group_rows(t, minimum),
                title=f"Chronic absence by {t.label.lower()}",
                reference=reference,
                unit_word=t.label,
                chart_id=f"group-{t.column}",
            )
            for t in overview.groups
            if t.groups
        ],
    }


@router.get("/equity")
def equity(
    request: Request,
    as_of: str | None = None,
    school: str | None = None,
    format: str | None = None,
    table: str | None = None,
) -> Response:  # noqa: A002
    viewer = require_viewer(request)
    prepared = serving(request)
    if school:
        viewer.scope.require_school(school)
        if school not in prepared.school_names:
            raise PageNotFound("There is no such school in the data.")
    result = data.equity(prepared, viewer.scope, parse_date(as_of), school_id=school or None)
    tables = {t.label: frames.equity_frame(t) for t in result.tables}
    if format:
        return download(
            request,
            tables or {"groups": frames.equity_frame(None)},
            f"equity-{result.as_of}",
            format,
            table,
            stamp=Stamp.of(result.as_of, prepared.definition),
        )

    def draw() -> list[object]:
        return [
            charts.rate_bars(
                [
                    charts.RateRow(
                        g.label,
                        g.chronic_absence_rate,
                        g.students_eligible,
                        g.suppression_reason if g.suppression else None,
                    )
                    for g in t.groups
                ],
                title=f"Chronic absence by {t.label.lower()}",
                reference=_reference(result.chronic_absence_rate, "All students"),
                unit_word=t.label,
                chart_id=f"equity-{t.column}",
            )
            for t in result.tables
        ]

    drawn = cached(request, ("equity", school or "", result.as_of), draw)
    blocks = list(zip(result.tables, drawn, strict=True))
    schools = [(s, n) for s, n in prepared.school_names.items() if viewer.scope.allows_school(s)]
    return page(
        request,
        "equity.html",
        title="Equity",
        e=result,
        blocks=blocks,
        dates=prepared.snapshot_dates,
        downloads=downloads(request, tables),
        schools=schools,
        school=school or "",
    )


@router.get("/data")
def data_page(request: Request, format: str | None = None, table: str | None = None) -> Response:  # noqa: A002
    viewer = require_viewer(request)
    prepared = serving(request)
    result = data.data_page(prepared, viewer.scope)
    tables = {"load history": data.titled(result.load_history)}
    if result.quarantine is not None:  # row by row: district administrators only
        tables["quarantine"] = data.titled(result.quarantine)
    tables["quarantine reasons"] = data.titled(result.quarantine_reasons)
    tables["monitors"] = frames.monitor_frame(result.monitors)
    if format:
        return download(request, tables, f"data-load-{result.load_id}", format, table)
    return page(
        request,
        "data.html",
        title="Data",
        d=result,
        downloads=downloads(request, tables),
        history=records(result.load_history),
        quarantine=None if result.quarantine is None else records(result.quarantine),
        reasons=records(result.quarantine_reasons),
    )


def _reference(rate: float | None, label: str) -> charts.Reference | None:
    if rate is None or rate != rate:
        return None
    return charts.Reference(float(rate), f"{label}: {percent_text(rate)}")
