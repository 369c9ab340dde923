"""Snapshot dates: which dates the web's metrics are computed through, and in which year.

For each school year: the last day of each month with instructional days (capped at the year's
last instructional day, which is the year-end snapshot), left out after the latest date with
data (a month the data have not reached would count its days as present); the latest date with
data itself; and, for each earlier year, the same point in that year, so the year-over-year
comparison of the default page is ready too.
"""

from __future__ import annotations

import calendar as month_days
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from homeroom.metrics import months
from homeroom.warehouse.workspace import WorkspaceError

MONTH_END, YEAR_END, LATEST, SAME_POINT, ON_DEMAND = (
    "month_end",
    "year_end",
    "latest",
    "same_point",
    "on_demand",
)
# When one date is several kinds of snapshot, it keeps the first of these.
KINDS = (YEAR_END, MONTH_END, LATEST, SAME_POINT, ON_DEMAND)


class ServingError(WorkspaceError):
    """The web's prepared data cannot answer (a date outside every school year, a lost file)."""


class DateOutsideData(ServingError):
    """A date in no school year of the data (a summer day, 1900-01-01): the asker's mistake,
    so the web answers 400 naming the school years it could have asked for."""

    def __init__(self, day: dt.date, spans: Iterable[YearSpan]) -> None:
        self.day = day
        self.years = tuple(sorted(spans, key=lambda s: s.school_year))
        super().__init__(
            f"{day.isoformat()} is in no school year of the data (the calendars run "
            f"{covered_years(self.years)}); choose a date within a school year"
        )


def covered_years(spans: Iterable[YearSpan]) -> str:
    """The school years and their calendar dates: "2023-24 (2023-08-21 to 2024-05-30), …"."""
    from homeroom.reports.labels import school_year

    return ", ".join(
        f"{school_year(s.school_year)} ({s.first_date.isoformat()} to {s.last_date.isoformat()})"
        for s in spans
    )


@dataclass(frozen=True)
class Snapshot:
    """A date the metrics are computed through, and the school year it falls in."""

    school_year: int
    as_of: dt.date
    kind: str  # one of KINDS


@dataclass(frozen=True)
class YearSpan:
    """A school year's dates over every calendar: first and last listed date, last school day."""

    school_year: int
    first_date: dt.date
    last_date: dt.date
    last_day: dt.date  # the last instructional day

    def holds(self, day: dt.date) -> bool:
        return self.first_date <= day <= self.last_date


def year_spans(con: duckdb.DuckDBPyConnection) -> dict[int, YearSpan]:
    rows = con.execute(
        "SELECT school_year, min(date), max(date), max(date) FILTER (WHERE instructional) "
        "FROM calendar GROUP BY school_year ORDER BY school_year"
    ).fetchall()
    return {
        int(year): YearSpan(int(year), first, last, school_day or last)
        for year, first, last, school_day in rows
    }


def month_ends(con: duckdb.DuckDBPyConnection) -> list[tuple[int, dt.date]]:
    """(school year, month end) for each month of each school year, by the one rule of
    homeroom.metrics.months (the printed report's trend uses it too)."""
    rows = con.execute(
        "SELECT school_year, min(date), max(date) FROM calendar WHERE instructional "
        "GROUP BY school_year ORDER BY school_year"
    ).fetchall()
    ends = months.month_ends({int(year): (first, last) for year, first, last in rows})
    return [(end.school_year, end.date) for end in ends]


def latest_date(con: duckdb.DuckDBPyConnection, spans: dict[int, YearSpan]) -> dt.date:
    """The web's default as-of date (the pages' "today"): the resolver's rule, the latest date
    with attendance recorded, never after today or that year's last school day.

    The snapshot plan, the file's `latest_date` and every page's default all come from here,
    so the pages agree with `homeroom metrics`, `report` and `signals` without --as-of.
    """
    from homeroom.resolver import ResolveError, default_as_of

    if not spans:
        raise ServingError("the load holds no calendar: there is no school year to show")
    try:
        return default_as_of(con)
    except ResolveError as exc:
        raise ServingError(str(exc)) from exc


def school_year_of(spans: dict[int, YearSpan], day: dt.date) -> int:
    """The school year whose calendar dates hold `day` (the later one where two overlap)."""
    holding = [year for year, span in spans.items() if span.holds(day)]
    if not holding:
        raise DateOutsideData(day, spans.values())
    return max(holding)


def plan_snapshots(
    spans: dict[int, YearSpan], months: list[tuple[int, dt.date]], latest: dt.date
) -> list[Snapshot]:
    """The precomputed dates: month ends, year ends, the latest date, the same point earlier."""
    chosen: dict[dt.date, Snapshot] = {}

    def add(snapshot: Snapshot) -> None:
        if snapshot.as_of > latest:
            return
        held = chosen.get(snapshot.as_of)
        if held is None or KINDS.index(snapshot.kind) < KINDS.index(held.kind):
            chosen[snapshot.as_of] = snapshot

    for year, month_end in months:
        span = spans[year]
        if month_end >= span.last_day:
            add(Snapshot(year, span.last_day, YEAR_END))
        else:
            add(Snapshot(year, month_end, MONTH_END))
    for span in spans.values():
        add(Snapshot(span.school_year, span.last_day, YEAR_END))
    if any(span.holds(latest) for span in spans.values()):
        current = Snapshot(school_year_of(spans, latest), latest, LATEST)
        add(current)
        current = chosen[latest]
        for year in spans:
            if year < current.school_year:
                day = same_point_date(current, year, spans, chosen.values())
                if day is not None:
                    add(Snapshot(year, day, SAME_POINT))
    return sorted(chosen.values(), key=lambda s: s.as_of)


def same_point_date(
    snapshot: Snapshot,
    year: int,
    spans: dict[int, YearSpan],
    snapshots: Iterable[Snapshot],
) -> dt.date | None:
    """The date in school year `year` at the same point as `snapshot` (None: not in that year).

    A year end matches the other year's end; a month end the other year's end of the same
    month; any other date the same calendar date that many years earlier (28 February for 29).
    """
    span = spans.get(year)
    if span is None:
        return None
    if snapshot.kind == YEAR_END:
        return span.last_day
    if snapshot.kind == MONTH_END:
        for other in snapshots:
            if (
                other.school_year == year
                and other.kind in (MONTH_END, YEAR_END)
                and other.as_of.month == snapshot.as_of.month
            ):
                return other.as_of
    shift = snapshot.school_year - year
    day = snapshot.as_of
    target_year = day.year - shift
    last = month_days.monthrange(target_year, day.month)[1]
    shifted = dt.date(target_year, day.month, min(day.day, last))
    return shifted if span.holds(shifted) else None
