"""The schools list: each school the user may open, with its numbers as of a date.

Aggregates only (no student rows), so every role may see it; school staff see their own
schools, every other role every school.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from homeroom.definitions import Definition
from homeroom.reports import labels
from homeroom.web.data.common import definition_label, fresh, query
from homeroom.web.data.overview import SCHOOL_COLUMNS, school_table
from homeroom.web.scope import Scope
from homeroom.web.snapshot import ServingData, Snapshot


@dataclass(frozen=True)
class SchoolList:
    """`schools`: SCHOOL_COLUMNS of the schools this user may open, highest rate first; a
    school under the minimum group size has its numbers and level blanked (`suppressed`)."""

    as_of: dt.date
    school_year: int
    school_year_label: str
    data_through: dt.date
    district_name: str
    definition: Definition
    definition_label: str
    schools: pd.DataFrame


def school_list(serving: ServingData, scope: Scope, as_of: dt.date | None = None) -> SchoolList:
    snapshot = serving.resolve(as_of)
    every = fresh(
        serving.cached(("school_list", snapshot.as_of), lambda: _every(serving, snapshot))
    )
    mine = every[[scope.allows_school(s) for s in every["school_id"]]].reset_index(drop=True)
    return SchoolList(
        as_of=snapshot.as_of,
        school_year=snapshot.school_year,
        school_year_label=labels.school_year(snapshot.school_year),
        data_through=serving.latest_date,
        district_name=serving.district_name,
        definition=serving.definition,
        definition_label=definition_label(serving.definition),
        schools=mine,
    )


def _every(serving: ServingData, snapshot: Snapshot) -> pd.DataFrame:
    """Every school of the data, those without students as of the date too (with no numbers)."""
    with serving.cursor() as cur:
        rows = query(
            cur,
            "SELECT * FROM aggregates WHERE as_of = ? AND unit = 'school' AND group_column = ''",
            [snapshot.as_of],
        )
    table = school_table(serving, rows, serving.definition.minimum_group_size)
    shown = set(table["school_id"])
    records = table.to_dict("records")
    for school_id, name in serving.school_names.items():
        if school_id not in shown:
            empty = dict.fromkeys(SCHOOL_COLUMNS)
            records.append(empty | {"school_id": school_id, "school_name": name})
            records[-1].update(students_enrolled=0, suppressed=False)
    return pd.DataFrame(records, columns=list(SCHOOL_COLUMNS), dtype=object)


__all__ = ["SchoolList", "school_list"]
