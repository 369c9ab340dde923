"""enrollments: Ed-Fi StudentSchoolAssociations, or assumed full-year stays where there are none.

Ed-Fi's exitWithdrawDate is the last day the student was enrolled (the Analytics Middle Tier
counts a date as membership while `date <= ExitWithdrawDate`), which is Homeroom's default
(`exit_date = "inclusive"`). The grade is the entry grade level descriptor.

When the data holds no StudentSchoolAssociations at all (an export without its enrollment file),
a student with attendance events at a school is given a stay there for the whole school year
(from the school's first instructional day, no exit), and a grade estimated from the birth date
(age on 1 September: 5 is KG, 6 is 01, …) kept inside the grades the school offers. Both are
assumptions and are written to the import's account. When the data has enrollments, a student
without one is not given any: that is the data's error, and validation names it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pandas as pd

from homeroom.interop.edfi import vocab
from homeroom.interop.edfi.calendar import Calendars
from homeroom.interop.edfi.resources import (
    Resources,
    field,
    items,
    record_school_year,
    text,
    where,
)
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult, Mapping

COLUMNS = (
    "student_id", "school_id", "school_year", "grade_level", "entry_date", "exit_date",
    SOURCE_FILE, SOURCE_LINE,
)  # fmt: skip
GRADE = "grade level descriptor"


def enrollments_table(
    resources: Resources,
    result: ImportResult,
    calendars: Calendars,
    attended: dict[tuple[str, str], tuple[str, int | None]],
) -> pd.DataFrame:
    """`attended`: (student, school) → where the first attendance event of that pair was read."""
    rows: list[dict] = []
    grades: dict[str, list] = {}
    enrolled: set[str] = set()
    for record in resources.get("studentSchoolAssociations", []):
        file, line = where(record)
        student = field(record, "studentReference", "studentUniqueId")
        school = field(record, "schoolReference", "schoolId")
        entry = text(record.get("entryDate"))
        descriptor = text(record.get("entryGradeLevelDescriptor"))
        grade = vocab.grade(descriptor)
        if descriptor:
            entry_count = grades.setdefault(descriptor, [grade or "", 0])
            entry_count[1] += 1
        year = record_school_year(record) or _year_from(calendars, school, entry)
        if student:
            enrolled.add(student)
        rows.append(
            {
                "student_id": student,
                "school_id": school,
                "school_year": year,
                # An unknown grade is passed on as written, so validation names it.
                "grade_level": grade or (descriptor and descriptor.rsplit("#", 1)[-1]),
                "entry_date": entry,
                "exit_date": text(record.get("exitWithdrawDate")),
                SOURCE_FILE: file,
                SOURCE_LINE: line,
            }
        )
    for descriptor, (target, count) in sorted(grades.items()):
        result.mappings.append(Mapping(GRADE, descriptor, target, count))
    if resources.get("studentSchoolAssociations"):
        # Enrollments are in the data: a student without one is the data's error, not a gap
        # to fill; validation names their attendance as "not enrolled".
        _say_unenrolled(resources, result, attended, enrolled)
    else:
        rows += _assumed_stays(resources, result, calendars, attended, enrolled)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _assumed_stays(
    resources: Resources,
    result: ImportResult,
    calendars: Calendars,
    attended: dict[tuple[str, str], tuple[str, int | None]],
    enrolled: set[str],
) -> list[dict]:
    births = {
        text(r.get("studentUniqueId")): text(r.get("birthDate"))
        for r in resources.get("students", [])
    }
    offered = _grades_offered(resources)
    rows: list[dict] = []
    clamped = unknown = 0
    for (student, school), (file, line) in sorted(attended.items()):
        if student in enrolled:
            continue
        years = sorted(y for (s, y) in calendars.instructional if s == school)
        if not years:
            continue  # no calendar: validation names the school's missing calendar
        year = years[-1]
        dates = calendars.instructional[(school, year)]
        grade, was_clamped = _grade_from_birth(births.get(student), year, offered.get(school))
        clamped += was_clamped
        unknown += grade is None
        rows.append(
            {
                "student_id": student,
                "school_id": school,
                "school_year": year,
                "grade_level": grade,
                "entry_date": dates[0].isoformat() if dates else None,
                "exit_date": None,
                SOURCE_FILE: file,
                SOURCE_LINE: line,
            }
        )
    if rows:
        result.assume(
            f"no StudentSchoolAssociation (enrollment) for {len(rows)} student(s) who have "
            "attendance events: each was taken as enrolled for the whole school year at the "
            "school of their events, from its first instructional day, with no exit"
        )
        result.assume(
            f"grade level unknown for those {len(rows)} stays: estimated from the birth date "
            "(age on 1 September of the school year: 5 is KG, 6 is 01, …)"
            + (
                f"; {clamped} estimate(s) fell outside the school's grades and were moved to "
                "its nearest grade"
                if clamped
                else ""
            )
            + (f"; {unknown} with no birth date were left empty" if unknown else "")
            + ". Figures by grade are therefore not reliable for this data"
        )
    without = sorted(
        {text(r.get("studentUniqueId")) for r in resources.get("students", [])}
        - enrolled
        - {student for student, _ in attended}
        - {None}
    )
    if without:
        result.assume(
            f"{len(without)} student(s) have neither an enrollment nor an attendance event: "
            "their school is unknown, so they get no stay and validation sets them aside "
            "(they are not counted in any rate)"
        )
    return rows


def _say_unenrolled(
    resources: Resources,
    result: ImportResult,
    attended: dict[tuple[str, str], tuple[str, int | None]],
    enrolled: set[str],
) -> None:
    missing = {student for student, _ in attended} - enrolled
    if missing:
        result.note(
            f"enrollments: {len(missing)} student(s) have attendance events but no "
            "StudentSchoolAssociation; their events are passed on and validation sets them "
            "aside as not enrolled"
        )


def _grades_offered(resources: Resources) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for record in resources.get("schools", []):
        school = text(record.get("schoolId"))
        for item in items(record, "gradeLevels"):
            grade = vocab.grade(text(item.get("gradeLevelDescriptor")))
            if school and grade:
                out[school].append(grade)
    return out


def _grade_from_birth(
    birth: str | None, year: str, offered: list[str] | None
) -> tuple[str | None, bool]:
    try:
        born = dt.date.fromisoformat(birth or "")
    except ValueError:
        if offered and len(offered) == 1:
            return offered[0], False
        return None, False
    first_of_september = dt.date(int(year) - 1, 9, 1)
    age = (
        first_of_september.year
        - born.year
        - ((first_of_september.month, first_of_september.day) < (born.month, born.day))
    )
    order = vocab.GRADE_ORDER
    index = min(max(age - 5 + order.index("KG"), 0), len(order) - 1)
    grade = order[index]
    if offered:
        ranks = sorted(order.index(g) for g in offered)
        if index < ranks[0] or index > ranks[-1]:
            nearest = min(ranks, key=lambda r: abs(r - index))
            return order[nearest], True
    return grade, False


def _year_from(calendars: Calendars, school: str | None, entry: str | None) -> str | None:
    """A stay's school year from the calendar spanning its entry date (else the date itself)."""
    try:
        day = dt.date.fromisoformat(entry or "")
    except ValueError:
        return None
    if school:
        year = calendars.year_of(school, day)
        if year:
            return year
    return str(day.year + 1 if day.month >= 7 else day.year)
