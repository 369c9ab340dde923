"""Ed-Fi ODS/API JSON → canonical tables: a small hand-made district, the descriptor map, and
malformed files (each gives a clear error naming file and line, or rejects; never a crash and
never a silent drop).

The fixture `fixtures/lakeview-json` is one school (day 360 minutes, from its bell schedule)
with a calendar of 6 instructional days (3-6, 9 Sept 2024, and 10 Sept a Make-up day; 2 Sept
a Holiday, 11 Sept a Teacher only day). S1 (3rd grade) is enrolled from 3 Sept with no exit:
6 days; absent 4 Sept (Excused, 1 day) and 36 minutes late on 5 Sept (36/360 = 0.1 day, not an
absence in any shipped definition): 1 day. On 9 Sept S1 has a district descriptor "Field trip"
the shipped map does not know. S2 (KG) is enrolled 3-6 Sept (exitWithdrawDate inclusive):
4 days, present on 4 Sept, and an Unexcused Absence on 9 Sept after leaving. S3 has no
enrollment.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeroom.contract.errors import ContractError
from homeroom.definitions import load_definition
from homeroom.interop import ImportResult, write_import
from homeroom.interop.edfi import default_descriptor_map, import_edfi, resources_to_canonical
from homeroom.interop.edfi.descriptors import load_descriptor_map
from homeroom.interop.edfi.json_reader import read_json_records
from homeroom.pipeline import metrics_for_folder

FIXTURES = Path(__file__).parent / "fixtures"
LAKEVIEW = FIXTURES / "lakeview-json"
EVENTS = "studentSchoolAttendanceEvents.json"


@pytest.fixture(scope="module")
def lakeview(tmp_path_factory):
    out = tmp_path_factory.mktemp("lakeview")
    result = import_edfi(LAKEVIEW)
    written = write_import(result, out, definition=load_definition("default"))
    return result, written, out


def test_lakeview_metrics_are_the_hand_computed_ones(lakeview):
    _result, _written, out = lakeview
    # Every school day of the fixture's calendar, not only up to its latest attendance event.
    frame = metrics_for_folder(
        out, definition=load_definition("default"), level="student", as_of=dt.date(2100, 1, 1)
    )
    got = {
        r.student_id: (int(r.days_enrolled), round(float(r.days_absent), 4), r.grade_level)
        for r in frame.itertuples()
    }
    assert got == {"S1": (6, 1.0, "03"), "S2": (4, 0.0, "KG")}
    late = frame.set_index("student_id").loc["S1"]
    assert (late["tardies"], round(float(late["tardy_days"]), 4)) == (1, 0.1)


def test_lakeview_demographics(lakeview):
    result, _written, _out = lakeview
    students = result.tables["students"].set_index("student_id")
    assert students.loc["S1", "sex"] == "F"
    assert students.loc["S1", "race_ethnicity"] == "hispanic_latino"  # ethnicity wins over race
    assert students.loc["S1", "economically_disadvantaged"] == "true"
    assert students.loc["S1", "english_learner"] == "true"
    assert students.loc["S1", "home_language"] == "es"
    assert students.loc["S2", "race_ethnicity"] == "two_or_more"
    assert students.loc["S2", "students_with_disabilities"] == "true"
    schools = result.tables["schools"].iloc[0]
    assert (schools["district_name"], schools["state"], schools["day_minutes"]) == (
        "Lakeview USD",
        "TX",
        "360",
    )


def test_quarantine_names_the_json_file_and_line(lakeview):
    result, written, _out = lakeview
    quarantine = written.quarantine.set_index("reason")
    field_trip = quarantine.filter(like="Field trip", axis=0)
    assert field_trip[["source_file", "source_line"]].values.tolist() == [[EVENTS, 35]]
    not_enrolled = quarantine.filter(like="student not enrolled", axis=0)
    assert not_enrolled[["source_file", "source_line"]].values.tolist() == [[EVENTS, 66]]
    no_stay = quarantine.filter(like="no valid enrollment", axis=0)
    assert no_stay[["source_file", "source_line"]].values.tolist() == [["students.json", 14]]
    unmapped = [m for m in result.mappings if not m.target]
    assert [(m.kind, m.source, m.rows) for m in unmapped] == [
        (
            "attendance descriptor",
            "uri://lakeview.org/AttendanceEventCategoryDescriptor#Field trip",
            1,
        )
    ]
    report = written.report_path.read_text(encoding="utf-8")
    assert "Field trip" in report


def test_a_district_map_maps_its_own_descriptor(tmp_path):
    edited = tmp_path / "map.csv"
    text = default_descriptor_map().read_text(encoding="utf-8")
    edited.write_text(text + "Field trip,present,0,school-sponsored\n", encoding="utf-8")
    result = import_edfi(LAKEVIEW, descriptor_map=edited)
    attendance = result.tables["attendance"].set_index(["student_id", "date"])
    assert attendance.loc[("S1", "2024-09-09"), "category"] == "present"
    assert all(m.target for m in result.mappings if m.kind == "attendance descriptor")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("descriptor,category\nTardy,late\n", "map.csv, line 2, column category (2)"),
        ("descriptor,category,absent_fraction\nTardy,tardy,2\n", "line 2, column absent_fraction"),
        ("descriptor,category\nTardy,tardy\ntardy,tardy\n", "line 3, column descriptor"),
        ("code,category\nTardy,tardy\n", "line 1: required column descriptor is missing"),
        (
            "descriptor,category,absent_fraction\nHoliday,instructional,\nx,not_instructional,1\n",
            "line 3",
        ),
    ],
)
def test_a_bad_descriptor_map_names_file_line_and_column(tmp_path, content, message):
    path = tmp_path / "map.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ContractError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_descriptor_map(path)


def test_json_lines_and_page_suffixes(tmp_path):
    folder = tmp_path / "edfi"
    shutil.copytree(LAKEVIEW, folder)
    events = json.loads((folder / EVENTS).read_text(encoding="utf-8"))
    (folder / EVENTS).unlink()
    (folder / "studentSchoolAttendanceEvents.jsonl").write_text(
        "\n".join(json.dumps(e) for e in events[:3]) + "\n\nnot json\n", encoding="utf-8"
    )
    (folder / "studentSchoolAttendanceEvents-2.json").write_text(
        json.dumps(events[3:]), encoding="utf-8"
    )
    result = import_edfi(folder)
    assert len(result.tables["attendance"]) == 5
    assert result.rejected_rows == [
        (
            "attendance",
            "studentSchoolAttendanceEvents.jsonl",
            5,
            "",
            "not valid JSON at column 1 (Expecting value)",
        )
    ]


def test_resources_to_canonical_takes_records_without_lines():
    records = json.loads((LAKEVIEW / EVENTS).read_text(encoding="utf-8"))
    result = resources_to_canonical(
        {"studentSchoolAttendanceEvents": records}, source_kind="Ed-Fi API"
    )
    assert len(result.tables["attendance"]) == 5
    assert result.tables["attendance"]["source_line"].isna().all()


# ------------------------------------------------------------------ no enrollment file
GRADE = "uri://ed-fi.org/GradeLevelDescriptor#"
DAY = "uri://ed-fi.org/CalendarEventDescriptor#Instructional day"
ELEMENTARY = ("Fifth grade", "First grade", "Fourth grade", "Second grade", "Third grade")


def _district(grades: dict[str, tuple[str, ...]], births: dict[str, str | None]) -> dict:
    """Schools E and M, each with a 3-day 2024-25 calendar; students W (events at E) and X
    (events at M); the others in `births` have no event. Ages on 1 Sept 2024 give the grade."""
    schools = [
        {"schoolId": s, "gradeLevels": [{"gradeLevelDescriptor": GRADE + g} for g in grades[s]]}
        for s in grades
    ]
    dates = [
        {
            "calendarReference": {"calendarCode": s, "schoolId": s, "schoolYear": 2025},
            "date": f"2024-09-0{d}",
            "calendarEvents": [{"calendarEventDescriptor": DAY}],
        }
        for s in grades
        for d in (3, 4, 5)
    ]
    events = [
        {
            "studentReference": {"studentUniqueId": student},
            "schoolReference": {"schoolId": school},
            "eventDate": "2024-09-04",
            "attendanceEventCategoryDescriptor": "Excused Absence",
            "eventDuration": 1,
        }
        for student, school in (("W", "E"), ("X", "M"))
        if school in grades
    ]
    students = [{"studentUniqueId": s, "birthDate": b} for s, b in births.items()]
    return {
        "schools": schools,
        "calendarDates": dates,
        "studentSchoolAttendanceEvents": events,
        "students": [
            {"studentUniqueId": "W", "birthDate": "2015-03-01"},  # 9: grade 04
            {"studentUniqueId": "X", "birthDate": "2012-03-01"},  # 12: grade 07
            *students,
        ],
    }


def _stays(resources: dict) -> tuple[dict[str, tuple[str, str, str]], str]:
    result = resources_to_canonical(resources, source_kind="Ed-Fi API")
    frame = result.tables["enrollments"]
    stays = {r.student_id: (r.school_id, r.grade_level, r.entry_date) for r in frame.itertuples()}
    return stays, "\n".join(result.assumptions)


def test_with_no_enrollments_every_student_is_placed_by_the_schools_grades():
    births = {
        "A": "2012-05-01",  # 12 on 1 Sept: grade 07, offered by M only
        "B": "2020-08-31",  # 4: PK, offered by none; nearest is E's 01
        "C": "2005-01-01",  # 19: beyond 12; nearest is M's 08
        "D": "2014-09-02",  # 9 (birthday after 1 Sept): grade 04 at E
        "N": None,  # no birth date: school cannot be decided
    }
    middle = ("Sixth grade", "Seventh grade", "Eighth grade")
    stays, said = _stays(_district({"E": ELEMENTARY, "M": middle}, births))
    assert stays == {
        "W": ("E", "04", "2024-09-03"),  # at the school of their events, as before
        "X": ("M", "07", "2024-09-03"),
        "A": ("M", "07", "2024-09-03"),
        "B": ("E", "01", "2024-09-03"),
        "C": ("M", "08", "2024-09-03"),
        "D": ("E", "04", "2024-09-03"),
    }
    assert "no enrollment and no attendance event for 4 student(s)" in said
    assert "Placed per school: E: 2, M: 2; 2 by nearest grade" in said
    assert "it picks the school of their events for 2 (100.0%)" in said
    assert "1 student(s) have neither an enrollment nor an attendance event and their " in said
    assert "grade level unknown for all 6 assumed stays" in said
    assert "2 estimate(s) fell outside the school's grades" in said


def test_with_no_grade_lists_the_grades_seen_at_each_school_decide():
    births = {"A": "2014-01-01", "B": "2013-01-01"}  # 10 (grade 05) and 11 (grade 06)
    stays, said = _stays(_district({"E": (), "M": ()}, births))
    # E is seen serving grade 04 (W), M grade 07 (X): 05 is nearer 04, 06 nearer 07.
    assert {s: stays[s][0] for s in ("A", "B")} == {"A": "E", "B": "M"}
    assert "no school lists its grade levels" in said


def test_with_one_school_every_student_is_placed_there():
    births = {"A": "2005-01-01", "N": None}
    stays, said = _stays(_district({"E": ELEMENTARY}, births))
    assert stays["A"] == ("E", "05", "2024-09-03")  # moved into the school's grades
    assert "N" not in stays  # no birth date and five grades: the grade is unknown
    assert "at the one school with a calendar" in said


def test_with_enrollments_no_student_is_placed(lakeview):
    result, _written, _out = lakeview
    assert "S3" not in set(result.tables["enrollments"]["student_id"])
    assert not any("no attendance event for" in a for a in result.assumptions)


# ------------------------------------------------------------------ malformed files (fuzz)
def _events(count: int) -> list[dict]:
    base = json.loads((LAKEVIEW / EVENTS).read_text(encoding="utf-8"))[0]
    return [dict(base, eventDate=f"2024-09-{(n % 28) + 1:02d}") for n in range(count)]


def _outcome(path: Path) -> tuple[int, int] | None:
    """(rows written, rows rejected) or None for a clear ContractError naming the file."""
    result = ImportResult("test", {})
    try:
        records = read_json_records(path, result, "attendance")
    except ContractError as error:
        assert path.name in str(error)
        return None
    return len(records), len(result.rejected_rows)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    count=st.integers(0, 5),
    cut=st.floats(0, 1),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]),
    junk=st.sampled_from(["", "é", "\x00", '"', "]", "{", "\ufeff", "\r\n", "1e999"]),
    where=st.floats(0, 1),
)
def test_fuzzed_json_is_read_or_refused_clearly(tmp_path, count, cut, encoding, junk, where):
    events = _events(count)
    text = json.dumps(events, indent=1, ensure_ascii=False).replace("Absence", "Abséncé")
    at = int(len(text) * where)
    text = text[:at] + junk + text[at:]
    data = text.encode(encoding, errors="replace")
    truncated = cut < 0.3
    if truncated:
        data = data[: int(len(data) * cut / 0.3)]
    path = tmp_path / EVENTS
    path.write_bytes(data)
    outcome = _outcome(path)  # never any other exception
    if outcome is None:
        return
    written, rejected = outcome
    try:
        values = json.loads(data.decode(json.detect_encoding(data)).removeprefix("\ufeff"))
    except (ValueError, UnicodeDecodeError):
        values = None
    if isinstance(values, list):
        assert written + rejected == len(values)  # nothing dropped silently


def test_errors_name_file_line_and_column(tmp_path):
    path = tmp_path / EVENTS
    path.write_text('[\n {"eventDate": "2024-09-03"},\n {"eventDate": }\n]\n', encoding="utf-8")
    with pytest.raises(ContractError, match=rf"{EVENTS}, line 3, column 16: not valid JSON"):
        _outcome_raising(path)
    path.write_text('[\n {"eventDate": "2024-09-03"},\n', encoding="utf-8")
    with pytest.raises(ContractError, match="line 3, column 1: the file ends inside the array"):
        _outcome_raising(path)
    path.write_bytes('[{"attendanceEventReason": "enfermé"}]'.encode("latin-1"))
    with pytest.raises(ContractError, match=r"line 1, column 35: not UTF-8 text \(byte 0xE9\)"):
        _outcome_raising(path)


def _outcome_raising(path: Path) -> None:
    read_json_records(path, ImportResult("test", {}), "attendance")


def test_bom_and_utf16_are_read(tmp_path):
    path = tmp_path / EVENTS
    text = json.dumps(_events(3), indent=1)
    for encoding in ("utf-8-sig", "utf-16", "utf-16-le"):
        path.write_bytes(text.encode(encoding))
        assert _outcome(path) == (3, 0)


def test_elements_that_are_not_objects_are_rejected_with_their_line(tmp_path):
    path = tmp_path / EVENTS
    path.write_text('[\n{"eventDate": "2024-09-03"},\n42,\nnull\n]', encoding="utf-8")
    result = ImportResult("test", {})
    records = read_json_records(path, result, "attendance")
    assert [r["_line"] for r in records] == [2]
    assert [(r[2], r[4]) for r in result.rejected_rows] == [
        (3, "not a JSON object (a int); skipped"),
        (4, "not a JSON object (a null); skipped"),
    ]


@pytest.mark.slow
def test_a_million_events(tmp_path):
    path = tmp_path / EVENTS
    one = json.dumps(_events(1)[0])
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[\n")
        handle.write(",\n".join([one] * 1_000_000))
        handle.write("\n]\n")
    result = ImportResult("test", {})
    records = read_json_records(path, result, "attendance")
    assert len(records) == 1_000_000 and not result.rejected_rows
    assert records[-1]["_line"] == 1_000_001
