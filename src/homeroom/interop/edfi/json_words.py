"""The words of the Ed-Fi JSON that `json_writer` writes: descriptor namespaces and code
values for the canonical values, the school and district numbers, and small shared helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from homeroom.contract.languages import languages

ED_FI = "uri://ed-fi.org"
# Descriptors the Ed-Fi defaults lack (suspensions, remote presence, two or more races) are
# written in this namespace; a district loading them into an ODS adds them there first.
LOCAL = "uri://homeroom.local"
CROSSWALK_NAME = "edfi-id-crosswalk.csv"
SCHOOLS_PER_DISTRICT = 100_000
INT32_MAX = 2**31 - 1
DAY_START_MINUTES = 8 * 60  # class periods are written from 08:00; only their length matters

GRADES = {
    "PK": "Preschool/Prekindergarten",
    "TK": "Transitional Kindergarten",
    "KG": "Kindergarten",
    **{
        f"{n:02d}": f"{word} grade"
        for n, word in enumerate(
            (
                "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth",
                "Ninth", "Tenth", "Eleventh", "Twelfth",
            ),
            start=1,
        )
    },
}  # fmt: skip
SEX = {"F": "Female", "M": "Male", "X": "Non-binary"}
RACES = {
    "american_indian_alaska_native": "American Indian - Alaska Native",
    "asian": "Asian",
    "black": "Black - African American",
    "native_hawaiian_pacific_islander": "Native Hawaiian - Pacific Islander",
    "white": "White",
}
TWO_OR_MORE = f"{LOCAL}/RaceDescriptor#Two or more races"
# Flags carried as student characteristics (code values the Ed-Fi defaults use).
CHARACTERISTICS = {
    "economically_disadvantaged": "Economic Disadvantaged",
    "homeless": "Homeless",
    "migrant": "Migratory",
    "foster_care": "Foster Care",
    "military_connected": "Parent in Military",
    "section_504": "Section 504 Handicapped",
}
# Category → (namespace, attendance event category code value).
ATTENDANCE = {
    "excused": (ED_FI, "Excused Absence"),
    "unexcused": (ED_FI, "Unexcused Absence"),
    "tardy": (ED_FI, "Tardy"),
    "early_departure": (ED_FI, "Early departure"),
    "present": (ED_FI, "In Attendance"),
    "suspension": (LOCAL, "Out-of-school suspension"),
    "in_school_suspension": (LOCAL, "In-school suspension"),
    "remote_present": (LOCAL, "Remote present"),
}
NOT_ABSENT = ("present", "remote_present")
# Categories an Ed-Fi reader takes as a whole day when the event gives no duration.
WHOLE_DAY_IN_ED_FI = ("excused", "unexcused", "suspension")
# ISO 639-1 → ISO 639-2/B, the code values of Ed-Fi's LanguageDescriptor, for every language
# of the contract's generated ISO 639 table.
LANGUAGES = {language.code: language.bibliographic for language in languages().values()}


@dataclass
class SchoolIds:
    """Canonical school and district ids → Ed-Fi integers."""

    districts: dict[str, int]
    schools: dict[str, int]
    renumbered: bool


def descriptor(namespace: str, kind: str, code: str) -> str:
    return f"{namespace}/{kind}#{code}"


def category(kind: str, code: str) -> dict[str, str]:
    return {kind[0].lower() + kind[1:]: descriptor(ED_FI, kind, code)}


def given(value: Any) -> bool:
    if value is None:
        return False
    try:
        return not pd.isna(value)
    except (TypeError, ValueError):
        return True


def column_map(schools: pd.DataFrame, column: str) -> dict[str, str]:
    return dict(zip(schools["school_id"].astype(str), schools[column].astype(str), strict=True))


def grade_order(grades: list[str]) -> list[str]:
    order = list(GRADES)
    return sorted((g for g in grades if g in GRADES), key=order.index)
