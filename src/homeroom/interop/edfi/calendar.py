"""calendar: one calendar per school and school year, from CalendarDates — or from Sessions.

Ed-Fi marks a date with calendar events; a date is instructional when one of its events maps to
`instructional` in the descriptor map (Instructional day, Make-up day, …) and not when all map
to `not_instructional` (Holiday, Teacher only day, …). Homeroom keeps one calendar per school:
a school with several Ed-Fi calendars (tracks) gets their dates merged, instructional winning.

Many exports list few or no CalendarDates. When a school's listed instructional dates are fewer
than half of what its Sessions say (`totalInstructionalDays`, else the sessions' weekdays), the
calendar is built from the Sessions: every weekday from beginDate to endDate, minus the dates the
data marks non-instructional, plus those it marks instructional. When that gives more days than
`totalInstructionalDays`, the data does not say which weekdays were off; the surplus is taken
from weekdays with no attendance event at the school (first those with none in the whole data),
earliest first. Which days those are changes only figures "as of" a date inside the session, not
the year's. Every such step is written to the import's assumptions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from homeroom.interop.edfi.descriptors import CALENDAR_EVENT, DescriptorMap
from homeroom.interop.edfi.resources import (
    Resources,
    items,
    record_school_year,
    text,
    where,
)
from homeroom.interop.edfi.resources import (
    field as get,
)
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult, Mapping

COLUMNS = ("calendar_id", "school_year", "date", "instructional", SOURCE_FILE, SOURCE_LINE)
SPARSE_SHARE = 0.5


@dataclass
class Calendars:
    frame: pd.DataFrame
    # (school, year) → instructional dates, sorted
    instructional: dict[tuple[str, str], list[dt.date]] = field(default_factory=dict)

    def year_of(self, school: str, day: dt.date) -> str | None:
        """The school year whose calendar of this school spans the date."""
        for (s, year), dates in self.instructional.items():
            if s == school and dates and dates[0] - dt.timedelta(days=45) <= day <= dates[-1]:
                return year
        return None

    def finder(self) -> Callable[[str, dt.date], str | None]:
        """`year_of` for many look-ups: the calendars indexed by school once (as they are now)."""
        spans: dict[str, list[tuple[dt.date, dt.date, str]]] = defaultdict(list)
        for (school, year), dates in self.instructional.items():
            if dates:
                spans[school].append((dates[0] - dt.timedelta(days=45), dates[-1], year))

        def year_of(school: str, day: dt.date) -> str | None:
            for first, last, year in spans.get(school, ()):
                if first <= day <= last:
                    return year
            return None

        return year_of


def calendar_table(
    resources: Resources,
    descriptors: DescriptorMap,
    result: ImportResult,
    event_dates: dict[str, set[dt.date]],
    *,
    from_sessions: bool = True,
) -> Calendars:
    listed, sources = _listed_dates(resources, descriptors, result)
    sessions = _sessions(resources)
    keys = sorted(set(listed) | set(sessions))
    rows: list[dict] = []
    out = Calendars(pd.DataFrame(columns=list(COLUMNS)))
    all_events = set().union(*event_dates.values()) if event_dates else set()
    for school, year in keys:
        dates = dict(listed.get((school, year), {}))
        school_sessions = sessions.get((school, year), [])
        stated = sum(s.total or 0 for s in school_sessions)
        weekdays = sum(len(s.weekdays()) for s in school_sessions)
        listed_days = sum(dates.values())
        wanted = stated or weekdays
        built = from_sessions and school_sessions and listed_days < SPARSE_SHARE * wanted
        filled: dict[dt.date, tuple[str, int | None]] = {}
        if built:
            result.assume(
                f"school {school}, school year {year}: the calendar lists {listed_days} "
                f"instructional date(s) but its sessions say {wanted}; instructional days are "
                "the sessions' weekdays (beginDate to endDate), minus dates the data marks "
                "non-instructional"
            )
            school_events = event_dates.get(school, set())
            filled = _session_weekdays(
                school, school_sessions, dates, school_events, all_events, result
            )
        for day, instructional in sorted(dates.items()):
            file, line = filled.get(day) or sources.get((school, year, day), ("", None))
            rows.append(
                {
                    "calendar_id": school,
                    "school_year": year,
                    "date": day.isoformat(),
                    "instructional": "true" if instructional else "false",
                    SOURCE_FILE: file,
                    SOURCE_LINE: line,
                }
            )
        out.instructional[(school, year)] = sorted(d for d, ok in dates.items() if ok)
    out.frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return out


def _session_weekdays(
    school: str,
    school_sessions: list[_Session],
    dates: dict[dt.date, bool],
    school_events: set[dt.date],
    all_events: set[dt.date],
    result: ImportResult,
) -> dict[dt.date, tuple[str, int | None]]:
    """Add the sessions' instructional weekdays to `dates`; where each added day came from."""
    filled: dict[dt.date, tuple[str, int | None]] = {}
    for session in school_sessions:
        chosen = _session_days(session, dates, school_events, all_events)
        dropped = session.weekdays_set() - set(chosen) - set(dates)
        if dropped:
            result.assume(
                f"school {school}, session {session.name!r}: {len(session.weekdays())} "
                f"weekdays but totalInstructionalDays {session.total}; the data does not "
                f"say which days were off, so {len(dropped)} weekdays with no attendance "
                "event there were taken as non-instructional (first those with no event "
                "anywhere, earliest first): " + ", ".join(d.isoformat() for d in sorted(dropped))
            )
        for day in chosen:
            if day not in dates:
                filled[day] = (session.file, session.line)
                dates[day] = True
    return filled


