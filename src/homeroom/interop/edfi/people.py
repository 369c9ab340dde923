"""students: Ed-Fi students with their demographics and program flags.

Since Data Standard 3 the demographics sit on StudentEducationOrganizationAssociation (one per
student and school or district); Data Standard 2 kept them on the student. Both are read: the
association wins where both give a value. Race: `hispanic_latino` when hispanicLatinoEthnicity is
true (whatever the races), else the one race given, else `two_or_more` for several.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from homeroom.contract.schema import STUDENT_FLAGS
from homeroom.interop.edfi import vocab
from homeroom.interop.edfi.resources import (
    Record,
    Resources,
    columns_frame,
    field,
    items,
    text,
    where,
)
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult, Mapping

COLUMNS = (
    "student_id", "first_name", "last_name", "birth_date", "sex", "race_ethnicity",
    *STUDENT_FLAGS, "home_language", SOURCE_FILE, SOURCE_LINE,
)  # fmt: skip
PROGRAM_RESOURCES = (
    "studentProgramAssociations",
    "studentSpecialEducationProgramAssociations",
    "studentSection504ProgramAssociations",
    "studentHomelessProgramAssociations",
    "studentMigrantEducationProgramAssociations",
)


def students_table(resources: Resources, result: ImportResult) -> pd.DataFrame:
    demographics: dict[str, dict[str, Any]] = defaultdict(dict)
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for record in resources.get("studentEducationOrganizationAssociations", []):
        student = field(record, "studentReference", "studentUniqueId")
        if student:
            _demographics(record, demographics[student], counts)
    for resource in PROGRAM_RESOURCES:
        for record in resources.get(resource, []):
            student = field(record, "studentReference", "studentUniqueId")
            program = field(record, "programReference", "programTypeDescriptor") or text(
                record.get("programTypeDescriptor")
            )
            flag = vocab.PROGRAMS.get(vocab.key(program))
            if resource == "studentSpecialEducationProgramAssociations":
                flag = "students_with_disabilities"
            if resource == "studentSection504ProgramAssociations":
                flag = "section_504"
            if student and flag:
                demographics[student][flag] = True
                counts[("program", program or resource, flag)] += 1
    # Kept column by column: a million students' rows as dicts took over a gigabyte beside
    # the attendance events (docs/benchmarks.md, "Imports").
    columns: dict[str, list] = {name: [] for name in COLUMNS}
    for record in resources.get("students", []):
        student = text(record.get("studentUniqueId"))
        file, line = where(record)
        if student is None:
            result.reject("students", file, line, "studentUniqueId", "student without an id")
            continue
        # A repeated student is passed on: validation keeps the first and names this line.
        own: dict[str, Any] = {}
        _demographics(record, own, counts)  # Data Standard 2 kept these on the student
        merged = {**own, **demographics.get(student, {})}
        if student in demographics:
            # An association that lists no such characteristic or program means "no", not
            # "unknown"; a student with no association at all stays unknown. English learner
            # status has its own descriptor: unknown unless it is given.
            for flag in STUDENT_FLAGS:
                if flag != "english_learner":
                    merged.setdefault(flag, False)
        row = _row(student, record, merged, file, line)
        for name, values in columns.items():
            values.append(row[name])
    del demographics
    for (kind, source, target), rows_count in sorted(counts.items()):
        result.mappings.append(Mapping(kind, source, target, rows_count))
    return columns_frame(columns, COLUMNS)


def _row(student: str, record: Record, values: dict, file: str, line: int | None) -> dict:
    birth = text(record.get("birthDate")) or field(record, "birthData", "birthDate")
    row = {
        "student_id": student,
        "first_name": text(record.get("firstName")),
        "last_name": text(record.get("lastSurname")),
        "birth_date": birth,
        "sex": values.get("sex"),
        "race_ethnicity": _race(values),
        "home_language": values.get("home_language"),
        SOURCE_FILE: file,
        SOURCE_LINE: line,
    }
    for flag in STUDENT_FLAGS:
        given = values.get(flag)
        row[flag] = None if given is None else ("true" if given else "false")
    return row


def _race(values: dict) -> str | None:
    if values.get("hispanic") is True:
        return "hispanic_latino"
    races = sorted(values.get("races", set()))
    if len(races) == 1:
        return races[0]
    if len(races) > 1:
        return "two_or_more"
    return None


def _demographics(record: Record, into: dict, counts: dict) -> None:
    sex_descriptor = text(record.get("sexDescriptor")) or text(record.get("birthSexDescriptor"))
    if sex_descriptor and "sex" not in into:
        into["sex"] = vocab.sex(sex_descriptor)
        counts[("sex", sex_descriptor, into["sex"] or "")] += 1
    hispanic = text(record.get("hispanicLatinoEthnicity"))
    if hispanic is not None:
        into["hispanic"] = hispanic.lower() in ("true", "1", "yes")
    for item in items(record, "races"):
        descriptor = text(item.get("raceDescriptor"))
        value = vocab.race(descriptor)
        if descriptor:
            counts[("race", descriptor, value or "")] += 1
        if value:
            into.setdefault("races", set()).add(value)
    proficiency = text(record.get("limitedEnglishProficiencyDescriptor"))
    if proficiency:
        learner = vocab.english_learner(proficiency)
        into["english_learner"] = bool(into.get("english_learner")) or bool(learner)
    for item in items(record, "studentCharacteristics") + items(record, "characteristics"):
        descriptor = text(item.get("studentCharacteristicDescriptor")) or text(
            item.get("characteristicDescriptor")
        )
        flag = vocab.CHARACTERISTICS.get(vocab.key(descriptor))
        if descriptor:
            counts[("student characteristic", descriptor, flag or "")] += 1
        if flag:
            into[flag] = True
    for item in items(record, "studentIndicators"):
        flag = vocab.CHARACTERISTICS.get(vocab.key(text(item.get("indicatorName"))))
        value = (text(item.get("indicator")) or "").lower()
        if flag and value in ("true", "yes", "y", "1"):
            into[flag] = True
    if items(record, "disabilities"):
        into["students_with_disabilities"] = True
    for item in items(record, "languages"):
        uses = [vocab.key(text(u.get("languageUseDescriptor"))) for u in items(item, "uses")]
        if not uses or any("home" in u for u in uses):
            language = vocab.home_language(text(item.get("languageDescriptor")))
            if language and "home_language" not in into:
                into["home_language"] = language
    economic = text(record.get("economicDisadvantaged"))
    if economic is not None:
        into["economically_disadvantaged"] = economic.lower() in ("true", "1", "yes")
