"""enrollments: Ed-Fi StudentSchoolAssociations, or assumed full-year stays where there are none.

Ed-Fi's exitWithdrawDate is the last day the student was enrolled (the Analytics Middle Tier
counts a date as membership while `date <= ExitWithdrawDate`), which is Homeroom's default
(`exit_date = "inclusive"`). The grade is the entry grade level descriptor.

When the data holds no StudentSchoolAssociations at all (an export without its enrollment file),
a student with attendance events at a school is given a stay there for the whole school year
(from the school's first instructional day, no exit), and a grade estimated from the birth date
(age on 1 September: 5 is KG, 6 is 01, …) kept inside the grades the school offers. Every other
student of the data gets a full-year stay too, at a school chosen by the rule in `placement`
(the grade estimate matched against the grades each school lists), since a district counts all
its students and one with no event was present every day. All of this is assumed and written to
the import's account, with a check of the rule on the students whose school is known. When the
data has enrollments, a student without one is not given any: that is the data's error, and
validation names it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pandas as pd

from homeroom.interop.edfi import vocab
from homeroom.interop.edfi.calendar import Calendars
from homeroom.interop.edfi.placement import NEAREST, Placer, estimated_grade, within
from homeroom.interop.edfi.resources import (
    Resources,
    columns_frame,
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
    # Column by column, not a dict a row: 1.1 million dicts held ~380 MB beside the attendance
    # events (docs/benchmarks.md, "Imports").
    columns: dict[str, list] = {name: [] for name in COLUMNS}
    appends = [columns[name].append for name in COLUMNS]
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
        row = (
            student,
            school,
            year,
            # An unknown grade is passed on as written, so validation names it.
            grade or (descriptor and descriptor.rsplit("#", 1)[-1]),
            entry,
            text(record.get("exitWithdrawDate")),
            file,
            line,
        )  # in the order of COLUMNS
        for append, value in zip(appends, row, strict=True):
            append(value)
    for descriptor, (target, count) in sorted(grades.items()):
        result.mappings.append(Mapping(GRADE, descriptor, target, count))
    if resources.get("studentSchoolAssociations"):
        # Enrollments are in the data: a student without one is the data's error, not a gap
        # to fill; validation names their attendance as "not enrolled".
        _say_unenrolled(resources, result, attended, enrolled)
    else:
        for assumed in _assumed_stays(resources, result, calendars, attended, enrolled):
            for name in COLUMNS:
                columns[name].append(assumed[name])
    return columns_frame(columns, COLUMNS)


def _assumed_stays(
    resources: Resources,
    result: ImportResult,
    calendars: Calendars,
    attended: dict[tuple[str, str], tuple[str, int | None]],
    enrolled: set[str],
) -> list[dict]:
    students: dict[str, dict] = {}
    for record in resources.get("students", []):
        if unique_id := text(record.get("studentUniqueId")):
            students[unique_id] = record
    births = {s: text(r.get("birthDate")) for s, r in students.items()}
    offered = _grades_offered(resources)
    rows: list[dict] = []
    clamped = unknown = 0
    seen: dict[str, Counter[int]] = defaultdict(Counter)
    for (student, school), (file, line) in sorted(attended.items()):
        if student in enrolled:
            continue
        years = sorted(y for (s, y) in calendars.instructional if s == school)
        if not years:
            continue  # no calendar: validation names the school's missing calendar
        year = years[-1]
        dates = calendars.instructional[(school, year)]
        estimate = estimated_grade(births.get(student), year)
        if estimate is not None:
            seen[school][estimate] += 1
        grade, was_clamped = _grade_from_birth(estimate, offered.get(school))
        clamped += was_clamped
        unknown += grade is None
        rows.append(_full_year(student, school, year, grade, dates, file, line))
    with_events = len(rows)
    if rows:
        result.assume(
            f"no StudentSchoolAssociation (enrollment) for {with_events} student(s) who have "
            "attendance events: each was taken as enrolled for the whole school year at the "
            "school of their events, from its first instructional day, with no exit"
        )
    without = sorted(set(students) - enrolled - {student for student, _ in attended})
    placed = _place_the_rest(without, students, births, result, calendars, offered, seen, attended)
    for row in placed:
        clamped += row.pop("_clamped")
    rows += placed
    if rows:
        result.assume(
            f"grade level unknown for all {len(rows)} assumed stays: estimated from the birth "
            "date (age on 1 September of the school year: 5 is KG, 6 is 01, …)"
            + (
                f"; {clamped} estimate(s) fell outside the school's grades and were moved to "
                "its nearest grade"
                if clamped
                else ""
            )
            + (f"; {unknown} with no birth date were left empty" if unknown else "")
            + ". Figures by grade are therefore not reliable for this data"
        )
    return rows


def _place_the_rest(
    without: list[str],
    students: dict[str, dict],
    births: dict[str, str | None],
    result: ImportResult,
    calendars: Calendars,
    offered: dict[str, list[str]],
    seen: dict[str, Counter[int]],
    attended: dict[tuple[str, str], tuple[str, int | None]],
) -> list[dict]:
    """Full-year stays, by the rule in `placement`, for students with neither stay nor event."""
    if not without:
        return []
    year = max((y for _s, y in calendars.instructional), default=None)
    if year is None:  # no calendar at all: nowhere to place anyone
        return []
    schools = sorted(s for s, y in calendars.instructional if y == year)
    placer = Placer(schools, offered, seen)
    rows: list[dict] = []
    how: Counter[str] = Counter()
    per_school: Counter[str] = Counter()
    for student in without:
        estimate = estimated_grade(births.get(student), year) if year else None
        placement = placer.place(estimate) if year else None
        if placement is None:
            continue
        how[placement.how] += 1
        per_school[placement.school] += 1
        file, line = where(students[student])
        dates = calendars.instructional[(placement.school, year)]
        row = _full_year(student, placement.school, year, placement.grade, dates, file, line)
        row["_clamped"] = (
            estimate is not None and within(estimate, offered.get(placement.school))[1]
        )
        rows.append(row)
    if rows:
        result.assume(_placement_said(len(rows), year, placer, how, per_school))
        check = _check_on_students_with_events(placer, births, year, attended)
        if check:
            result.assume(check)
    left = len(without) - len(rows)
    if left:
        result.assume(
            f"{left} student(s) have neither an enrollment nor an attendance event and their "
            "school could not be decided ("
            + (
                "no school has a calendar"
                if not schools
                else "no birth date, or no school "
                "lists its grades and none has students with events to show them"
            )
            + "): they get no stay and validation sets them aside (they are not counted in "
            "any rate)"
        )
    return rows


def _placement_said(
    count: int, year: str, placer: Placer, how: Counter[str], per_school: Counter[str]
) -> str:
    if len(placer.schools) == 1:
        rule = "the one school with a calendar"
    elif placer.by_listed_grades:
        rule = (
            "the school whose grade levels (School gradeLevels) include the grade estimated "
            "from their birth date, else the school with the nearest grade"
        )
        listless = [s for s in placer.schools if not placer.offered.get(s)]
        if listless:
            rule += f" (school(s) {', '.join(listless)} list no grades and got none)"
    else:
        rule = (
            "no school lists its grade levels, so the school where students with attendance "
            "events have the same estimated grade (birth date), else the nearest such grade"
        )
    schools = ", ".join(f"{s}: {n}" for s, n in sorted(per_school.items()))
    nearest = f"; {how[NEAREST]} by nearest grade" if how[NEAREST] else ""
    return (
        f"no enrollment and no attendance event for {count} student(s): each was taken as "
        f"enrolled for the whole school year {year} (from the school's first instructional "
        f"day, no exit, so present every day) at {rule}. Placed per school: {schools}{nearest}. "
        "Every rate for this data rests on this assumption (without it only the students with "
        "attendance events would be counted, and the rates would be too high)"
    )


def _check_on_students_with_events(
    placer: Placer,
    births: dict[str, str | None],
    year: str,
    attended: dict[tuple[str, str], tuple[str, int | None]],
) -> str | None:
    """How often the rule picks the school where a student with events has them."""
    schools: dict[str, set[str]] = defaultdict(set)
    for student, school in attended:
        schools[student].add(school)
    agree = tried = 0
    for student, theirs in schools.items():
        placement = placer.place(estimated_grade(births.get(student), year))
        if placement is not None:
            tried += 1
            agree += placement.school in theirs
    if not tried or len(placer.schools) == 1:
        return None
    return (
        f"check of that rule on the {tried} student(s) with attendance events and a birth "
        f"date: it picks the school of their events for {agree} ({agree / tried:.1%})"
    )


def _full_year(
    student: str,
    school: str,
    year: str,
    grade: str | None,
    dates: list[dt.date],
    file: str,
    line: int | None,
) -> dict:
    return {
        "student_id": student,
        "school_id": school,
        "school_year": year,
        "grade_level": grade,
        "entry_date": dates[0].isoformat() if dates else None,
        "exit_date": None,
        SOURCE_FILE: file,
        SOURCE_LINE: line,
    }


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


def _grade_from_birth(estimate: int | None, offered: list[str] | None) -> tuple[str | None, bool]:
    if estimate is None:
        if offered and len(offered) == 1:
            return offered[0], False
        return None, False
    return within(estimate, offered)


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
