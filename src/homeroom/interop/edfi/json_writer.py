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
from collections import defaultdict
from pathlib import Path

import duckdb
import pandas as pd

from homeroom.contract import validate_dataset
from homeroom.definitions import Definition, load_definition
from homeroom.interop.edfi.json_calendar import day_lengths, school_calendars
from homeroom.interop.edfi.json_events import EventLines
from homeroom.interop.edfi.json_students import events, special_education, stays, students
from homeroom.interop.edfi.json_words import (
    CROSSWALK_NAME,
    ED_FI,
    GRADES,
    INT32_MAX,
    LANGUAGES,
    SCHOOLS_PER_DISTRICT,
    SchoolIds,
    category,
    descriptor,
    grade_order,
)
from homeroom.interop.edfi.jsonfiles import item_lines, write_lines_atomic

__all__ = ["CROSSWALK_NAME", "LANGUAGES", "edfi_resources", "write_edfi_json"]

EVENTS = "studentSchoolAttendanceEvents"
BATCH = 100_000  # attendance rows per batch of events written


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
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        report = validate_dataset(Path(data_dir), con, definition=definition)
        tables = {
            name: con.execute(f"SELECT * FROM main.{name}").df()
            for name in ("schools", "students", "enrollments", "calendar")
        }
        # The events are written in batches below: only the columns' types are needed here.
        tables["attendance"] = con.execute("SELECT * FROM main.attendance LIMIT 0").df()
        resources = edfi_resources(tables, report.units_per_day)
        written = []
        for name, items in resources.items():
            if name.startswith("_"):
                continue
            path = out_dir / f"{name}.json"
            if name == EVENTS:
                batches = con.sql("SELECT * FROM main.attendance").to_arrow_reader(BATCH)
                lines = EventLines(tables["schools"], ids_of(resources), report.units_per_day)
                write_lines_atomic(path, (line for b in batches for line in lines.lines(b)))
            else:
                write_lines_atomic(path, item_lines(items))
            items.clear()  # each resource's dicts let go once written
            written.append(path)
    finally:
        con.close()
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
    ids = number_ids(schools)
    enrollments = tables["enrollments"]
    calendar = tables["calendar"]
    out: dict[str, list] = {}
    out["localEducationAgencies"] = [
        {
            "localEducationAgencyId": ids.districts[str(d)],
            "nameOfInstitution": str(name),
            "categories": [
                category("EducationOrganizationCategoryDescriptor", "Local Education Agency")
            ],
            "localEducationAgencyCategoryDescriptor": descriptor(
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
                category("EducationOrganizationCategoryDescriptor", "School")
            ],
            "gradeLevels": [
                {"gradeLevelDescriptor": descriptor(ED_FI, "GradeLevelDescriptor", GRADES[g])}
                for g in grade_order(grades_at.get(row.school_id, []))
            ],
        }
        for row in schools.itertuples(index=False)
    ]
    out["classPeriods"], out["bellSchedules"] = day_lengths(schools, ids)
    school_calendar = school_calendars(schools, calendar, ids)
    out["calendars"], out["calendarDates"], out["sessions"] = school_calendar
    out["students"], out["studentEducationOrganizationAssociations"] = students(
        tables["students"], enrollments, schools, ids
    )
    out["programs"], out["studentSpecialEducationProgramAssociations"] = special_education(
        tables["students"], enrollments, schools, ids
    )
    out["studentSchoolAssociations"] = stays(enrollments, schools, ids)
    out[EVENTS] = events(tables["attendance"], schools, ids, units_per_day)
    out["_school_ids"] = [ids]
    out["_ids"] = (
        [["district", d, n] for d, n in ids.districts.items()]
        + [["school", s, n] for s, n in ids.schools.items()]
        if ids.renumbered
        else []
    )
    return out


def ids_of(resources: dict[str, list]) -> SchoolIds:
    ids: SchoolIds = resources["_school_ids"][0]
    return ids


def _plain_int(value: str) -> bool:
    return value.isascii() and value.isdigit() and value == str(int(value)) and int(value) > 0


def number_ids(schools: pd.DataFrame) -> SchoolIds:
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
    return SchoolIds(districts, schools_out, not (keep_districts and keep_schools))
