"""What every page shares: the prepared data, the as-of date, downloads and the audit call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

import pandas as pd
from fastapi import Request

from homeroom.reports import charts
from homeroom.reports.groups import GroupTable
from homeroom.web.auth import Viewer
from homeroom.web.errors import BadRequest
from homeroom.web.snapshot import ServingData
from homeroom.web.state import AppState

T = TypeVar("T")


def serving(request: Request) -> ServingData:
    """The prepared data of the current load (see homeroom.web.state.AppState.serving)."""
    state: AppState = request.app.state.homeroom
    return state.serving


def cached(request: Request, key: tuple[Any, ...], draw: Callable[[], T]) -> T:
    """Charts of aggregates, drawn once per prepared load (see homeroom.web.chartcache)."""
    state = request.app.state.homeroom
    return state.charts.get((str(state.serving_path), *key), draw)


def parse_date(value: str | None, what: str = "as_of") -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise BadRequest(f"{what} must be a date like 2025-01-31") from exc


def downloads(request: Request, tables: Iterable[str]) -> list[tuple[str, str]]:
    """Links to this page's tables: one CSV a table, and one XLSX with them all."""
    keep = [(k, v) for k, v in request.query_params.multi_items() if k not in ("format", "table")]
    links = []
    names = list(tables)
    for name in names:
        query = urlencode([*keep, ("format", "csv"), ("table", name)])
        label = f"{name} (CSV)" if len(names) > 1 else "CSV"
        links.append((label, f"{request.url.path}?{query}"))
    links.append(
        (
            "all (XLSX)" if len(names) > 1 else "XLSX",
            f"{request.url.path}?{urlencode([*keep, ('format', 'xlsx')])}",
        )
    )
    return links


def audit(
    request: Request,
    viewer: Viewer,
    action: str,
    *,
    subject_type: str = "student",
    subject_id: str | None = None,
    reason: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append who, when, what and why to the casebook's audit log (before the page is sent)."""
    from homeroom.casebook.audit import record

    record(
        request.app.state.homeroom.store,
        username=viewer.username,
        role=viewer.role,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        reason=reason,
        detail=detail,
    )


def student_keys(request: Request, frame: pd.DataFrame) -> list[str]:
    keys = request.app.state.homeroom.keys
    if keys is None:
        serving(request)  # opening the data makes the keys
        keys = request.app.state.homeroom.keys
    return [keys.key(s) for s in frame["student_id"]] if len(frame) else []


def trend_points(trend: pd.DataFrame) -> list[charts.MonthRate]:
    """One point a month of each school year: the latest date of that month in the data."""
    points: dict[tuple[int, int], charts.MonthRate] = {}
    for row in trend.sort_values("as_of").itertuples(index=False):
        day = pd.Timestamp(row.as_of).date()
        rate = None if pd.isna(row.chronic_absence_rate) else float(row.chronic_absence_rate)
        points[(int(row.school_year), day.month)] = charts.MonthRate(
            int(row.school_year), day.month, rate, day
        )
    return list(points.values())


def group_rows(table: GroupTable, minimum: int) -> list[charts.RateRow]:
    return charts.group_rate_rows(table, f"fewer than {minimum} students")


def records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    return [] if frame is None else frame.to_dict("records")
