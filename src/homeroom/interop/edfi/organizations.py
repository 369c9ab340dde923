"""schools: Ed-Fi schools, their district (local education agency) and the length of their day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pandas as pd

from homeroom.interop.edfi.descriptors import code_value
from homeroom.interop.edfi.resources import Resources, field, items, text, where
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult

NOT_GIVEN = "(not given)"


def schools_table(
    resources: Resources, result: ImportResult, referenced: set[str]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per school, and the day length (minutes) of the schools where it is known."""
    districts = {
        text(r.get("localEducationAgencyId")): text(r.get("nameOfInstitution"))
        for r in resources.get("localEducationAgencies", [])
    }
    minutes = _day_minutes(resources, result)
    rows: list[dict] = []
    seen: set[str] = set()
    for record in resources.get("schools", []):
        school = text(record.get("schoolId"))
        file, line = where(record)
        if school is None:
            result.reject("schools", file, line, "schoolId", "school record without a schoolId")
            continue
        seen.add(school)
        district = field(record, "localEducationAgencyReference", "localEducationAgencyId")
        if district is None and len(districts) == 1:
            district = next(iter(districts))
            result.assume(
                "schools with no localEducationAgencyReference belong to the one local "
                f"education agency in the data ({district})"
            )
        if district is None:
            result.assume(f"school {school} names no district: district_id {NOT_GIVEN!r}")
        name = text(record.get("nameOfInstitution"))
        if name is None:
            result.assume(f"school {school} has no nameOfInstitution: its id is its name")
        rows.append(
            {
                "school_id": school,
                "school_name": name or school,
                "district_id": district or NOT_GIVEN,
                "district_name": _district_name(district, districts, result),
                "state": _state(record),
                "day_minutes": str(minutes[school]) if school in minutes else None,
                SOURCE_FILE: file,
                SOURCE_LINE: line,
            }
        )
    rows.extend(_unlisted_schools(sorted(referenced - seen), districts, minutes, result))
    columns = [
        "school_id", "school_name", "district_id", "district_name", "state", "day_minutes",
        SOURCE_FILE, SOURCE_LINE,
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns), minutes


def _unlisted_schools(
    missing: list[str],
    districts: dict[str | None, str | None],
    minutes: dict[str, int],
    result: ImportResult,
) -> list[dict[str, Any]]:
    """Rows for the schools stays or events name that the school data does not list."""
    rows: list[dict[str, Any]] = []
    if missing:
        only = next(iter(districts)) if len(districts) == 1 else None
        result.assume(
            f"{len(missing)} school(s) used by enrollments or attendance are not in the school "
            f"data ({', '.join(missing[:5])}{'…' if len(missing) > 5 else ''}): listed with "
            f"their id as name and district {only or NOT_GIVEN!r}"
        )
        for school in missing:
            rows.append(
                {
                    "school_id": school,
                    "school_name": school,
                    "district_id": only or NOT_GIVEN,
                    "district_name": _district_name(only, districts, result),
                    "state": None,
                    "day_minutes": str(minutes[school]) if school in minutes else None,
                    SOURCE_FILE: None,
                    SOURCE_LINE: None,
                }
            )
    return rows


def _district_name(district: str | None, names: dict, result: ImportResult) -> str:
    if district is None:
        return NOT_GIVEN
    name = names.get(district)
    if name is None:
        result.assume(f"district {district} has no name in the data: its id is its name")
    return name or district


def _state(record: dict) -> str | None:
    for address in items(record, "addresses"):
        state = text(address.get("stateAbbreviationDescriptor"))
        if state:
            return code_value(state)
    return None


def _day_minutes(resources: Resources, result: ImportResult) -> dict[str, int]:
    """A school's day: its bell schedule's instructional time, else its class periods' span."""
    out: dict[str, int] = {}
    for record in resources.get("bellSchedules", []):
        school = field(record, "schoolReference", "schoolId")
        total = text(record.get("totalInstructionalTime"))
        if school and total and total.isdigit() and int(total) > 0:
            out.setdefault(school, int(total))
    spans: dict[str, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for record in resources.get("classPeriods", []):
        school = field(record, "schoolReference", "schoolId")
        for meeting in items(record, "meetingTimes"):
            start, end = _time(meeting.get("startTime")), _time(meeting.get("endTime"))
            if school and start and end and end > start:
                spans[school].append((start, end))
    for school, times in sorted(spans.items()):
        if school in out:
            continue
        first = min(s for s, _ in times)
        last = max(e for _, e in times)
        length = (last.hour * 60 + last.minute) - (first.hour * 60 + first.minute)
        out[school] = length
        result.assume(
            f"school {school}'s day is {length} minutes: from its first class period's start "
            f"({first:%H:%M}) to its last one's end ({last:%H:%M}); used to turn attendance "
            "minutes into parts of a day"
        )
    return out


def _time(value: object) -> dt.time | None:
    shown = text(value)
    if not shown:
        return None
    try:
        return dt.time.fromisoformat(shown[:8])
    except ValueError:
        return None
