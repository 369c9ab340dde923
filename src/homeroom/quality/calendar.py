"""Calendar gaps: calendars that cannot be right, and stays that fall outside their calendar.

Days enrolled are counted from the calendar, so a calendar missing a month (or listing summer
as school days) moves every rate of every school that uses it.
"""

from __future__ import annotations

import pandas as pd

from homeroom.quality.context import Context
from homeroom.quality.result import OK, WARNING, MonitorResult, plural

# Winter break is two weeks (ten weekdays), up to thirteen with the days around it; a run of
# three school weeks without an instructional day is not an ordinary break.
GAP_WEEKDAYS = 15
# A US school year has 160-185 instructional days; outside this range is a calendar to check.
FEWEST_DAYS, MOST_DAYS = 150, 200

KEY = "calendar_gaps"
TITLE = "Calendar gaps"
EXPLANATION = (
    "Calendars that look incomplete: a school with no calendar, a run of "
    f"{GAP_WEEKDAYS} or more weekdays without an instructional day inside the school year, fewer "
    f"than {FEWEST_DAYS} or more than {MOST_DAYS} instructional days, and stays that start or end "
    "outside their school's calendar. Days enrolled are counted from the calendar, so fix the "
    "calendar export before trusting these schools' rates."
)
# problem: (what is counted, what is wrong with it, counted from the `count` column)
PROBLEMS = {
    "no calendar": ("school", "with no calendar", False),
    "no instructional days": ("school-year", "with no instructional day", False),
    "few instructional days": ("school-year", f"with under {FEWEST_DAYS} school days", False),
    "many instructional days": ("school-year", f"with over {MOST_DAYS} school days", False),
    "gap": ("run", f"of {GAP_WEEKDAYS}+ weekdays without school", False),
    "stays start before the calendar": ("stay", "starting before its calendar", True),
    "stays start after the calendar": ("stay", "starting after its calendar ends", True),
    "stays end before the calendar": ("stay", "ending before its calendar starts", True),
    "stays end after the calendar": ("stay", "ending after its calendar", True),
}


