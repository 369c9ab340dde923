"""Ed-Fi XML interchange files: the same district as `lakeview-json`, written as interchanges,
gives the same canonical tables; rows keep their XML lines; malformed XML is refused clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeroom.contract.errors import ContractError
from homeroom.interop.edfi import import_edfi
from homeroom.interop.edfi.xml_reader import read_xml_records

FIXTURES = Path(__file__).parent / "fixtures"
XML = FIXTURES / "lakeview-xml"
ATTENDANCE = XML / "StudentAttendance.xml"


def _plain(frame):
    columns = [c for c in frame.columns if not c.startswith("source_")]
    return frame[columns].astype("string").fillna("").reset_index(drop=True)


def test_xml_gives_the_same_tables_as_json():
    from_xml = import_edfi(XML)
    from_json = import_edfi(FIXTURES / "lakeview-json")
    assert set(from_xml.tables) == set(from_json.tables)
    for name, frame in from_json.tables.items():
        assert _plain(from_xml.tables[name]).equals(_plain(frame)), name
    # The XML gives the day length only through class periods: stated as an assumption.
    assert any("360 minutes" in a for a in from_xml.assumptions)


def test_rows_keep_the_line_where_their_element_starts():
    result = import_edfi(XML)
    attendance = result.tables["attendance"]
    assert attendance["source_file"].unique().tolist() == ["StudentAttendance.xml"]
    lines = ATTENDANCE.read_text(encoding="utf-8").splitlines()
    for line in attendance["source_line"]:
        assert lines[int(line) - 1].strip() == "<StudentSchoolAttendanceEvent>"
    enrollments = result.tables["enrollments"]
    assert enrollments["source_line"].tolist() == [3, 10]


def test_references_by_id_are_resolved():
    records = read_xml_records(XML / "EducationOrganization.xml")
    school = records["schools"][0]
    assert school["localEducationAgencyReference"] == {"localEducationAgencyId": "255901"}
    assert records["classPeriods"][0]["schoolReference"] == {"schoolId": "255901001"}


def test_a_mixed_folder_of_json_and_xml(tmp_path):
    folder = tmp_path / "mixed"
    shutil.copytree(XML, folder)
    (folder / "StudentAttendance.xml").unlink()
    shutil.copy(FIXTURES / "lakeview-json" / "studentSchoolAttendanceEvents.json", folder)
    (folder / "notes.txt").write_text("hello", encoding="utf-8")
    result = import_edfi(folder)
    assert len(result.tables["attendance"]) == 5
    assert result.source_kind == "Ed-Fi (ODS/API JSON, XML interchange)"
    assert any("notes.txt" in n for n in result.notes)


def test_entities_are_refused(tmp_path):
    path = tmp_path / "Student.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa">]>'
        "<InterchangeStudent><Student><StudentUniqueId>&a;</StudentUniqueId></Student>"
        "</InterchangeStudent>",
        encoding="utf-8",
    )
    with pytest.raises(ContractError, match="Student.xml: refused: the XML uses a DTD"):
        read_xml_records(path)


def test_truncated_xml_names_file_and_line(tmp_path):
    path = tmp_path / "StudentAttendance.xml"
    text = ATTENDANCE.read_text(encoding="utf-8")
    path.write_text(
        text[: text.index("<StudentSchoolAttendanceEvent>", 300) + 40], encoding="utf-8"
    )
    with pytest.raises(
        ContractError, match=r"StudentAttendance.xml, line 10, column \d+: not well"
    ):
        read_xml_records(path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.floats(0, 1),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]),
    junk=st.sampled_from(["", "é", "<", "&", "\x00", "\ufeff", "]]>", "<Extra/>"]),
    where=st.floats(0, 1),
)
def test_fuzzed_xml_is_read_or_refused_clearly(tmp_path, cut, encoding, junk, where):
    text = ATTENDANCE.read_text(encoding="utf-8").replace("Excused", "Excusé")
    if encoding == "utf-16":
        text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    at = int(len(text) * where)
    text = text[:at] + junk + text[at:]
    data = text.encode(encoding, errors="replace")
    if cut < 0.3:
        data = data[: int(len(data) * cut / 0.3)]
    path = tmp_path / "StudentAttendance.xml"
    path.write_bytes(data)
    try:
        records = read_xml_records(path)
    except ContractError as error:
        assert "StudentAttendance.xml" in str(error)
        return
    events = records.get("studentSchoolAttendanceEvents", [])
    # A file that parsed holds every element it has: nothing dropped silently.
    assert len(events) == text.count("<StudentSchoolAttendanceEvent>") or junk == "<Extra/>"
    assert all(isinstance(e.get("_line"), int) for e in events)
