"""Canonical tables → Ed-Fi ODS/API JSON resources (Data Standard 4/5 shapes).

`write_edfi_json(data_dir, out_dir)` validates a dataset folder exactly as `homeroom load` would
and writes what loads, one `<resource>.json` per API resource (a JSON array, one item per line):

- schools → localEducationAgencies, schools, and bellSchedules + classPeriods (the day's length);
- students → students; studentEducationOrganizationAssociations (sex, race and ethnicity, English
  proficiency, student characteristics, home language); studentSpecialEducationProgram-
  Associations + programs (students with disabilities);
- enrollments → studentSchoolAssociations (entry grade, exitWithdrawDate = last day enrolled,
  school year, calendar);
- calendar → calendars, calendarDates (Instructional day / Holiday / Non-instructional day),
  sessions (one year-round session per school and year);
- attendance → studentSchoolAttendanceEvents (category descriptor; the absent part of the day as
  eventDuration in days, or as schoolAttendanceDuration in minutes where two decimals of a day
  would not be exact).

Ed-Fi identifies schools and districts by integers. When every canonical id of a kind is already
a plain integer it is kept; otherwise that kind is numbered (districts 1, 2, …; a district's
schools n·100000 + 1, + 2, … in id order) and `edfi-id-crosswalk.csv` lists the pairs.
Ed-Fi has one calendar per school, so a calendar shared by several schools is written once per
school (calendarCode = the canonical calendar_id).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from homeroom.contract import validate_dataset
from homeroom.contract.schema import STUDENT_FLAGS
from homeroom.definitions import Definition, load_definition
from homeroom.interop.edfi.pull import _items_text, _write_atomic

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
# ISO 639-1 → ISO 639-2/B, the code values of Ed-Fi's LanguageDescriptor.
LANGUAGES = {
    "en": "eng", "es": "spa", "zh": "chi", "vi": "vie", "ko": "kor", "tl": "tgl", "hi": "hin",
    "pa": "pan", "ur": "urd", "ja": "jpn", "ar": "ara", "ru": "rus", "uk": "ukr", "pl": "pol",
    "fr": "fre", "pt": "por", "so": "som", "ht": "hat", "am": "amh", "nv": "nav", "sm": "smo",
    "to": "ton", "ch": "cha", "mh": "mah", "de": "ger", "it": "ita", "fa": "per", "ne": "nep",
    "my": "bur", "km": "khm", "lo": "lao", "th": "tha", "bn": "ben", "gu": "guj", "te": "tel",
    "ta": "tam", "mr": "mar", "tr": "tur", "he": "heb", "el": "gre", "sw": "swa", "ps": "pus",
}  # fmt: skip


@dataclass
class _Ids:
    """Canonical school and district ids → Ed-Fi integers."""

    districts: dict[str, int]
    schools: dict[str, int]
    renumbered: bool


def write_edfi_json(
    data_dir: Path,
    out_dir: Path,
    *,
    definition: Definition | None = None,
) -> list[Path]:
    """Write the dataset in `data_dir` (what validates under `definition`) as Ed-Fi JSON files.

    The exit dates written are the last day enrolled (Ed-Fi's exitWithdrawDate), whatever the
    definition's exit_date rule; quarantined rows are not written. Returns the files written.
    """
    definition = definition or load_definition(None)
    con = duckdb.connect()
    try:
        report = validate_dataset(Path(data_dir), con, definition=definition)
        tables = {
            name: con.execute(f"SELECT * FROM main.{name}").df()
            for name in ("schools", "students", "enrollments", "calendar", "attendance")
        }
    finally:
        con.close()
    resources = edfi_resources(tables, report.units_per_day)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, items in resources.items():
        if name.startswith("_"):
            continue
        path = out_dir / f"{name}.json"
        _write_atomic(path, _items_text(items))
        written.append(path)
    crosswalk = out_dir / CROSSWALK_NAME
    if resources["_ids"]:
        with crosswalk.open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(["kind", "canonical_id", "edfi_id"])
            writer.writerows(resources["_ids"])
        written.append(crosswalk)
    else:
        crosswalk.unlink(missing_ok=True)
    return written


def edfi_resources(tables: dict[str, pd.DataFrame], units_per_day: int) -> dict[str, list]:
    """The Ed-Fi resources of validated tables (schema.VALIDATED); `_ids` holds the crosswalk."""
    schools = tables["schools"].sort_values("school_id", kind="stable")
    ids = _number(schools)
    enrollments = tables["enrollments"]
    calendar = tables["calendar"]
    out: dict[str, list] = {}
    out["localEducationAgencies"] = [
        {
            "localEducationAgencyId": ids.districts[str(d)],
            "nameOfInstitution": str(name),
            "categories": [
                _cat("EducationOrganizationCategoryDescriptor", "Local Education Agency")
            ],
            "localEducationAgencyCategoryDescriptor": _d(
                ED_FI, "LocalEducationAgencyCategoryDescriptor", "Independent"
            ),
        }
        for d, name in schools.groupby("district_id", sort=True)["district_name"].first().items()
    ]
    grades_at = enrollments.groupby("school_id")["grade_level"].agg(lambda g: sorted(set(g)))
    out["schools"] = [
        {
            "schoolId": ids.schools[str(row.school_id)],
            "nameOfInstitution": str(row.school_name),
            "localEducationAgencyReference": {
                "localEducationAgencyId": ids.districts[str(row.district_id)]
            },
            "educationOrganizationCategories": [
                _cat("EducationOrganizationCategoryDescriptor", "School")
            ],
            "gradeLevels": [
                {"gradeLevelDescriptor": _d(ED_FI, "GradeLevelDescriptor", GRADES[g])}
                for g in _grade_order(grades_at.get(row.school_id, []))
            ],
        }
        for row in schools.itertuples(index=False)
    ]
    out["classPeriods"], out["bellSchedules"] = _day_lengths(schools, ids)
    school_calendar = _school_calendars(schools, calendar, ids)
    out["calendars"], out["calendarDates"], out["sessions"] = school_calendar
    out["students"], out["studentEducationOrganizationAssociations"] = _students(
        tables["students"], enrollments, schools, ids
    )
    out["programs"], out["studentSpecialEducationProgramAssociations"] = _special_education(
        tables["students"], enrollments, schools, ids
    )
    out["studentSchoolAssociations"] = _stays(enrollments, schools, ids)
    out["studentSchoolAttendanceEvents"] = _events(
        tables["attendance"], schools, ids, units_per_day
    )
    out["_ids"] = (
        [["district", d, n] for d, n in ids.districts.items()]
        + [["school", s, n] for s, n in ids.schools.items()]
        if ids.renumbered
        else []
    )
    return out


# -- identifiers --------------------------------------------------------------------------------
def _plain_int(value: str) -> bool:
    return value.isascii() and value.isdigit() and value == str(int(value)) and int(value) > 0


def _number(schools: pd.DataFrame) -> _Ids:
    district_ids = sorted({str(d) for d in schools["district_id"]})
    school_ids = [str(s) for s in schools["school_id"]]
    keep_districts = all(_plain_int(d) and int(d) <= INT32_MAX for d in district_ids)
    keep_schools = all(_plain_int(s) and int(s) <= INT32_MAX for s in school_ids)
    districts = {d: int(d) if keep_districts else n for n, d in enumerate(district_ids, start=1)}
    schools_out: dict[str, int] = {}
    if keep_schools:
        schools_out = {s: int(s) for s in school_ids}
    else:
        counters: dict[str, int] = defaultdict(int)
        for row in schools.itertuples(index=False):
            district = str(row.district_id)
            counters[district] += 1
            base = district_ids.index(district) + 1 if not keep_districts else districts[district]
            number = base * SCHOOLS_PER_DISTRICT + counters[district]
            if number > INT32_MAX:  # very large district numbers: fall back to a plain count
                number = len(schools_out) + 1
            schools_out[str(row.school_id)] = number
    return _Ids(districts, schools_out, not (keep_districts and keep_schools))


# -- schools' day -------------------------------------------------------------------------------
def _day_lengths(schools: pd.DataFrame, ids: _Ids) -> tuple[list, list]:
    periods, bells = [], []
    for row in schools.itertuples(index=False):
        if pd.isna(row.day_minutes):
            continue
        school = ids.schools[str(row.school_id)]
        minutes = int(row.day_minutes)
        end = DAY_START_MINUTES + minutes
        periods.append(
            {
                "classPeriodName": "School day",
                "schoolReference": {"schoolId": school},
                "meetingTimes": [{"startTime": _clock(DAY_START_MINUTES), "endTime": _clock(end)}],
            }
        )
        bells.append(
            {
                "bellScheduleName": "Regular day",
                "schoolReference": {"schoolId": school},
                "classPeriods": [
                    {
                        "classPeriodReference": {
                            "classPeriodName": "School day",
                            "schoolId": school,
                        }
                    }
                ],
                "startTime": _clock(DAY_START_MINUTES),
                "endTime": _clock(end),
                "totalInstructionalTime": minutes,
            }
        )
    return periods, bells


def _clock(minutes: int) -> str:
    minutes = min(minutes, 24 * 60 - 1)
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


# -- calendars ----------------------------------------------------------------------------------
def _school_calendars(
    schools: pd.DataFrame, calendar: pd.DataFrame, ids: _Ids
) -> tuple[list, list, list]:
    calendars, dates, sessions = [], [], []
    by_calendar = {key: frame for key, frame in calendar.groupby(["calendar_id", "school_year"])}
    for row in schools.itertuples(index=False):
        school = ids.schools[str(row.school_id)]
        for (calendar_id, year), frame in sorted(by_calendar.items()):
            if str(calendar_id) != str(row.calendar_id):
                continue
            year = int(year)
            code = str(calendar_id)
            reference = {"calendarCode": code, "schoolId": school, "schoolYear": year}
            calendars.append(
                {
                    "calendarCode": code,
                    "schoolReference": {"schoolId": school},
                    "schoolYearTypeReference": {"schoolYear": year},
                    "calendarTypeDescriptor": _d(ED_FI, "CalendarTypeDescriptor", "School"),
                    "gradeLevels": [],
                }
            )
            instructional = []
            for day, taught in zip(frame["date"], frame["instructional"], strict=True):
                day = pd.Timestamp(day).date()
                if taught:
                    instructional.append(day)
                    event = "Instructional day"
                elif day.weekday() >= 5:
                    continue  # weekends go unlisted, as in most Ed-Fi calendars
                else:
                    event = "Holiday" if day in _holidays(day.year) else "Non-instructional day"
                dates.append(
                    {
                        "calendarReference": reference,
                        "date": day.isoformat(),
                        "calendarEvents": [
                            {"calendarEventDescriptor": _d(ED_FI, "CalendarEventDescriptor", event)}
                        ],
                    }
                )
            if instructional:
                sessions.append(
                    {
                        "sessionName": _session_name(year),
                        "schoolReference": {"schoolId": school},
                        "schoolYearTypeReference": {"schoolYear": year},
                        "beginDate": min(instructional).isoformat(),
                        "endDate": max(instructional).isoformat(),
                        "termDescriptor": _d(ED_FI, "TermDescriptor", "Year Round"),
                        "totalInstructionalDays": len(instructional),
                    }
                )
    return calendars, dates, sessions


def _session_name(year: int) -> str:
    return f"{year - 1}-{year} School Year"


def _holidays(year: int) -> set[dt.date]:
    """United States federal holidays of a calendar year (as observed on weekdays)."""

    def nth(month: int, weekday: int, n: int) -> dt.date:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))

    def last(month: int, weekday: int) -> dt.date:
        day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
        return day - dt.timedelta(days=(day.weekday() - weekday) % 7)

    def observed(day: dt.date) -> dt.date:
        return day + dt.timedelta(days={5: -1, 6: 1}.get(day.weekday(), 0))

    thanksgiving = nth(11, 3, 4)
    return {
        *(observed(dt.date(year, m, d)) for m, d in ((1, 1), (6, 19), (7, 4), (11, 11), (12, 25))),
        nth(1, 0, 3),  # Martin Luther King Jr. Day
        nth(2, 0, 3),  # Washington's Birthday
        last(5, 0),  # Memorial Day
        nth(9, 0, 1),  # Labor Day
        nth(10, 0, 2),  # Columbus Day / Indigenous Peoples' Day
        thanksgiving,
        thanksgiving + dt.timedelta(days=1),
    }


# -- students -----------------------------------------------------------------------------------
def _latest_rows(students: pd.DataFrame) -> pd.DataFrame:
    """One row per student: with a school_year column, the latest year's values."""
    if students["school_year"].notna().any():
        students = students.sort_values("school_year", kind="stable", na_position="first")
    return students.drop_duplicates("student_id", keep="last")


def _districts_of(
    enrollments: pd.DataFrame, schools: pd.DataFrame, ids: _Ids
) -> dict[str, list[int]]:
    district = _column_map(schools, "district_id")
    out: dict[str, set[int]] = defaultdict(set)
    for student, school in zip(enrollments["student_id"], enrollments["school_id"], strict=True):
        out[str(student)].add(ids.districts[district[str(school)]])
    return {student: sorted(found) for student, found in out.items()}


def _students(
    students: pd.DataFrame, enrollments: pd.DataFrame, schools: pd.DataFrame, ids: _Ids
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
            if _given(value):
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
    if _given(row.sex) and row.sex in SEX:
        out["sexDescriptor"] = _d(ED_FI, "SexDescriptor", SEX[row.sex])
    race = row.race_ethnicity if _given(row.race_ethnicity) else None
    if race is not None:
        out["hispanicLatinoEthnicity"] = race == "hispanic_latino"
        if race in RACES:
            out["races"] = [{"raceDescriptor": _d(ED_FI, "RaceDescriptor", RACES[race])}]
        elif race == "two_or_more":
            out["races"] = [{"raceDescriptor": TWO_OR_MORE}]
    if _given(row.english_learner):
        out["limitedEnglishProficiencyDescriptor"] = _d(
            ED_FI,
            "LimitedEnglishProficiencyDescriptor",
            "Limited" if row.english_learner else "NotLimited",
        )
    characteristics = [
        {
            "studentCharacteristicDescriptor": _d(
                ED_FI, "StudentCharacteristicDescriptor", CHARACTERISTICS[flag]
            ),
            "periods": [],
        }
        for flag in STUDENT_FLAGS
        if flag in CHARACTERISTICS and _given(getattr(row, flag)) and getattr(row, flag)
    ]
    if characteristics:
        out["studentCharacteristics"] = characteristics
    if _given(row.home_language):
        code = str(row.home_language).lower()
        out["languages"] = [
            {
                "languageDescriptor": _d(ED_FI, "LanguageDescriptor", LANGUAGES.get(code, code)),
                "uses": [
                    {"languageUseDescriptor": _d(ED_FI, "LanguageUseDescriptor", "Home language")}
                ],
            }
        ]
    return out


def _special_education(
    students: pd.DataFrame, enrollments: pd.DataFrame, schools: pd.DataFrame, ids: _Ids
) -> tuple[list, list]:
    """Students with disabilities as served by each district's special education program."""
    district = _column_map(schools, "district_id")
    first_entry: dict[tuple[str, int], dt.date] = {}
    for row in enrollments.itertuples(index=False):
        key = (str(row.student_id), ids.districts[district[str(row.school_id)]])
        entry = pd.Timestamp(row.entry_date).date()
        first_entry[key] = min(first_entry.get(key, entry), entry)
    served = {
        str(row.student_id)
        for row in _latest_rows(students).itertuples(index=False)
        if _given(row.students_with_disabilities) and row.students_with_disabilities
    }
    program_type = _d(ED_FI, "ProgramTypeDescriptor", "Special Education")
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


# -- enrollments and attendance -----------------------------------------------------------------
def _stays(enrollments: pd.DataFrame, schools: pd.DataFrame, ids: _Ids) -> list:
    calendar_of = _column_map(schools, "calendar_id")
    out = []
    for row in enrollments.itertuples(index=False):
        school = ids.schools[str(row.school_id)]
        year = int(row.school_year)
        stay: dict[str, Any] = {
            "entryDate": pd.Timestamp(row.entry_date).date().isoformat(),
            "schoolReference": {"schoolId": school},
            "studentReference": {"studentUniqueId": str(row.student_id)},
            "entryGradeLevelDescriptor": _d(ED_FI, "GradeLevelDescriptor", GRADES[row.grade_level]),
            "schoolYearTypeReference": {"schoolYear": year},
            "calendarReference": {
                "calendarCode": calendar_of[str(row.school_id)],
                "schoolId": school,
                "schoolYear": year,
            },
        }
        if _given(row.last_day):
            # Ed-Fi's exitWithdrawDate is the last day enrolled, like validation's last_day.
            stay["exitWithdrawDate"] = pd.Timestamp(row.last_day).date().isoformat()
        out.append(stay)
    return out


def _events(attendance: pd.DataFrame, schools: pd.DataFrame, ids: _Ids, units: int) -> list:
    minutes_of = {
        str(s): int(m)
        for s, m in zip(schools["school_id"], schools["day_minutes"], strict=True)
        if not pd.isna(m)
    }
    out = []
    for row in attendance.itertuples(index=False):
        school = ids.schools[str(row.school_id)]
        year = int(row.school_year)
        namespace, code = ATTENDANCE[row.category]
        event: dict[str, Any] = {
            "attendanceEventCategoryDescriptor": _d(
                namespace, "AttendanceEventCategoryDescriptor", code
            ),
            "eventDate": pd.Timestamp(row.date).date().isoformat(),
            "schoolReference": {"schoolId": school},
            "sessionReference": {
                "schoolId": school,
                "schoolYear": year,
                "sessionName": _session_name(year),
            },
            "studentReference": {"studentUniqueId": str(row.student_id)},
        }
        if row.category not in NOT_ABSENT:
            absent = int(row.absent_units)
            event.update(_duration(absent, units, minutes_of.get(str(row.school_id))))
            if absent == 0 and row.category in WHOLE_DAY_IN_ED_FI:
                event["eventDuration"] = 0  # present after all: say so, or it reads as a day
        out.append(event)
    return out


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


# -- small helpers ------------------------------------------------------------------------------
def _d(namespace: str, kind: str, code: str) -> str:
    return f"{namespace}/{kind}#{code}"


def _cat(kind: str, code: str) -> dict[str, str]:
    return {kind[0].lower() + kind[1:]: _d(ED_FI, kind, code)}


def _given(value: Any) -> bool:
    if value is None:
        return False
    try:
        return not pd.isna(value)
    except (TypeError, ValueError):
        return True


def _column_map(schools: pd.DataFrame, column: str) -> dict[str, str]:
    return dict(zip(schools["school_id"].astype(str), schools[column].astype(str), strict=True))


def _grade_order(grades: list[str]) -> list[str]:
    order = list(GRADES)
    return sorted((g for g in grades if g in GRADES), key=order.index)
