"""Server-rendered pages: one Jinja environment, filters that format like the reports.

Dates and percentages go through homeroom.formats, as in the printed report: dates
read "5 March 2025", and a percentage beside a tier or level label never crosses the cut point
the label depends on (`rate(definition)` for a student's absence rate, `chronic(definition)`
for a school's or group's chronic absence rate). Downloads keep the exact values.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from homeroom.casebook.roles import ROLE_LABELS
from homeroom.definitions import Definition
from homeroom.formats import date_text, percent_text
from homeroom.reports import labels

TEMPLATES = Path(__file__).parent / "templates"


def _percent(value: Any) -> str:
    return "—" if labels.is_missing(value) else percent_text(float(value))


def tier_cuts(definition: Definition) -> tuple[Fraction, ...]:
    """The shares a student's tier (and chronic absence) changes at."""
    share = definition.threshold_share
    return (*definition.tier_cuts, *(() if share is None else (share,)))


def _rate(value: Any, definition: Definition) -> str:
    """A student's absence rate, on the same side of every tier cut as its tier."""
    return "—" if labels.is_missing(value) else percent_text(float(value), tier_cuts(definition))


def _chronic(value: Any, definition: Definition) -> str:
    """A chronic absence rate, on the same side of every school-level cut as its level."""
    if labels.is_missing(value):
        return "—"
    return percent_text(float(value), definition.level_cuts)


def _count(value: Any) -> str:
    return "—" if labels.is_missing(value) else f"{int(value):,}"


def _days(value: Any) -> str:
    if labels.is_missing(value):
        return "—"
    number = float(value)
    return f"{number:,.0f}" if number == int(number) else f"{number:,.2f}".rstrip("0")


def _date(value: Any) -> str:
    """A date as 5 March 2025; a moment also gets its time (5 March 2025 14:05)."""
    if labels.is_missing(value):
        return "—"
    if isinstance(value, str) and len(value) > 10 and value[10] in "T ":
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.time() != dt.time(0):
        return f"{date_text(value)} {value:%H:%M}"
    return date_text(value)


def _svg(value: Any) -> Markup:
    # Charts are made by our own code from numbers, never from user text.
    return Markup(value or "")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        percent=_percent,
        rate=_rate,
        chronic=_chronic,
        count=_count,
        days=_days,
        date=_date,
        svg=_svg,
        school_year=labels.school_year,
        tier=lambda t: "Not yet eligible" if labels.is_missing(t) else labels.tier_label(t),
        level=labels.level_label,
        # `value | group(column)` in the templates: the value comes first, as filters take it.
        group=lambda value, column: labels.group_label(column, value),
        column=labels.column_label,
        points=labels.points,
    )
    env.globals["role_labels"] = ROLE_LABELS
    return env


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    from homeroom.web.auth import current_viewer

    state = request.app.state.homeroom
    context.setdefault("viewer", current_viewer(request))
    context.setdefault("workspace_name", state.workspace.name)
    context.setdefault("path", request.url.path)
    context.setdefault("stale_schools", state.stale_schools())
    html = environment().get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code)
