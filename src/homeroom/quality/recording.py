"""Monitors of attendance taking: school days with no rows, and weeks whose absences collapse.

Attendance files hold only the days that were not a plain full day present, so a school that
did not take (or export) attendance looks exactly like a school where everyone came. The only
evidence is a school's own rhythm: a school that usually records dozens of rows a day and
suddenly records none.
"""

from __future__ import annotations

import pandas as pd

from homeroom.quality.context import Context
from homeroom.quality.result import INFO, OK, WARNING, Monitor, MonitorResult, plural

# A school "usually records many rows" when its median instructional day has at least this many.
# Rows arrive roughly at random, so a school averaging 6 has an empty day by chance about once a
# year (e^-6); at 10 it is under once in 20,000 school days.
TYPICAL_DAILY_ROWS = 10
# A week counts for the weekly comparison when it has at least this many instructional days
# (a Thanksgiving week of two days says little).
FULL_WEEK_DAYS = 3
# A week is compared with the school's previous eligible weeks: at least MIN_PRIOR_WEEKS of
# them, at most PRIOR_WEEKS.
MIN_PRIOR_WEEKS = 4
PRIOR_WEEKS = 8
# A drop: fewer than this share of the absences the school's recent weeks would predict...
DROP_SHARE = 0.25
# ...where at least this many were expected (small schools vary too much to judge)...
MIN_EXPECTED = 10
# ...while enrollment held at this share of the recent weeks' or more.
STEADY_ENROLLMENT = 0.75
# A school "stopped" when its latest this-many full weeks recorded no absence at all.
STOPPED_WEEKS = 2
# A school with no absence all year is suspicious when this many students are enrolled.
SILENT_SCHOOL_STUDENTS = 50

NO_DAYS_KEY = "days_without_attendance"
DROPS_KEY = "absence_drops"
NO_DAYS_TITLE = "Days with no attendance taken"
DROPS_TITLE = "Sudden drops in absences recorded"
NO_DAYS_EXPLANATION = (
    "Instructional days on which a school with students enrolled recorded no attendance row at "
    f"all, although its typical day records {TYPICAL_DAILY_ROWS} or more. A missing row reads as "
    "'present', so these days most likely had attendance not taken or not exported: check them "
    "in the SIS and re-export, or the school's absence rates will be too low."
)
DROPS_EXPLANATION = (
    "Weeks in which a school recorded fewer than a quarter of the absences its own previous "
    f"{MIN_PRIOR_WEEKS}-{PRIOR_WEEKS} weeks predict, while enrollment held steady; and schools "
    f"whose latest {STOPPED_WEEKS} or more weeks recorded no absence at all. Usually a school "
    "stopped entering absences (a new clerk, an SIS change) rather than a week of perfect "
    "attendance: ask the school before trusting its rates."
)

NO_DAYS = Monitor(NO_DAYS_KEY, NO_DAYS_TITLE, NO_DAYS_EXPLANATION)
DROPS = Monitor(DROPS_KEY, DROPS_TITLE, DROPS_EXPLANATION)


def days_without_attendance(ctx: Context) -> MonitorResult:
    result = NO_DAYS.result

    if not ctx.attendance_rows:
        return result(INFO, "attendance is empty: there is no typical day to compare with")
    ctx.say("looking for school days with no attendance")
    days = ctx.counted_days
    sql = (
        "SELECT d.school_id, d.school_year, d.date, d.enrolled, "
        "CAST(t.typical AS DOUBLE) AS typical_daily_rows FROM "
        f"{days} d JOIN (SELECT school_id, school_year, median(att_rows) AS typical FROM {days} "
        "GROUP BY ALL) t USING (school_id, school_year) "
        f"WHERE d.att_rows = 0 AND t.typical >= {TYPICAL_DAILY_ROWS} "
        "ORDER BY d.school_id, d.date"
    )
    rows, total = ctx.frame(sql)
    if not total:
        return result(
            OK, "every school recorded attendance on each of its instructional days so far"
        )
    schools = rows["school_id"].nunique()
    return result(
        WARNING,
        f"{plural(total, 'instructional day')} at {plural(schools, 'school')} with no attendance "
        "row although the school usually records many",
        count=total,
        rows=rows,
    )


