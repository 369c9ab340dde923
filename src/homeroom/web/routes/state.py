"""The state overview page: the state's headline and trend, and every district (aggregates)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from homeroom.formats import percent_text
from homeroom.reports import charts
from homeroom.web import data
from homeroom.web.auth import require_viewer
from homeroom.web.data.state import StateOverview, require_state, state_overview
from homeroom.web.downloads import download
from homeroom.web.exports import Stamp
from homeroom.web.pageparts import cached, downloads, parse_date, records, serving, trend_points
from homeroom.web.render import page

router = APIRouter()


@router.get("/state")
def state(
    request: Request,
    as_of: str | None = None,
    format: str | None = None,  # noqa: A002
    table: str | None = None,
) -> Response:
    """State analysts, district administrators and viewers; school staff and partners: 403."""
    viewer = require_viewer(request)
    require_state(viewer.scope)
    prepared = serving(request)
    overview = state_overview(prepared, viewer.scope, parse_date(as_of))
    tables = {"districts": data.titled(overview.districts), "trend": data.titled(overview.trend)}
    if format:
        stamp = Stamp.of(overview.as_of, prepared.definition)
        return download(request, tables, f"state-{overview.as_of}", format, table, stamp=stamp)
    return page(
        request,
        "state.html",
        title=overview.name,
        o=overview,
        dates=prepared.snapshot_dates,
        downloads=downloads(request, tables),
        districts=records(overview.districts),
        **cached(request, ("state", overview.as_of), lambda: _charts(overview)),
    )


def _charts(overview: StateOverview) -> dict[str, Any]:
    minimum = overview.definition.minimum_group_size
    rows = [
        charts.RateRow(
            r["district_name"],
            None if r["suppressed"] else r["chronic_absence_rate"],
            r["students_eligible"],
            f"fewer than {minimum} students" if r["suppressed"] else None,
            r["level"],
        )
        for r in records(overview.districts)
    ]
    points = trend_points(overview.trend)
    return {
        "district_chart": charts.rate_bars(
            rows,
            title="Chronic absence by district",
            reference=_reference(overview.headline.chronic_absence_rate),
            unit_word="District",
            chart_id="districts",
        )
        if rows
        else None,
        "trend_chart": charts.trend_chart(points, unit_name=overview.name) if points else None,
    }


def _reference(rate: float | None) -> charts.Reference | None:
    if rate is None or rate != rate:
        return None
    return charts.Reference(float(rate), f"State: {percent_text(rate)}")
