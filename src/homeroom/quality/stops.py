"""Where the data stop: the latest date with attendance recorded, and schools that stop early.

The resolver takes `latest_recorded_day` as the default as-of date of every command and page.
A school whose attendance rows stop more than `STALE_SCHOOL_DAYS` school days before that date
is flagged (here as a monitor, and on pages and in reports): its missing days would otherwise be
read as days present, since a date with no attendance row is a full day present.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from homeroom.contract.fields import quote_ident
from homeroom.formats import date_text
from homeroom.quality.context import Context
from homeroom.quality.result import OK, WARNING, Monitor, MonitorResult, plural

# More school days than this between a school's last attendance row and the as-of date, and the
# school is flagged: a week of school without a single row recorded is not believable.
STALE_SCHOOL_DAYS = 5

MONITOR = Monitor(
    "attendance_stops",
    "Schools whose attendance stops early",
    "The numbers run to the latest date with attendance recorded anywhere in the data. A school "
    f"whose rows stop more than {STALE_SCHOOL_DAYS} school days before that date has probably "
    "not sent its latest attendance: until it does, its missing days count as days present and "
    "its rates look better than they are. Check that school's export.",
)


@dataclass(frozen=True)
class StaleSchool:
    """A school whose attendance stops before the as-of date."""

    school_id: str
    school_name: str
    last_recorded: dt.date | None  # None: no attendance recorded this school year
    school_days_missing: int  # instructional days after last_recorded, through the as-of date

    def as_dict(self) -> dict[str, object]:
        """As a file or the serving file keeps it (dates in ISO)."""
        return {
            "school_id": self.school_id,
            "school_name": self.school_name,
            "last_recorded": self.last_recorded.isoformat() if self.last_recorded else None,
            "school_days_missing": self.school_days_missing,
        }


def latest_recorded_day(
    con: duckdb.DuckDBPyConnection, today: dt.date | None = None, schema: str = "main"
) -> dt.date | None:
    """The latest date with attendance recorded, never after today or its year's last school day.

    Data with no attendance up to today fall back to the latest school day up to today; None
    when there is no school day up to today at all.
    """
    today = today or dt.date.today()
    attendance, calendar = _table(schema, "attendance"), _table(schema, "calendar")
    last = _day(con, f"SELECT max(date) FROM {attendance} WHERE date <= ?", today)
    if last is None:
        last = _day(
            con, f"SELECT max(date) FROM {calendar} WHERE instructional AND date <= ?", today
        )
    if last is None:
        return None
    year_end = _day(
        con,
        f"SELECT max(date) FROM {calendar} WHERE instructional AND school_year = "
        f"(SELECT max(school_year) FROM {calendar} WHERE date = ?)",
        last,
    )
    return min(last, year_end) if year_end is not None else last


def stale_schools(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    schema: str = "main",
    limit: int = STALE_SCHOOL_DAYS,
) -> list[StaleSchool]:
    """Schools with students enrolled whose last attendance row is more than `limit` school days
    before `as_of`, in the school year of `as_of` (no row at all this year counts too)."""
    calendar = _table(schema, "calendar")
    year = con.execute(f"SELECT max(school_year) FROM {calendar} WHERE date = ?", [as_of])
    year = year.fetchall()[0][0]
    if year is None:
        return []
    rows = con.execute(
        f"""
        WITH open_schools AS (
            SELECT DISTINCT school_id FROM {_table(schema, "enrollments")}
            WHERE school_year = $year
        ), recorded AS (
            SELECT school_id, max(date) AS last_recorded FROM {_table(schema, "attendance")}
            WHERE school_year = $year AND date <= $as_of GROUP BY school_id
        )
        SELECT s.school_id, any_value(s.school_name), any_value(r.last_recorded), count(*)
        FROM {_table(schema, "schools")} s
        JOIN open_schools o ON o.school_id = s.school_id
        JOIN {calendar} c ON c.calendar_id = s.calendar_id AND c.school_year = $year
            AND c.instructional AND c.date <= $as_of
        LEFT JOIN recorded r ON r.school_id = s.school_id
        WHERE r.last_recorded IS NULL OR c.date > r.last_recorded
        GROUP BY s.school_id
        HAVING count(*) > $limit
        ORDER BY count(*) DESC, s.school_id
        """,
        {"year": year, "as_of": as_of, "limit": limit},
    ).fetchall()
    return [StaleSchool(str(sid), str(name), last, int(days)) for sid, name, last, days in rows]


def attendance_stops(ctx: Context) -> MonitorResult:
    """The monitor: schools whose attendance stops before the default as-of date."""

    result = MONITOR.result
    ctx.say("looking for schools whose attendance stops early")
    as_of = latest_recorded_day(ctx.con, schema=ctx.schema)
    if as_of is None:
        return result(OK, "no school day up to today: nothing to compare")
    found = stale_schools(ctx.con, as_of, ctx.schema)
    if not found:
        return result(
            OK, f"every school recorded attendance within {STALE_SCHOOL_DAYS} school days"
        )
    rows = pd.DataFrame(
        {
            "school_id": [s.school_id for s in found],
            "last_recorded": [s.last_recorded for s in found],
            "as_of": [as_of] * len(found),
            "school_days_missing": [s.school_days_missing for s in found],
        }
    )
    return result(
        WARNING,
        f"{plural(len(found), 'school')} with no attendance recorded in the last "
        f"{STALE_SCHOOL_DAYS}+ school days before {date_text(as_of)}",
        count=len(found),
        rows=rows,
    )


def _table(schema: str, table: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(table)}"


def _day(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> dt.date | None:
    value = con.execute(sql, list(params)).fetchall()[0][0]
    if value is None:
        return None
    return value.date() if isinstance(value, dt.datetime) else dt.date.fromisoformat(str(value))
