"""Ed-Fi JSON attendance events written in batches: the events of a million students (~20 M)
never held at once, and each line made from a template per distinct (school, year, category,
absent part) with only the date and student put in per event — the same bytes as `events`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa

from homeroom.interop.edfi.json_students import event_item
from homeroom.interop.edfi.json_words import NOT_ABSENT, SchoolIds

# Placeholders no canonical date or id holds (validation refuses control characters in ids).
_DATE, _STUDENT = "\x00D", "\x00S"
_DATE_TEXT, _STUDENT_TEXT = json.dumps(_DATE), json.dumps(_STUDENT)

Template = tuple[str, str, str]


def day_minutes(schools: pd.DataFrame) -> dict[str, int]:
    return {
        str(s): int(m)
        for s, m in zip(schools["school_id"], schools["day_minutes"], strict=True)
        if not pd.isna(m)
    }


class EventLines:
    """JSON lines of attendance rows (schema.VALIDATED attendance) a batch at a time."""

    def __init__(self, schools: pd.DataFrame, ids: SchoolIds, units: int) -> None:
        self._ids = ids
        self._units = units
        self._minutes = day_minutes(schools)
        self._templates: dict[tuple[Any, ...], Template] = {}

    def _template(self, key: tuple[Any, ...]) -> Template:
        school, year, category, absent = key
        item = event_item(
            self._ids.schools[school],
            year,
            category,
            absent,
            (_DATE, _STUDENT),
            self._units,
            self._minutes.get(school),
        )
        text = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        head, rest = text.split(_DATE_TEXT)
        middle, tail = rest.split(_STUDENT_TEXT)
        return head + '"', '"' + middle, tail

    def lines(self, batch: pa.RecordBatch) -> Iterator[str]:
        columns = [
            batch.column(name).to_pylist()
            for name in ("school_id", "school_year", "category", "absent_units", "student_id")
        ]
        dates = batch.column("date").cast(pa.string()).to_pylist()
        templates = self._templates
        dumps = json.dumps
        for school, year, category, absent, student, date in zip(*columns, dates, strict=True):
            key = (str(school), int(year), category, None if category in NOT_ABSENT else absent)
            parts = templates.get(key)
            if parts is None:
                parts = templates[key] = self._template(key)
            yield parts[0] + date + parts[1] + dumps(str(student), ensure_ascii=False) + parts[2]
