"""`GET /effect`: did each support work? Aggregates only, for the district's administrators
and viewers: one row per kind of support and the pooled row `all` (homeroom.outreach.effect),
as a chart of each effect with its 95% interval and as a table.

The estimate reads the warehouse (every school day of the year), so it is computed once per
load, as-of date and set of casebook supports, and kept while the server runs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from homeroom.casebook.roles import DISTRICT_ADMIN, DISTRICT_VIEWER
from homeroom.outreach.effect import Event, effects
from homeroom.outreach.effect_match import Estimate
from homeroom.outreach.effect_sources import casebook_events
from homeroom.web.auth import require_viewer
from homeroom.web.pageparts import serving
from homeroom.web.render import page
from homeroom.web.scope import ScopeError

router = APIRouter()
_CACHE: dict[tuple[object, ...], list[Estimate]] = {}
_LOCK = threading.Lock()
LEFT, WIDTH, ROW = 170, 420, 28  # the chart's label column, plotting width and row height


@dataclass(frozen=True)
class Bar:
    """One row of the chart: the effect's dot and its interval's line, in SVG units."""

    label: str
    y: int
    dot: float | None
    low: float | None
    high: float | None
    note: str


@router.get("/effect")
def effect_page(request: Request) -> Response:
    viewer = require_viewer(request)
    if viewer.scope.role not in (DISTRICT_ADMIN, DISTRICT_VIEWER):
        raise ScopeError("the effect of supports is for the district's administrators and viewers")
    state = request.app.state.homeroom
    prepared = serving(request)
    events = casebook_events(state.store)
    rows = _estimates(state.workspace, prepared.load_id, prepared.latest_date, events)
    return page(request, "effect.html", title="Did it work?", rows=rows,
                as_of=prepared.latest_date, definition=prepared.definition,
                **_chart(rows))  # fmt: skip


def _estimates(workspace: Any, load_id: int, as_of: Any, events: list[Event]) -> list[Estimate]:
    from homeroom.resolver import resolve

    key = (str(workspace.root), load_id, as_of, hash(tuple(sorted(set(events), key=repr))))
    with _LOCK:
        if key not in _CACHE:
            with resolve(workspace=workspace, as_of=as_of) as resolved:
                _CACHE[key] = effects(resolved, events)
        return _CACHE[key]


def _chart(rows: list[Estimate]) -> dict[str, Any]:
    """Positions of every effect and interval on one scale that holds 0 and every interval."""
    ends = [v for r in rows for v in (r.ci_low, r.ci_high, r.effect_points) if v is not None]
    low, high = min([-1.0, *ends]), max([1.0, *ends])

    def x(value: float | None) -> float | None:
        return None if value is None else round(LEFT + (value - low) / (high - low) * WIDTH, 1)

    bars = [
        Bar(r.support, 30 + i * ROW, x(r.effect_points), x(r.ci_low), x(r.ci_high), r.conclusion)
        for i, r in enumerate(rows)
    ]
    ticks = [(x(float(t)), t) for t in range(int(low), int(high) + 1)]
    return {"bars": bars, "zero": x(0.0), "ticks": ticks, "chart_height": 40 + len(rows) * ROW,
            "chart_width": LEFT + WIDTH + 20}  # fmt: skip
