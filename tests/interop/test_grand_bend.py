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
DOCS = Path(__file__).resolve().parents[2] / "docs" / "interop.md"
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
    assert "grade level unknown for those 227 stays" in said
    assert "733 student(s) have neither an enrollment nor an attendance event" in said
    assert "the calendar lists 0 instructional date(s) but its sessions say 169" in said
    assert "the calendar lists 2 instructional date(s) but its sessions say 169" in said
    assert "85 weekdays but totalInstructionalDays 81" in said
    assert "104 weekdays but totalInstructionalDays 88" in said
    assert "school 255901001's day is 430 minutes" in said
    assert any("2022-05-15 (Sunday)" in note for note in result.notes)
    report = written.report_path.read_text(encoding="utf-8")
    assert "What was assumed" in report and "733 student(s)" in report


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
    students = quarantine[quarantine["table"].eq("students")]
    assert len(students) == 733
    assert set(students["reason"]) == {
        "the student has no valid enrollment (no stay passed the checks)"
    }


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
    # The hand figures behind the docs: 15/64, 12/48, 17/115, 44/227.
    counts = dict(
        zip(schools["school_id"].astype(str), schools["chronically_absent_count"], strict=True)
    )
    assert counts == {"255901001": 15, "255901044": 12, "255901107": 17}
    assert int(district.iloc[0]["chronically_absent_count"]) == 44
    assert int(district.iloc[0]["students_eligible"]) == 227


def _doc_line(name: str, definition: str, row) -> str:
    return (
        f"| {name} | {definition} | {int(row.students_eligible)} | "
        f"{int(row.chronically_absent_count)} | {float(row.chronic_absence_rate):.1%} | "
        f"{float(row.ada):.2%} |"
    )
