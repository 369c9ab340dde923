"""Server-rendered pages: one Jinja environment, filters that format like the reports."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from homeroom.reports import labels
from homeroom.web.scope import ROLE_LABELS

TEMPLATES = Path(__file__).parent / "templates"


def _percent(value: Any) -> str:
    return "—" if labels.is_missing(value) else labels.percent(float(value))


def _count(value: Any) -> str:
    return "—" if labels.is_missing(value) else f"{int(value):,}"


def _days(value: Any) -> str:
    if labels.is_missing(value):
        return "—"
    number = float(value)
    return f"{number:,.0f}" if number == int(number) else f"{number:,.2f}".rstrip("0")


def _date(value: Any) -> str:
    if labels.is_missing(value):
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)[:10]


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
    html = environment().get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code)