def calendar_gaps(ctx: Context) -> MonitorResult:
    ctx.say("checking calendars")
    cal, schools = ctx.t("calendar"), ctx.t("schools")
    # The school years the data is about: those of the stays.
    years = f"(SELECT DISTINCT school_id, school_year FROM {ctx.t('enrollments')})"
    spans = ctx.temp(
        "calendar_spans",
        "SELECT calendar_id, school_year, count(*) FILTER (WHERE instructional) AS days, "
        "min(date) FILTER (WHERE instructional) AS first_day, "
        f"max(date) FILTER (WHERE instructional) AS last_day FROM {cal} GROUP BY ALL",
    )
    columns = "school_id, calendar_id, school_year, problem, first_date, last_date, count"
    no_calendar = (
        "SELECT s.school_id, s.calendar_id, NULL, 'no calendar', NULL, NULL, 0 "
        f"FROM {schools} s WHERE NOT EXISTS "
        f"(SELECT 1 FROM {cal} c WHERE c.calendar_id = s.calendar_id)"
    )
    no_days = (
        "SELECT y.school_id, s.calendar_id, y.school_year, 'no instructional days', NULL, NULL, 0 "
        f"FROM {years} y JOIN {schools} s USING (school_id) JOIN {spans} p "
        "ON p.calendar_id = s.calendar_id AND p.school_year = y.school_year WHERE p.days = 0"
    )
    day_counts = (
        "SELECT y.school_id, s.calendar_id, y.school_year, CASE WHEN p.days < "
        f"{FEWEST_DAYS} THEN 'few instructional days' ELSE 'many instructional days' END, "
        f"p.first_day, p.last_day, p.days FROM {years} y JOIN {schools} s USING (school_id) "
        f"JOIN {spans} p ON p.calendar_id = s.calendar_id AND p.school_year = y.school_year "
        f"WHERE p.days > 0 AND (p.days < {FEWEST_DAYS} OR p.days > {MOST_DAYS})"
    )
    gaps = _gaps(ctx, years, spans)
    # Stays against the calendar's listed dates; first_date/last_date: the extreme offending
    # dates, count: the stays.
    outside = (
        "SELECT school_id, calendar_id, school_year, problem, min(day), max(day), count(*) FROM ("
        "SELECT school_id, calendar_id, school_year, entry_date AS day, CASE "
        "WHEN entry_date < cal_first THEN 'stays start before the calendar' "
        "WHEN entry_date > cal_last THEN 'stays start after the calendar' END AS problem "
        f"FROM {ctx.stays} UNION ALL "
        "SELECT school_id, calendar_id, school_year, end_date, CASE "
        "WHEN end_date < cal_first THEN 'stays end before the calendar' "
        "WHEN end_date > cal_last THEN 'stays end after the calendar' END "
        f"FROM {ctx.stays}) WHERE problem IS NOT NULL GROUP BY ALL"
    )
    union = " UNION ALL ".join([no_calendar, no_days, day_counts, gaps, outside])
    order = ", ".join(f"'{p}'" for p in PROBLEMS)
    rows, total = ctx.frame(
        f"SELECT * FROM ({union}) AS f({columns}) "
        f"ORDER BY school_id, school_year NULLS FIRST, list_position([{order}], problem), "
        "first_date"
    )
    if not total:
        return MonitorResult(
            KEY, TITLE, EXPLANATION, OK,
            "every school has a calendar without long gaps, with "
            f"{FEWEST_DAYS}-{MOST_DAYS} instructional days, and every stay lies inside it",
        )  # fmt: skip
    return MonitorResult(KEY, TITLE, EXPLANATION, WARNING, _summary(rows), count=total, rows=rows)


def _gaps(ctx: Context, years: str, spans: str) -> str:
    """The calendar gaps of each school's years, as rows of the monitor's columns."""
    cal, schools = ctx.t("calendar"), ctx.t("schools")
    # Runs of weekdays that are not instructional, between the year's first and last school day
    # (a calendar listing the summer as non-instructional is fine). Weekday n minus the rank
    # among the off weekdays is constant along a run.
    weekdays = (
        "SELECT c.calendar_id, c.school_year, c.date, c.instructional, row_number() OVER "
        "(PARTITION BY c.calendar_id, c.school_year ORDER BY c.date) AS n "
        f"FROM {cal} c JOIN {spans} p USING (calendar_id, school_year) "
        "WHERE isodow(c.date) <= 5 AND c.date BETWEEN p.first_day AND p.last_day"
    )
    runs = ctx.temp(
        "calendar_runs",
        "SELECT calendar_id, school_year, min(date) AS first_date, max(date) AS last_date, "
        "count(*) AS weekdays FROM (SELECT *, n - row_number() OVER "
        "(PARTITION BY calendar_id, school_year ORDER BY date) AS run "
        f"FROM ({weekdays}) WHERE NOT instructional) GROUP BY calendar_id, school_year, run "
        f"HAVING count(*) >= {GAP_WEEKDAYS}",
    )
    gaps = (
        "SELECT y.school_id, s.calendar_id, y.school_year, 'gap', r.first_date, r.last_date, "
        f"r.weekdays FROM {years} y JOIN {schools} s USING (school_id) JOIN {runs} r "
        "ON r.calendar_id = s.calendar_id AND r.school_year = y.school_year"
    )
    return gaps


def _summary(rows: pd.DataFrame) -> str:
    parts = []
    for problem, (noun, what, from_count) in PROBLEMS.items():
        found = rows[rows["problem"] == problem]
        if len(found):
            parts.append(
                f"{plural(int(found['count'].sum() if from_count else len(found)), noun)} {what}"
            )
    return "; ".join(parts)
