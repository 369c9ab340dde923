"""Ed-Fi JSON of the students, their stays and their attendance events."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction
from typing import Any

import pandas as pd

from homeroom.contract.schema import STUDENT_FLAGS
from homeroom.interop.edfi.json_calendar import session_name
from homeroom.interop.edfi.json_words import (
    ATTENDANCE,
    CHARACTERISTICS,
    ED_FI,
    GRADES,
    LANGUAGES,
    NOT_ABSENT,
    RACES,
    SEX,
    TWO_OR_MORE,
    WHOLE_DAY_IN_ED_FI,
    SchoolIds,
    column_map,
    descriptor,
    given,
)


def _latest_rows(students: pd.DataFrame) -> pd.DataFrame:
    """One row per student: with a school_year column, the latest year's values."""
    if students["school_year"].notna().any():
        students = students.sort_values("school_year", kind="stable", na_position="first")
    return students.drop_duplicates("student_id", keep="last")


def _districts_of(
    enrollments: pd.DataFrame, schools: pd.DataFrame, ids: SchoolIds
) -> dict[str, list[int]]:
    district = column_map(schools, "district_id")
    out: dict[str, set[int]] = defaultdict(set)
    for student, school in zip(enrollments["student_id"], enrollments["school_id"], strict=True):
        out[str(student)].add(ids.districts[district[str(school)]])
    return {student: sorted(found) for student, found in out.items()}


def students(
    students: pd.DataFrame, enrollments: pd.DataFrame, schools: pd.DataFrame, ids: SchoolIds
) -> tuple[list, list]:
    people, associations = [], []
    districts = _districts_of(enrollments, schools, ids)
    for row in _latest_rows(students).itertuples(index=False):
        student = str(row.student_id)
        person: dict[str, Any] = {"studentUniqueId": student}
        for name, value in (
            ("firstName", row.first_name),
            ("lastSurname", row.last_name),
            ("birthDate", row.birth_date),
        ):
            if given(value):
                person[name] = (
                    str(value) if isinstance(value, str) else pd.Timestamp(value).date().isoformat()
                )
        people.append(person)
        demographics = _demographics(row)
        if not demographics:
            # An association with nothing in it would read as "no" to every characteristic;
            # without one, a reader keeps them unknown, as the canonical row has them.
            continue
        for district in districts.get(student, []):
            associations.append(
                {
                    "educationOrganizationReference": {"educationOrganizationId": district},
                    "studentReference": {"studentUniqueId": student},
                    **demographics,
                }
            )
    return people, associations


