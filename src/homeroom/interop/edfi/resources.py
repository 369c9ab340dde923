"""Ed-Fi resources as the ODS/API returns them, with where each record came from.

Every reader (JSON, XML interchange, ODS table rows, the live API) hands the converter the same
thing: `{resource name: [record, ...]}` where a record is a dict shaped exactly like the API's
JSON (camelCase fields, `…Reference` objects holding the key fields, descriptors as namespaced
URIs) plus two private keys, `_file` and `_line`, naming the source file and the line where the
record starts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

Record = dict[str, Any]
Resources = dict[str, list[Record]]

FILE = "_file"
LINE = "_line"

# The resources the converter reads, and the canonical table each one feeds (for the quarantine).
FEEDS: dict[str, str] = {
    "localEducationAgencies": "schools",
    "schools": "schools",
    "bellSchedules": "schools",
    "classPeriods": "schools",
    "students": "students",
    "studentEducationOrganizationAssociations": "students",
    "studentProgramAssociations": "students",
    "studentSpecialEducationProgramAssociations": "students",
    "studentSection504ProgramAssociations": "students",
    "studentHomelessProgramAssociations": "students",
    "studentMigrantEducationProgramAssociations": "students",
    "studentSchoolAssociations": "enrollments",
    "sessions": "calendar",
    "calendars": "calendar",
    "calendarDates": "calendar",
    "studentSchoolAttendanceEvents": "attendance",
    "studentSectionAttendanceEvents": "attendance",
    "studentSectionAssociations": "attendance",
    "sections": "attendance",
    "parents": "contacts",  # Data Standard 3 and 4
    "studentParentAssociations": "contacts",
    "contacts": "contacts",  # Data Standard 5
    "studentContactAssociations": "contacts",
}
_BY_LOWER = {name.lower(): name for name in FEEDS}


def resource_name(stem: str) -> str | None:
    """The API resource a file holds, from its name (`students`, `students-2`, `Students`)."""
    match = re.match(r"[A-Za-z]+", stem)
    if not match:
        return None
    word = match.group(0)
    if word.lower() in _BY_LOWER:
        return _BY_LOWER[word.lower()]
    if word.lower().endswith("descriptors"):
        return word[0].lower() + word[1:]
    return None


def plural(name: str) -> str:
    """`LocalEducationAgency` → `localEducationAgencies` (an API resource from an XML element)."""
    camel = name[0].lower() + name[1:]
    if camel.endswith("y") and not camel.endswith(("ay", "ey", "oy")):
        return camel[:-1] + "ies"
    if camel.endswith("s"):
        return camel + "es"
    return camel + "s"


def where(record: Record) -> tuple[str, int | None]:
    line = record.get(LINE)
    return str(record.get(FILE, "")), int(line) if isinstance(line, int) else None


def text(value: Any) -> str | None:
    """A JSON scalar as trimmed text (None when empty or not a scalar)."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    shown = str(value).strip()
    return shown or None


def field(record: Record, *path: str) -> str | None:
    """A nested scalar as text: field(r, "studentReference", "studentUniqueId")."""
    value: Any = record
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return text(value)


def items(record: Record, key: str) -> list[Record]:
    """A collection field as a list of dicts (a lone dict or scalar is wrapped)."""
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    return [v for v in value if isinstance(v, dict)]


def school_year(value: Any) -> str | None:
    """`2022`, `"2022"` or the XML SchoolYearType `"2021-2022"` → `"2022"` (the ending year)."""
    shown = text(value)
    if shown is None:
        return None
    match = re.fullmatch(r"(\d{4})\s*-\s*(\d{4})", shown)
    if match:
        return match.group(2)
    return shown


def record_school_year(record: Record) -> str | None:
    """The school year a record names, wherever this resource keeps it."""
    for path in (
        ("schoolYearTypeReference", "schoolYear"),
        ("schoolYear",),
        ("sessionReference", "schoolYear"),
        ("calendarReference", "schoolYear"),
        ("sectionReference", "schoolYear"),
    ):
        year = school_year(field(record, *path))
        if year:
            return year
    return None


def columns_frame(columns: dict[str, list], names: Sequence[str]) -> pd.DataFrame:
    """Rows kept column by column (1.1 million enrollment dicts held ~380 MB beside the events:
    docs/benchmarks.md, "Imports") as the frame a list of row dicts gives: with no rows, empty
    object columns."""
    if not columns[names[0]]:
        return pd.DataFrame([], columns=list(names))
    return pd.DataFrame(columns, columns=list(names))
