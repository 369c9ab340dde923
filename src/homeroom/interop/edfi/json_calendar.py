"""Ed-Fi JSON of the schools' day and calendars: class periods and bell schedules (the day's
length), calendars, calendar dates and one year-round session per school and year.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from homeroom.interop.edfi.json_words import DAY_START_MINUTES, ED_FI, SchoolIds, descriptor


def day_lengths(schools: pd.DataFrame, ids: SchoolIds) -> tuple[list, list]:
    periods, bells = [], []
    for row in schools.itertuples(index=False):
        if pd.isna(row.day_minutes):
            continue
        school = ids.schools[str(row.school_id)]
        minutes = int(row.day_minutes)
        end = DAY_START_MINUTES + minutes
        periods.append(
            {
                "classPeriodName": "School day",
                "schoolReference": {"schoolId": school},
                "meetingTimes": [{"startTime": _clock(DAY_START_MINUTES), "endTime": _clock(end)}],
            }
        )
        bells.append(
            {
                "bellScheduleName": "Regular day",
                "schoolReference": {"schoolId": school},
                "classPeriods": [
                    {
                        "classPeriodReference": {
                            "classPeriodName": "School day",
                            "schoolId": school,
                        }
                    }
                ],
                "startTime": _clock(DAY_START_MINUTES),
                "endTime": _clock(end),
                "totalInstructionalTime": minutes,
            }
        )
    return periods, bells


def _clock(minutes: int) -> str:
    minutes = min(minutes, 24 * 60 - 1)
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def school_calendars(
    schools: pd.DataFrame, calendar: pd.DataFrame, ids: SchoolIds
) -> tuple[list, list, list]:
    calendars, dates, sessions = [], [], []
    by_calendar = {key: frame for key, frame in calendar.groupby(["calendar_id", "school_year"])}
    for row in schools.itertuples(index=False):
        school = ids.schools[str(row.school_id)]
        for (calendar_id, year), frame in sorted(by_calendar.items()):
            if str(calendar_id) != str(row.calendar_id):
                continue
            year = int(year)
            code = str(calendar_id)
            reference = {"calendarCode": code, "schoolId": school, "schoolYear": year}
            calendars.append(
                {
                    "calendarCode": code,
                    "schoolReference": {"schoolId": school},
                    "schoolYearTypeReference": {"schoolYear": year},
                    "calendarTypeDescriptor": descriptor(ED_FI, "CalendarTypeDescriptor", "School"),
                    "gradeLevels": [],
                }
            )
            instructional = []
            for day, taught in zip(frame["date"], frame["instructional"], strict=True):
                day = pd.Timestamp(day).date()
                if taught:
                    instructional.append(day)
                    event = "Instructional day"
                elif day.weekday() >= 5:
                    continue  # weekends go unlisted, as in most Ed-Fi calendars
                else:
                    event = "Holiday" if day in _holidays(day.year) else "Non-instructional day"
                dates.append(
                    {
                        "calendarReference": reference,
                        "date": day.isoformat(),
                        "calendarEvents": [
                            {
                                "calendarEventDescriptor": descriptor(
                                    ED_FI, "CalendarEventDescriptor", event
                                )
                            }
                        ],
                    }
                )
            if instructional:
                sessions.append(
                    {
                        "sessionName": session_name(year),
                        "schoolReference": {"schoolId": school},
                        "schoolYearTypeReference": {"schoolYear": year},
                        "beginDate": min(instructional).isoformat(),
                        "endDate": max(instructional).isoformat(),
                        "termDescriptor": descriptor(ED_FI, "TermDescriptor", "Year Round"),
                        "totalInstructionalDays": len(instructional),
                    }
                )
    return calendars, dates, sessions


def session_name(year: int) -> str:
    return f"{year - 1}-{year} School Year"


def _holidays(year: int) -> set[dt.date]:
    """United States federal holidays of a calendar year (as observed on weekdays)."""

    def nth(month: int, weekday: int, n: int) -> dt.date:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))

    def last(month: int, weekday: int) -> dt.date:
        day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
        return day - dt.timedelta(days=(day.weekday() - weekday) % 7)

    def observed(day: dt.date) -> dt.date:
        return day + dt.timedelta(days={5: -1, 6: 1}.get(day.weekday(), 0))

    thanksgiving = nth(11, 3, 4)
    return {
        *(observed(dt.date(year, m, d)) for m, d in ((1, 1), (6, 19), (7, 4), (11, 11), (12, 25))),
        nth(1, 0, 3),  # Martin Luther King Jr. Day
        nth(2, 0, 3),  # Washington's Birthday
        last(5, 0),  # Memorial Day
        nth(9, 0, 1),  # Labor Day
        nth(10, 0, 2),  # Columbus Day / Indigenous Peoples' Day
        thanksgiving,
        thanksgiving + dt.timedelta(days=1),
    }


def _event(code: str) -> str:
    return descriptor(ED_FI, "CalendarEventDescriptor", code)
