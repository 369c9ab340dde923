"""Ed-Fi's Grand Bend ISD sample (XML, 2021-22) loads as it is, says what it assumed, and gives
the figures docs/interop.md publishes; two students are checked by hand from the flat extract."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from homeroom.definitions import load_definition
from homeroom.interop import write_import
from homeroom.interop.edfi import import_edfi
from homeroom.pipeline import metrics_for_folder

SAMPLE = Path("/work/shared/data/edfi-grand-bend")
DOCS = Path(__file__).resolve().parents[3] / "docs" / "interop.md"
SCHOOL_NAMES = {
    "255901001": "Grand Bend High School",
    "255901044": "Grand Bend Middle School",
    "255901107": "Grand Bend Elementary School",
}

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="Grand Bend sample not present")


@pytest.fixture(scope="module")
def grand_bend(tmp_path_factory):
    out = tmp_path_factory.mktemp("grand-bend")
    result = import_edfi(SAMPLE)
    written = write_import(result, out, definition=load_definition("default"))
    return result, written, out


def _docs_section() -> str:
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("## The Grand Bend ISD sample")
    return text[start : text.index("\n## ", start + 5)]


def test_the_import_states_what_was_missing_and_assumed(grand_bend):
    result, written, _out = grand_bend
    said = "\n".join(result.assumptions)
    assert "no StudentSchoolAssociation (enrollment) for 227 student(s)" in said
    assert "whole school year" in said
    # The 733 students with no event are placed by their estimated grade (Grand Bend's schools
    # list grades 09-12, 06-08 and 01-05): birth-date grades TK, KG and 01-05 (17+62+59+42+61
    # +69+62 = 372) at the elementary school, 06-08 (56+72+65 = 193) at the middle school,
    # 09-11 (64+60+44 = 168) at the high school; TK and KG (79) by the nearest grade, 01.
    assert (
        "no enrollment and no attendance event for 733 student(s): each was taken as enrolled "
        "for the whole school year 2022" in said
    )
    assert "include the grade estimated from their birth date" in said
    assert "Placed per school: 255901001: 168, 255901044: 193, 255901107: 372" in said
    assert "79 by nearest grade" in said
    assert "Every rate for this data rests on this assumption" in said
    # Of the 227 with events, the rule would put all 115 elementary students at their school,
    # 27 of 48 middle (estimates 06-07; 04-05 go to the elementary) and 41 of 64 high (09-11).
    assert "it picks the school of their events for 183 (80.6%)" in said
    assert "grade level unknown for all 960 assumed stays" in said
    assert "could not be decided" not in said  # every student has a birth date
    assert "the calendar lists 0 instructional date(s) but its sessions say 169" in said
    assert "the calendar lists 2 instructional date(s) but its sessions say 169" in said
    assert "85 weekdays but totalInstructionalDays 81" in said
    assert "104 weekdays but totalInstructionalDays 88" in said
    assert "school 255901001's day is 430 minutes" in said
    assert any("2022-05-15 (Sunday)" in note for note in result.notes)
    report = written.report_path.read_text(encoding="utf-8")
    assert "What was assumed" in report and "733 student(s)" in report


def test_every_student_has_one_full_year_stay(grand_bend):
    result, written, _out = grand_bend
    stays = result.tables["enrollments"]
    assert len(stays) == 960 and stays["student_id"].is_unique
    assert stays.groupby("school_id").size().to_dict() == {
        "255901001": 232,  # 64 with events + 168 placed
        "255901044": 241,  # 48 + 193
        "255901107": 487,  # 115 + 372
    }
    assert stays["exit_date"].isna().all()
    # A placed student's stay is traced to their line of Student.xml.
    placed = stays[stays["source_file"].eq("Student.xml")]
    assert len(placed) == 733 and placed["source_line"].notna().all()
    assert written.validation.rows_read["enrollments"] == 960


def test_every_school_has_the_sessions_169_instructional_days(grand_bend):
    result, _written, _out = grand_bend
    calendar = result.tables["calendar"]
    days = calendar[calendar["instructional"].eq("true")].groupby("calendar_id").size()
    assert days.to_dict() == {school: 169 for school in SCHOOL_NAMES}
    # Every date an absence falls on stays instructional.
    attendance = result.tables["attendance"]
    absences = attendance[attendance["category"].isin(["excused", "unexcused"])]
    instructional = set(zip(calendar["calendar_id"], calendar["date"], strict=True))
    assert all(
        (s, d) in instructional
        for s, d in zip(absences["school_id"], absences["date"], strict=True)
    )


def test_edge_cases_are_quarantined_with_their_xml_lines(grand_bend):
    _result, written, _out = grand_bend
    quarantine = written.quarantine
    assert written.validation.rows_read["attendance"] == 1917  # every event, none dropped
    sunday = quarantine[quarantine["reason"].str.startswith("2022-05-15 is not an instructional")]
    assert len(sunday) == 3
    assert set(sunday["source_file"]) == {"StudentSchoolAttendance.xml"}
    duplicate = quarantine[quarantine["reason"].str.startswith("duplicate of line")]
    assert duplicate[["source_file", "source_line"]].values.tolist() == [
        ["StudentSchoolAttendance.xml", 90]
    ]
    # Every student now has a stay: none is set aside for want of one.
    assert quarantine[quarantine["table"].isin(["students", "enrollments"])].empty


def _flat_days_absent(student: str) -> float:
    """Whole-day absence events on distinct dates, from the flat extract (EventDuration 1)."""
    with (SAMPLE / "StudentSchoolAttendanceEvent_flat.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["StudentUniqueId"] == student]
    absent_dates = {
        r["EventDate"]
        for r in rows
        if r["AttendanceEventCategory"] in ("Excused Absence", "Unexcused Absence")
        and r["EventDuration"] == "1"
    }
    assert all(r["AttendanceEventCategory"] != "Tardy" for r in rows)  # no minutes to add
    return float(len(absent_dates))


@pytest.mark.parametrize(
    ("student", "days_absent", "chronic"), [("604822", 4.0, False), ("604940", 20.0, True)]
)
def test_hand_checked_students(grand_bend, student, days_absent, chronic):
    _result, _written, out = grand_bend
    assert _flat_days_absent(student) == days_absent  # the hand count from the flat CSV
    frame = metrics_for_folder(out, definition=load_definition("default"), level="student")
    row = frame[frame["student_id"].astype(str).eq(student)].iloc[0]
    assert int(row["days_enrolled"]) == 169
    assert float(row["days_absent"]) == days_absent
    assert bool(row["chronically_absent"]) is chronic


@pytest.mark.parametrize("definition", ["default", "edfacts"])
def test_figures_match_the_docs(grand_bend, definition):
    _result, _written, out = grand_bend
    docs = _docs_section()
    chosen = load_definition(definition)
    schools = metrics_for_folder(out, definition=chosen, level="school")
    district = metrics_for_folder(out, definition=chosen, level="district")
    lines = []
    for row in schools.itertuples():
        name = f"{row.school_id} {SCHOOL_NAMES[str(row.school_id)]}"
        lines.append(_doc_line(name, definition, row))
    lines.append(_doc_line("255901 Grand Bend ISD (district)", definition, district.iloc[0]))
    for line in lines:
        assert line in docs, line
    # The hand figures behind the docs: 15/232, 12/241, 17/487, 44/960 (the chronically absent
    # all have events; the placed students were present every day).
    counts = {
        str(r.school_id): (int(r.chronically_absent_count), int(r.students_eligible))
        for r in schools.itertuples()
    }
    assert counts == {"255901001": (15, 232), "255901044": (12, 241), "255901107": (17, 487)}
    assert int(district.iloc[0]["chronically_absent_count"]) == 44
    assert int(district.iloc[0]["students_eligible"]) == 960
    assert f"{float(district.iloc[0]['chronic_absence_rate']):.1%}" == "4.6%"


def test_the_227_only_sensitivity_line_holds(grand_bend):
    """The docs' sensitivity line: the rates over the 227 students with events only."""
    result, _written, out = grand_bend
    stays = result.tables["enrollments"]
    with_events = set(stays.loc[~stays["source_file"].eq("Student.xml"), "student_id"])
    assert len(with_events) == 227
    frame = metrics_for_folder(out, definition=load_definition("default"), level="student")
    frame = frame[frame["student_id"].astype(str).isin(with_events)]
    parts = []
    for school, group in frame.groupby(frame["school_id"].astype(str)):
        chronic, eligible = int(group["chronically_absent"].sum()), int(group["eligible"].sum())
        parts.append(f"{school} {chronic}/{eligible} = {chronic / eligible:.1%}")
    chronic, eligible = int(frame["chronically_absent"].sum()), int(frame["eligible"].sum())
    parts.append(f"district {chronic}/{eligible} = {chronic / eligible:.1%}")
    assert parts == [
        "255901001 15/64 = 23.4%",
        "255901044 12/48 = 25.0%",
        "255901107 17/115 = 14.8%",
        "district 44/227 = 19.4%",
    ]
    assert ", ".join(parts) in " ".join(_docs_section().split())


def _doc_line(name: str, definition: str, row) -> str:
    return (
        f"| {name} | {definition} | {int(row.students_eligible)} | "
        f"{int(row.chronically_absent_count)} | {float(row.chronic_absence_rate):.1%} | "
        f"{float(row.ada):.2%} |"
    )
