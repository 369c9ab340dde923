"""The student page's day tables: every date of the year's calendars with the student's
attendance that day, and the absences by attendance category, from the student's membership
days (homeroom.metrics.membership_days) in exact units."""

from __future__ import annotations

from typing import Any

import pandas as pd

from homeroom.contract.schema import CATEGORIES
from homeroom.web.data.common import category_label
from homeroom.web.snapshot import ServingData

CALENDAR_COLUMNS = (
    "date",
    "membership",
    "instructional",
    "after_data",
    "school_id",
    "school_name",
    "category",
    "recorded_units",
    "counted_units",
    "recorded_days",
    "counted_days",
)


def calendar_table(
    serving: ServingData, dates: pd.DataFrame, days: pd.DataFrame, units: int
) -> pd.DataFrame:
    # Plain Python: a year is a few hundred dates, where pandas' merges cost more than the rows.
    by_date = {
        r["date"]: r
        for r in days.loc[
            :, ["date", "school_id", "category", "recorded_units", "counted_units"]
        ].to_dict("records")
    }
    latest = serving.latest_date
    columns: dict[str, list[Any]] = {c: [] for c in CALENDAR_COLUMNS}
    for day, instructional in zip(dates["date"], dates["instructional"], strict=True):
        found = by_date.get(day)
        school = found["school_id"] if found else None
        recorded = int(found["recorded_units"]) if found else 0
        counted = int(found["counted_units"]) if found else 0
        values = (
            day,
            found is not None,
            bool(instructional),
            day > latest,
            school,
            serving.school_names.get(school, school) if school else None,
            found["category"] if found else None,
            recorded,
            counted,
            recorded / units,
            counted / units,
        )
        for column, value in zip(CALENDAR_COLUMNS, values, strict=True):
            columns[column].append(value)
    types: dict[str, Any] = {"membership": bool, "instructional": bool, "after_data": bool}
    types |= {"recorded_units": "int64", "counted_units": "int64"}
    types |= {"recorded_days": "float64", "counted_days": "float64"}
    return pd.DataFrame(
        {c: pd.Series(v, dtype=types.get(c, object)) for c, v in columns.items()},
        columns=list(CALENDAR_COLUMNS),
    )


def category_table(days: pd.DataFrame, units: int) -> pd.DataFrame:
    totals: dict[str, list[int]] = {}
    for category, recorded, counted in zip(
        days["category"], days["recorded_units"], days["counted_units"], strict=True
    ):
        if category is None:
            continue
        held = totals.setdefault(category, [0, 0, 0])
        held[0] += 1
        held[1] += int(recorded)
        held[2] += int(counted)
    rows = [
        {
            "category": category,
            "category_label": category_label(category),
            "days": totals[category][0],
            "recorded_days": totals[category][1] / units,
            "counted_days": totals[category][2] / units,
        }
        for category in CATEGORIES
        if category in totals
    ]
    columns = ["category", "category_label", "days", "recorded_days", "counted_days"]
    return pd.DataFrame(rows, columns=columns)
