"""Ed-Fi ODS table rows (one CSV per `edfi` table) → the API-shaped resources the converter reads.

An ODS database keys students by an internal `StudentUSI` and descriptors by a numeric
`…DescriptorId`; the API shows the student's `studentUniqueId` and the descriptor's namespace and
code value. This adapter does that translation, using `Student.csv` and `Descriptor.csv` from the
same folder, so a database extract (or the Analytics Middle Tier's test fixtures) goes through the
same converter as API JSON. Each record remembers its CSV file and line.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from homeroom.contract.errors import ContractError
from homeroom.interop.edfi.ods_contacts import people_resources
from homeroom.interop.edfi.resources import FILE, LINE, Record, Resources

Row = dict[str, str]


def read_ods_tables(folder: Path) -> Resources:
    folder = Path(folder)
    tables = {p.stem: p for p in folder.glob("*.csv")}
    rows = {name: _rows(path) for name, path in tables.items()}
    descriptors = {
        r["DescriptorId"]: f"{r['Namespace']}#{r['CodeValue']}" for r in rows.get("Descriptor", [])
    }
    students = {r["StudentUSI"]: r["StudentUniqueId"] for r in rows.get("Student", [])}

    def descriptor(value: str | None) -> str | None:
        return descriptors.get(value or "", value or None)

    def student(row: Row) -> dict:
        return {"studentUniqueId": students.get(row.get("StudentUSI", ""), row.get("StudentUSI"))}

    out: Resources = {}
    for table, build in _BUILDERS.items():
        for row in rows.get(table, []):
            record = build(row, descriptor, student)
            record[FILE], record[LINE] = row["_file"], int(row["_line"])
            out.setdefault(_RESOURCE[table], []).append(_clean(record))
    for name, records in people_resources(rows, descriptor, student).items():
        out.setdefault(name, []).extend(_clean(record) for record in records)
    return out


def _rows(path: Path) -> list[Row]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ContractError(f"{path.name}: cannot be read as UTF-8 CSV ({error})") from None
    reader = csv.DictReader(text.splitlines(keepends=True))
    out = []
    for row in reader:
        row = {k: (v or "").strip() for k, v in row.items() if k is not None}
        row["_file"], row["_line"] = path.name, str(reader.line_num)
        out.append(row)
    return out


def _clean(value):
    """Drop empty values, as the API leaves out fields that are not set."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v not in (None, "", {}, [])}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


Describe = Callable[[str | None], str | None]
Student = Callable[[Row], dict]


def _student(row: Row, d: Describe, s: Student) -> Record:
    return {
        "studentUniqueId": row.get("StudentUniqueId"),
        "firstName": row.get("FirstName"),
        "lastSurname": row.get("LastSurname"),
        "birthDate": row.get("BirthDate"),
    }


def _school(row: Row, d: Describe, s: Student) -> Record:
    return {
        "schoolId": row.get("SchoolId"),
        "nameOfInstitution": row.get("NameOfInstitution"),
        "localEducationAgencyReference": {
            "localEducationAgencyId": row.get("LocalEducationAgencyId")
        },
    }


def _calendar(row: Row, d: Describe, s: Student) -> Record:
    return {
        "calendarCode": row.get("CalendarCode"),
        "schoolReference": {"schoolId": row.get("SchoolId")},
        "schoolYearTypeReference": {"schoolYear": row.get("SchoolYear")},
        "calendarTypeDescriptor": d(row.get("CalendarTypeDescriptorId")),
    }


def _calendar_date(row: Row, d: Describe, s: Student) -> Record:
    return {
        "calendarReference": {
            "calendarCode": row.get("CalendarCode"),
            "schoolId": row.get("SchoolId"),
            "schoolYear": row.get("SchoolYear"),
        },
        "date": row.get("Date"),
        "calendarEvents": [{"calendarEventDescriptor": d(row.get("CalendarEventDescriptorId"))}],
    }


def _session(row: Row, d: Describe, s: Student) -> Record:
    return {
        "sessionName": row.get("SessionName"),
        "schoolReference": {"schoolId": row.get("SchoolId")},
        "schoolYearTypeReference": {"schoolYear": row.get("SchoolYear")},
        "beginDate": row.get("BeginDate"),
        "endDate": row.get("EndDate"),
        "termDescriptor": d(row.get("TermDescriptorId")),
        "totalInstructionalDays": row.get("TotalInstructionalDays"),
    }


def _enrollment(row: Row, d: Describe, s: Student) -> Record:
    return {
        "studentReference": s(row),
        "schoolReference": {"schoolId": row.get("SchoolId")},
        "schoolYearTypeReference": {"schoolYear": row.get("SchoolYear")},
        "entryDate": row.get("EntryDate"),
        "entryGradeLevelDescriptor": d(row.get("EntryGradeLevelDescriptorId")),
        "exitWithdrawDate": row.get("ExitWithdrawDate"),
        "exitWithdrawTypeDescriptor": d(row.get("ExitWithdrawTypeDescriptorId")),
    }


def _school_event(row: Row, d: Describe, s: Student) -> Record:
    return {
        "studentReference": s(row),
        "schoolReference": {"schoolId": row.get("SchoolId")},
        "sessionReference": {
            "schoolId": row.get("SchoolId"),
            "schoolYear": row.get("SchoolYear"),
            "sessionName": row.get("SessionName"),
        },
        "eventDate": row.get("EventDate"),
        "attendanceEventCategoryDescriptor": d(row.get("AttendanceEventCategoryDescriptorId")),
        "attendanceEventReason": row.get("AttendanceEventReason"),
        "eventDuration": row.get("EventDuration"),
    }


def _section_reference(row: Row) -> dict:
    return {
        "localCourseCode": row.get("LocalCourseCode"),
        "schoolId": row.get("SchoolId"),
        "schoolYear": row.get("SchoolYear"),
        "sectionIdentifier": row.get("SectionIdentifier"),
        "sessionName": row.get("SessionName"),
    }


def _section_event(row: Row, d: Describe, s: Student) -> Record:
    return {
        "studentReference": s(row),
        "sectionReference": _section_reference(row),
        "eventDate": row.get("EventDate"),
        "attendanceEventCategoryDescriptor": d(row.get("AttendanceEventCategoryDescriptorId")),
        "attendanceEventReason": row.get("AttendanceEventReason"),
        "eventDuration": row.get("EventDuration"),
    }


def _section_association(row: Row, d: Describe, s: Student) -> Record:
    return {
        "studentReference": s(row),
        "sectionReference": _section_reference(row),
        "beginDate": row.get("BeginDate"),
        "endDate": row.get("EndDate"),
        "homeroomIndicator": row.get("HomeroomIndicator") in ("1", "true", "True"),
    }


_BUILDERS = {
    "Student": _student,
    "School": _school,
    "Calendar": _calendar,
    "CalendarDateCalendarEvent": _calendar_date,
    "Session": _session,
    "StudentSchoolAssociation": _enrollment,
    "StudentSchoolAttendanceEvent": _school_event,
    "StudentSectionAttendanceEvent": _section_event,
    "StudentSectionAssociation": _section_association,
}
_RESOURCE = {
    "Student": "students",
    "School": "schools",
    "Calendar": "calendars",
    "CalendarDateCalendarEvent": "calendarDates",
    "Session": "sessions",
    "StudentSchoolAssociation": "studentSchoolAssociations",
    "StudentSchoolAttendanceEvent": "studentSchoolAttendanceEvents",
    "StudentSectionAttendanceEvent": "studentSectionAttendanceEvents",
    "StudentSectionAssociation": "studentSectionAssociations",
}
