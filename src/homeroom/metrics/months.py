"""Month ends: the dates a year-to-date trend is computed through.

One rule for the printable report's trend and the web's snapshots: each month from the school
year's first school day to its last has an end, the month's last calendar day, except the last
month, which ends on the year's last school day; nothing runs past the as-of date (a month cut by
it ends on it), since a month the data have not reached would count its days as present.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class MonthEnd:
    """A date to compute the trend at: a month's last day, or the year's (or as-of) last."""

    school_year: int
    month: int
    date: dt.date


def month_ends(
    school_days: Mapping[int, tuple[dt.date, dt.date]],
    as_of: dt.date | None = None,
    *,
    through_year: int | None = None,
) -> list[MonthEnd]:
    """The month ends of each school year, given its (first, last) school day, in date order.

    Years that start after `as_of`, and years after `through_year`, are left out.
    """
    ends = []
    for year in sorted(school_days):
        if through_year is not None and year > through_year:
            continue
        first, last = school_days[year]
        if as_of is not None:
            if as_of < first:
                continue
            last = min(last, as_of)
        month = first.replace(day=1)
        while month <= last:
            end = min(last_of_month(month), last)
            ends.append(MonthEnd(year, month.month, end))
            month = end + dt.timedelta(days=1)
    return ends


def last_of_month(day: dt.date) -> dt.date:
    """The last calendar day of `day`'s month."""
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)