def _listed_dates(
    resources: Resources, descriptors: DescriptorMap, result: ImportResult
) -> tuple[dict, dict]:
    listed: dict[tuple[str, str], dict[dt.date, bool]] = defaultdict(dict)
    sources: dict[tuple[str, str, dt.date], tuple[str, int | None]] = {}
    used: dict[str, list] = {}
    calendars: dict[tuple[str, str], set[str]] = defaultdict(set)
    for record in resources.get("calendarDates", []):
        file, line = where(record)
        school = get(record, "calendarReference", "schoolId")
        year = record_school_year(record)
        day = _date(record.get("date"))
        if not school or not year or day is None:
            missing = "schoolId" if not school else "schoolYear" if not year else "date"
            given = text(record.get("date"))
            reason = (
                f"date {given[:40]!r} is not a YYYY-MM-DD date"
                if missing == "date" and given
                else f"calendar date without a {missing}"
            )
            result.reject("calendar", file, line, missing, reason)
            continue
        calendars[(school, year)].add(get(record, "calendarReference", "calendarCode") or "")
        events = [text(e.get("calendarEventDescriptor")) for e in items(record, "calendarEvents")]
        verdict: bool | None = None
        for event in (e for e in events if e):
            target = descriptors.lookup(CALENDAR_EVENT, event)
            entry = used.setdefault(event, [target.category if target else "", 0])
            entry[1] += 1
            if target is not None:
                verdict = bool(verdict) or target.category == "instructional"
        if verdict is None:
            verdict = False  # no event, or none mapped: not a day Homeroom may count
        listed[(school, year)][day] = listed[(school, year)].get(day, False) or verdict
        sources.setdefault((school, year, day), (file, line))
    for event, (target, count) in sorted(used.items()):
        result.mappings.append(Mapping(CALENDAR_EVENT, event, target, count))
    for (school, year), codes in sorted(calendars.items()):
        if len(codes) > 1:
            result.assume(
                f"school {school}, school year {year} has {len(codes)} calendars (tracks); "
                "Homeroom keeps one calendar per school: their dates were merged, a date "
                "instructional in any of them being instructional"
            )
    return listed, sources


@dataclass
class _Session:
    name: str
    begin: dt.date
    end: dt.date
    total: int | None
    file: str
    line: int | None

    def weekdays(self) -> list[dt.date]:
        days = (self.end - self.begin).days + 1
        every = (self.begin + dt.timedelta(days=n) for n in range(max(days, 0)))
        return [d for d in every if d.weekday() < 5]

    def weekdays_set(self) -> set[dt.date]:
        return set(self.weekdays())


def _sessions(resources: Resources) -> dict[tuple[str, str], list[_Session]]:
    out: dict[tuple[str, str], list[_Session]] = defaultdict(list)
    for record in resources.get("sessions", []):
        school = get(record, "schoolReference", "schoolId")
        year = record_school_year(record)
        begin, end = _date(record.get("beginDate")), _date(record.get("endDate"))
        if not (school and year and begin and end) or end < begin:
            continue
        total = text(record.get("totalInstructionalDays"))
        file, line = where(record)
        out[(school, year)].append(
            _Session(
                text(record.get("sessionName")) or "",
                begin,
                end,
                int(total) if total and total.isdigit() else None,
                file,
                line,
            )
        )
    return out


def _session_days(
    session: _Session, listed: dict[dt.date, bool], here: set[dt.date], anywhere: set[dt.date]
) -> list[dt.date]:
    """The session's instructional days: weekdays not marked off, trimmed to its total."""
    days = [d for d in session.weekdays() if listed.get(d, True)]
    extra = [d for d in listed if listed[d] and session.begin <= d <= session.end]
    days = sorted(set(days) | set(extra))
    if session.total is None or len(days) <= session.total:
        return days
    surplus = len(days) - session.total
    candidates = [d for d in days if d not in here and not listed.get(d)]
    candidates.sort(key=lambda d: (d in anywhere, d))
    off = set(candidates[:surplus])
    return [d for d in days if d not in off]


def _date(value: object) -> dt.date | None:
    shown = text(value)
    if not shown:
        return None
    try:
        return dt.date.fromisoformat(shown[:10])
    except ValueError:
        return None