def absence_drops(ctx: Context) -> MonitorResult:
    result = DROPS.result

    if not ctx.attendance_rows:
        return result(INFO, "attendance is empty: there are no weeks to compare")
    ctx.say("comparing each school's weeks of absences")
    weeks = ctx.temp(
        "weeks",
        "SELECT school_id, school_year, CAST(date_trunc('week', date) AS DATE) AS week, "
        "count(*) AS days, sum(absences) AS absences, avg(enrolled) AS enrolled "
        f"FROM {ctx.counted_days} GROUP BY ALL HAVING count(*) >= {FULL_WEEK_DAYS}",
    )
    # Rates per instructional day, so a four-day week is not a drop; medians resist one odd week.
    judged = ctx.temp(
        "weeks_judged",
        "SELECT *, median(absences / days) OVER w AS prior_rate, count(*) OVER w AS prior_weeks, "
        "median(enrolled) OVER w AS prior_enrolled, "
        "max(week) FILTER (WHERE absences > 0) OVER (PARTITION BY school_id, school_year) "
        f"AS last_recorded FROM {weeks} WINDOW w AS (PARTITION BY school_id, school_year "
        f"ORDER BY week ROWS BETWEEN {PRIOR_WEEKS} PRECEDING AND 1 PRECEDING)",
    )
    # Trailing weeks with no absence (after the last week that had one) form one "stopped" row.
    trailing = "(last_recorded IS NULL OR week > last_recorded)"
    drops = (
        "SELECT school_id, school_year, week, 'drop' AS problem, days AS instructional_days, "
        "absences, round(prior_rate * days, 1) AS expected_absences, "
        "CAST(round(enrolled) AS BIGINT) AS enrolled, 1 AS weeks "
        f"FROM {judged} WHERE prior_weeks >= {MIN_PRIOR_WEEKS} "
        f"AND absences < {DROP_SHARE} * prior_rate * days "
        f"AND prior_rate * days >= {MIN_EXPECTED} "
        f"AND enrolled >= {STEADY_ENROLLMENT} * prior_enrolled AND NOT {trailing}"
    )
    stopped = (
        "SELECT school_id, school_year, min(week) AS week, 'no absences since' AS problem, "
        "sum(days) AS instructional_days, 0 AS absences, "
        "round(arg_min(prior_rate, week) * sum(days), 1) AS expected_absences, "
        "CAST(round(avg(enrolled)) AS BIGINT) AS enrolled, count(*) AS weeks "
        f"FROM {judged} WHERE {trailing} AND last_recorded IS NOT NULL GROUP BY ALL "
        f"HAVING count(*) >= {STOPPED_WEEKS} "
        f"AND arg_min(prior_rate, week) * 5 >= {MIN_EXPECTED}"
    )
    silent = (
        "SELECT school_id, school_year, min(week) AS week, 'no absences this year' AS problem, "
        "sum(days) AS instructional_days, 0 AS absences, NULL AS expected_absences, "
        "CAST(round(avg(enrolled)) AS BIGINT) AS enrolled, count(*) AS weeks "
        f"FROM {judged} WHERE last_recorded IS NULL GROUP BY ALL "
        f"HAVING count(*) >= {MIN_PRIOR_WEEKS} AND avg(enrolled) >= {SILENT_SCHOOL_STUDENTS}"
    )
    rows, total = ctx.frame(
        f"SELECT * FROM ({drops} UNION ALL {stopped} UNION ALL {silent}) "
        "ORDER BY school_id, school_year, week"
    )
    if not total:
        return result(OK, "no school's weekly absences fell sharply or stopped")
    return result(WARNING, _drops_summary(rows), count=total, rows=rows)


def _drops_summary(rows: pd.DataFrame) -> str:
    found = rows.groupby("problem")
    parts = []
    if "drop" in found.groups:
        weeks_found = found.get_group("drop")
        parts.append(
            f"{plural(len(weeks_found), 'week')} with a sudden drop at "
            f"{plural(weeks_found['school_id'].nunique(), 'school')}"
        )
    for problem, label in (
        ("no absences since", "with no absence in its latest weeks"),
        ("no absences this year", "with no absence recorded this year"),
    ):
        if problem in found.groups:
            parts.append(f"{plural(len(found.get_group(problem)), 'school')} {label}")
    return "; ".join(parts)
