"""The Ed-Fi Analytics Middle Tier's own day-level cases, through Homeroom's Ed-Fi converter.

The fixture (/work/shared/data/edfi-amt-fixture, see its SOURCE.txt) is ODS table rows from the
AMT's ChronicAbsenteeismAttendanceFact tests, with the expected rows of that view: one row per
student x school x date that is an instructional day of the school's calendar inside a stay
(EntryDate <= date <= ExitWithdrawDate), with flags for what was reported that day.

Each expected case is one test. How each maps onto Homeroom:

* a row exists (`should_return_one_record`, `should_have_DateKey`/`SchoolKey`/`StudentKey`/
  `StudentSchoolKey`) or not (`should_not_return_records`): the date is a **membership day** in
  the validated tables (a loaded stay covers it and the loaded calendar makes it instructional);
* `ReportedAsAbsentFromSchool` / `ReportedAsPresentAtSchool`: the import wrote, from a school
  attendance event, a row in an absence category / in `present` for that student, school and
  date;
* `ReportedAsAbsentFromAnySection` / `ReportedAsIsPresentInAllSections`: the day Homeroom folded
  from the section (period) events misses part of the day / misses nothing and is `present`;
* `ReportedAsPresentAtHomeRoom` / `ReportedAsAbsentFromHomeRoom`: Homeroom has no idea of a
  homeroom section (a day is a day, whatever section took the register), so these are checked on
  the adapter's records (section events of sections the student's association marks as homeroom).

Where Homeroom legitimately differs from the view (and why no case here depends on it):
the view keeps only dates <= today (every fixture date is in 2011-2014, so all qualify);
it joins calendar dates to stays by school only, ignoring the stay's school year, where Homeroom
checks a stay against its own year's calendar (a 2011 stay with no 2011 calendar is quarantined;
the fixture's cases are all in years that have one); and it counts only `Instructional day`
events, where Homeroom's descriptor map also counts `Make-up day` (the fixture has none on a
tested date).
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from homeroom.contract import validate_dataset
from homeroom.definitions import load_definition
from homeroom.interop import write_import
from homeroom.interop.edfi import resources_to_canonical
from homeroom.interop.edfi.ods_tables import read_ods_tables

FIXTURE = Path("/work/shared/data/edfi-amt-fixture")
EXPECTED = FIXTURE / "expected_results_ChronicAbsenteeismAttendanceFact.csv"
ABSENT = {"excused", "unexcused", "suspension"}
# 189889 has two open stays entered the same day at two schools (867530011 and 867530022); the
# view counts a membership day at each, and so does Homeroom: stays at two different schools
# may overlap (each school counts its own), so neither is quarantined.
CONCURRENT = {("189889", "867530011"), ("189889", "867530022")}

pytestmark = pytest.mark.skipif(not FIXTURE.exists(), reason="AMT fixture not present")


def _cases() -> list:
    if not EXPECTED.exists():
        return []
    with EXPECTED.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    return [
        pytest.param(*row, id=f"{row[0]}-{row[1]}-{row[2]}-{row[3]}")
        for row in rows
        if row  # one test per expected result
    ]


@pytest.fixture(scope="module")
def amt(tmp_path_factory):
    resources = read_ods_tables(FIXTURE)
    # The view knows only the listed calendar dates; do not widen them from the sessions.
    result = resources_to_canonical(
        resources, source_kind="Ed-Fi ODS tables", calendar_from_sessions=False
    )
    out = tmp_path_factory.mktemp("amt")
    written = write_import(result, out, definition=load_definition("default"))
    con = duckdb.connect()
    validate_dataset(out, con, definition=load_definition("default"))
    membership = {
        (s, sc, d.strftime("%Y%m%d"))
        for s, sc, d in con.execute(
            "SELECT e.student_id, e.school_id, c.date FROM enrollments e "
            "JOIN schools s USING (school_id) "
            "JOIN calendar c ON c.calendar_id = s.calendar_id AND c.school_year = e.school_year "
            "WHERE c.instructional AND c.date >= e.entry_date "
            "AND (e.last_day IS NULL OR c.date <= e.last_day)"
        ).fetchall()
    }
    con.close()
    attendance = result.tables["attendance"]
    enrollments = result.tables["enrollments"].reset_index(drop=True)
    overlaps = written.quarantine[
        written.quarantine["table"].eq("enrollments")
        & written.quarantine["reason"].str.startswith("overlaps")
    ]
    quarantined_stays = {
        (enrollments.loc[line - 2, "student_id"], enrollments.loc[line - 2, "school_id"])
        for line in overlaps["line"].astype(int)
    }
    return {
        "membership": membership,
        "attendance": attendance,
        "resources": resources,
        "overlapping": quarantined_stays,
    }


def _rows(attendance, student: str, school: str, datekey: str, source: str):
    date = f"{datekey[:4]}-{datekey[4:6]}-{datekey[6:]}"
    mine = attendance[
        attendance["student_id"].eq(student)
        & attendance["school_id"].eq(school)
        & attendance["date"].eq(date)
        & attendance["source_file"].eq(source)
    ]
    return mine


def _missed(row) -> bool:
    fraction = row["absent_fraction"]
    minutes = row["minutes_absent"]
    return bool((fraction and float(fraction) > 0) or (minutes and int(minutes) > 0))


def _homeroom(resources, student: str, school: str, datekey: str) -> set[str]:
    """Categories of section events that day in sections marked homeroom for the student."""
    date = f"{datekey[:4]}-{datekey[4:6]}-{datekey[6:]}"

    def key(record):
        ref = record["sectionReference"]
        return tuple(
            ref.get(k)
            for k in (
                "localCourseCode",
                "schoolId",
                "schoolYear",
                "sectionIdentifier",
                "sessionName",
            )
        )

    homerooms = {
        key(r)
        for r in resources.get("studentSectionAssociations", [])
        if r["studentReference"]["studentUniqueId"] == student and r.get("homeroomIndicator")
    }
    return {
        r["attendanceEventCategoryDescriptor"].rsplit("#", 1)[-1]
        for r in resources.get("studentSectionAttendanceEvents", [])
        if r["studentReference"]["studentUniqueId"] == student
        and r["sectionReference"].get("schoolId") == school
        and r.get("eventDate") == date
        and key(r) in homerooms
    }


@pytest.mark.parametrize(("student", "school", "datekey", "case", "kind", "expected"), _cases())
def test_amt_expected_result(amt, student, school, datekey, case, kind, expected):
    column, value = expected.split("=", 1)
    is_member = (student, school, datekey) in amt["membership"]
    if kind == "count":
        assert is_member == (value == "1"), f"membership day expected {value}"
        return
    if column in ("DateKey", "SchoolKey", "StudentKey", "StudentSchoolKey"):
        # The row exists with these keys: a membership day of that student at that school.
        assert is_member
        shown = {
            "DateKey": datekey,
            "SchoolKey": school,
            "StudentKey": student,
            "StudentSchoolKey": f"{student}-{school}",
        }[column]
        assert shown == value
        return
    flag = value == "1"
    attendance = amt["attendance"]
    school_rows = _rows(attendance, student, school, datekey, "StudentSchoolAttendanceEvent.csv")
    section_rows = _rows(attendance, student, school, datekey, "StudentSectionAttendanceEvent.csv")
    if column == "ReportedAsAbsentFromSchool":
        assert school_rows["category"].isin(ABSENT).any() == flag
    elif column == "ReportedAsPresentAtSchool":
        assert school_rows["category"].eq("present").any() == flag
    elif column == "ReportedAsAbsentFromAnySection":
        assert any(_missed(r) for _, r in section_rows.iterrows()) == flag
    elif column == "ReportedAsIsPresentInAllSections":
        # The view needs a present event and no absence: a day of tardies alone is neither.
        all_present = not section_rows.empty and all(
            not _missed(r) and r["category"] == "present" for _, r in section_rows.iterrows()
        )
        assert all_present == flag
    elif column == "ReportedAsPresentAtHomeRoom":
        assert ("In Attendance" in _homeroom(amt["resources"], student, school, datekey)) == flag
    elif column == "ReportedAsAbsentFromHomeRoom":
        found = _homeroom(amt["resources"], student, school, datekey)
        assert bool(found & {"Excused Absence", "Unexcused Absence"}) == flag
    else:
        pytest.fail(f"no Homeroom reading for {column}")


def test_concurrent_stays_at_two_schools_are_both_counted(amt):
    assert not CONCURRENT & amt["overlapping"]
    for student, school in CONCURRENT:
        assert any(m[:2] == (student, school) for m in amt["membership"])