def _demographics(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if given(row.sex) and row.sex in SEX:
        out["sexDescriptor"] = descriptor(ED_FI, "SexDescriptor", SEX[row.sex])
    race = row.race_ethnicity if given(row.race_ethnicity) else None
    if race is not None:
        out["hispanicLatinoEthnicity"] = race == "hispanic_latino"
        if race in RACES:
            out["races"] = [{"raceDescriptor": descriptor(ED_FI, "RaceDescriptor", RACES[race])}]
        elif race == "two_or_more":
            out["races"] = [{"raceDescriptor": TWO_OR_MORE}]
    if given(row.english_learner):
        out["limitedEnglishProficiencyDescriptor"] = descriptor(
            ED_FI,
            "LimitedEnglishProficiencyDescriptor",
            "Limited" if row.english_learner else "NotLimited",
        )
    characteristics = [
        {
            "studentCharacteristicDescriptor": descriptor(
                ED_FI, "StudentCharacteristicDescriptor", CHARACTERISTICS[flag]
            ),
            "periods": [],
        }
        for flag in STUDENT_FLAGS
        if flag in CHARACTERISTICS and given(getattr(row, flag)) and getattr(row, flag)
    ]
    if characteristics:
        out["studentCharacteristics"] = characteristics
    if given(row.home_language):
        code = str(row.home_language).lower()
        home = descriptor(ED_FI, "LanguageUseDescriptor", "Home language")
        out["languages"] = [
            {
                "languageDescriptor": descriptor(
                    ED_FI, "LanguageDescriptor", LANGUAGES.get(code, code)
                ),
                "uses": [{"languageUseDescriptor": home}],
            }
        ]
    return out


def special_education(
    students: pd.DataFrame, enrollments: pd.DataFrame, schools: pd.DataFrame, ids: SchoolIds
) -> tuple[list, list]:
    """Students with disabilities as served by each district's special education program."""
    district = column_map(schools, "district_id")
    first_entry: dict[tuple[str, int], dt.date] = {}
    for row in enrollments.itertuples(index=False):
        key = (str(row.student_id), ids.districts[district[str(row.school_id)]])
        entry = pd.Timestamp(row.entry_date).date()
        first_entry[key] = min(first_entry.get(key, entry), entry)
    served = {
        str(row.student_id)
        for row in _latest_rows(students).itertuples(index=False)
        if given(row.students_with_disabilities) and row.students_with_disabilities
    }
    program_type = descriptor(ED_FI, "ProgramTypeDescriptor", "Special Education")
    associations = []
    used: set[int] = set()
    for (student, lea), entry in sorted(first_entry.items()):
        if student not in served:
            continue
        used.add(lea)
        associations.append(
            {
                "beginDate": entry.isoformat(),
                "educationOrganizationReference": {"educationOrganizationId": lea},
                "programReference": {
                    "educationOrganizationId": lea,
                    "programName": "Special Education",
                    "programTypeDescriptor": program_type,
                },
                "studentReference": {"studentUniqueId": student},
            }
        )
    programs = [
        {
            "educationOrganizationReference": {"educationOrganizationId": lea},
            "programName": "Special Education",
            "programTypeDescriptor": program_type,
        }
        for lea in sorted(used)
    ]
    return programs, associations


def stays(enrollments: pd.DataFrame, schools: pd.DataFrame, ids: SchoolIds) -> list:
    calendar_of = column_map(schools, "calendar_id")
    out = []
    for row in enrollments.itertuples(index=False):
        school = ids.schools[str(row.school_id)]
        year = int(row.school_year)
        grade = descriptor(ED_FI, "GradeLevelDescriptor", GRADES[row.grade_level])
        stay: dict[str, Any] = {
            "entryDate": pd.Timestamp(row.entry_date).date().isoformat(),
            "schoolReference": {"schoolId": school},
            "studentReference": {"studentUniqueId": str(row.student_id)},
            "entryGradeLevelDescriptor": grade,
            "schoolYearTypeReference": {"schoolYear": year},
            "calendarReference": {
                "calendarCode": calendar_of[str(row.school_id)],
                "schoolId": school,
                "schoolYear": year,
            },
        }
        if given(row.last_day):
            # Ed-Fi's exitWithdrawDate is the last day enrolled, like validation's last_day.
            stay["exitWithdrawDate"] = pd.Timestamp(row.last_day).date().isoformat()
        out.append(stay)
    return out


def events(attendance: pd.DataFrame, schools: pd.DataFrame, ids: SchoolIds, units: int) -> list:
    minutes_of = {
        str(s): int(m)
        for s, m in zip(schools["school_id"], schools["day_minutes"], strict=True)
        if not pd.isna(m)
    }
    return [
        event_item(
            ids.schools[str(row.school_id)],
            int(row.school_year),
            row.category,
            row.absent_units,
            (pd.Timestamp(row.date).date().isoformat(), str(row.student_id)),
            units,
            minutes_of.get(str(row.school_id)),
        )
        for row in attendance.itertuples(index=False)
    ]


def event_item(
    school: int,
    year: int,
    category: str,
    absent_units: Any,
    date_and_student: tuple[str, str],
    units: int,
    day_minutes: int | None,
) -> dict[str, Any]:
    """One studentSchoolAttendanceEvents item (json_events fills the date and student in text)."""
    namespace, code = ATTENDANCE[category]
    date, student = date_and_student
    event: dict[str, Any] = {
        "attendanceEventCategoryDescriptor": descriptor(
            namespace, "AttendanceEventCategoryDescriptor", code
        ),
        "eventDate": date,
        "schoolReference": {"schoolId": school},
        "sessionReference": {
            "schoolId": school,
            "schoolYear": year,
            "sessionName": session_name(year),
        },
        "studentReference": {"studentUniqueId": student},
    }
    if category not in NOT_ABSENT:
        absent = int(absent_units)
        event.update(_duration(absent, units, day_minutes))
        if absent == 0 and category in WHOLE_DAY_IN_ED_FI:
            event["eventDuration"] = 0  # present after all: say so, or it reads as a day
    return event


def _duration(absent: int, units: int, day_minutes: int | None) -> dict[str, Any]:
    """The absent part of the day: eventDuration (days, two decimals in Ed-Fi) when exact, else
    schoolAttendanceDuration (whole minutes) when exact, else eventDuration rounded."""
    share = Fraction(absent, units)
    if absent == 0:
        return {}
    if (share * 100).denominator == 1:
        return {"eventDuration": _decimal(share)}
    if day_minutes and (share * day_minutes).denominator == 1:
        return {"schoolAttendanceDuration": int(share * day_minutes)}
    return {"eventDuration": round(float(share), 2)}


def _decimal(share: Fraction) -> float | int:
    value = float(share)
    return int(value) if value.is_integer() else value
