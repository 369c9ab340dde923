"""The faster Ed-Fi JSON path gives exactly what the simple path gives.

Two things were made faster: reading an array of one object per line a line at a time
(`json_fast`, else the whole-text reader), and keeping StudentSchoolAttendanceEvents as columns
converted once per distinct value (`event_columns`, `school_rows`) instead of one dict per event
converted one by one (kept in `reference_events`). Each is checked against the simple path: on
synthetic districts (movers, several years and districts), on every layout of a file, and on
events with odd values (numbers as text, booleans, bad dates, wrong school years, unknown
descriptors, durations that are not numbers).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeroom.contract.errors import ContractError
from homeroom.interop import ImportResult
from homeroom.interop.edfi import event_columns, import_edfi, json_reader
from homeroom.interop.edfi.attendance import Mapper
from homeroom.interop.edfi.calendar import Calendars, calendar_table
from homeroom.interop.edfi.descriptors import load_descriptor_map
from homeroom.interop.edfi.event_columns import SchoolEvents
from homeroom.interop.edfi.json_fast import NotOneItemPerLine
from homeroom.interop.edfi.json_reader import read_json_records
from homeroom.interop.edfi.json_writer import write_edfi_json
from homeroom.interop.edfi.organizations import schools_table
from homeroom.interop.edfi.school_rows import school_event_rows, seen_in_school_events
from homeroom.synth import generate
from interop.edfi.reference_events import reference_rows, reference_seen

EVENTS = "studentSchoolAttendanceEvents"
DISTRICTS = {
    "one year": {"students": 300, "schools": 4, "years": 1, "seed": 11},
    "movers over two years and two districts": {
        "students": 240, "schools": 4, "years": 2, "seed": 12, "districts": 2,
    },
    "many absences": {"students": 150, "schools": 3, "years": 1, "seed": 13, "chronic_rate": 0.6},
}  # fmt: skip


def _refuse(_path: Path):
    raise NotOneItemPerLine
    yield  # a generator, like items_by_line


@pytest.fixture
def simple_path(monkeypatch):
    """Every file read whole by json_reader, as before the line-at-a-time reader."""
    monkeypatch.setattr(json_reader, "items_by_line", _refuse)
    monkeypatch.setattr(event_columns, "items_by_line", _refuse)


@pytest.fixture(scope="module")
def districts(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for name, shape in DISTRICTS.items():
        base = tmp_path_factory.mktemp("district")
        generate(base / "synth", **shape)
        write_edfi_json(base / "synth", base / "edfi")
        out[name] = base / "edfi"
    return out


def _account(result: ImportResult) -> tuple:
    return (
        result.source_kind,
        result.read,
        result.assumptions,
        result.notes,
        result.mappings,
        result.rejected_rows,
    )


@pytest.mark.parametrize("name", list(DISTRICTS))
def test_a_district_reads_the_same_line_by_line_as_whole(districts, name, monkeypatch):
    fast = import_edfi(districts[name])
    assert SchoolEvents().read_file(districts[name] / f"{EVENTS}.json")  # the fast path ran
    monkeypatch.setattr(json_reader, "items_by_line", _refuse)
    monkeypatch.setattr(event_columns, "items_by_line", _refuse)
    assert SchoolEvents().read_file(districts[name] / f"{EVENTS}.json") is None
    simple = import_edfi(districts[name])
    assert sorted(fast.tables) == sorted(simple.tables)
    for table, frame in simple.tables.items():
        pd.testing.assert_frame_equal(fast.tables[table], frame, obj=table)
    assert _account(fast) == _account(simple)


@pytest.mark.parametrize("name", list(DISTRICTS))
def test_a_district_converts_as_the_per_record_reference(districts, name, simple_path):
    """The events' rows and what they name, against the per-record conversion."""
    folder = districts[name]
    resources = {
        path.stem: read_json_records(path, ImportResult("t", {}), "t")
        for path in sorted(folder.glob("*.json"))
    }
    records = resources[EVENTS]
    event_days, attended, referenced = reference_seen(records)
    _schools, minutes = schools_table(resources, ImportResult("t", {}), referenced)
    descriptors = load_descriptor_map(None)
    calendars = calendar_table(resources, descriptors, ImportResult("t", {}), event_days)
    expected, got = ImportResult("t", {}), ImportResult("t", {})
    want = reference_rows(records, Mapper(descriptors), minutes, expected, calendars)
    events = SchoolEvents()
    events.add_records(records)
    mapper = Mapper(descriptors)
    have = school_event_rows(events, mapper, minutes, got, calendars)
    pd.testing.assert_frame_equal(have, want)
    assert (got.notes, got.rejected_rows) == (expected.notes, expected.rejected_rows)
    seen: tuple[defaultdict, dict, set] = (defaultdict(set), {}, set())
    seen_in_school_events(events, *seen)
    assert (dict(seen[0]), seen[1], seen[2]) == (event_days, attended, referenced)
    assert len(want) > 1000 and want["source_line"].min() == 2


# -- events with odd values -----------------------------------------------------------------------
SCALARS = [None, "", " ", 0, 1, 2, "1", " 2 ", 1.0, 2.5, True, False, "x", [], {}, [1]]
YEARS = [None, "", 2024, 2025, "2025", " 2024 ", "2024-2025", 2025.0, True, "x"]
DATES = [
    None, "", "2024-09-03", "2024-09-07", "2024-09-08", "2025-05-01", "2023-09-05", "2024-9-3",
    "2024-09-03T08:00:00", "20240903", "bad", 20240903, "2024-13-01", "  2024-09-04  ",
]  # fmt: skip
DESCRIPTORS = [
    None, "", 3,
    "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Excused Absence",
    "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Unexcused Absence",
    "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Tardy",
    "uri://ed-fi.org/AttendanceEventCategoryDescriptor#In Attendance",
    "In Attendance", "uri://district.org/AttendanceEventCategoryDescriptor#Field trip",
]  # fmt: skip
AMOUNTS = [None, "", 30, "30", 0.5, "0.50", "1E+1", "abc", "sNaN", True, 1.0, " 0.25 ", [2]]


def _reference(key: str, value: object) -> object:
    return st.sampled_from([{key: value}, {}, {"other": value}, str(value), None])


@st.composite
def event(draw: st.DrawFn) -> dict:
    record: dict = {}
    pick = draw(st.sets(st.sampled_from(["year", "sessionYear", "calendarYear", "typeYear"])))
    for key, value in (
        ("studentReference", draw(_reference("studentUniqueId", draw(st.sampled_from(
            ["S1", "S2", " S3 ", "", 7, None, 7.0]))))),
        ("schoolReference", draw(_reference("schoolId", draw(st.sampled_from(
            [1, 2, "1", " 2 ", 1.0, 3, None, "", True]))))),
        ("eventDate", draw(st.sampled_from(DATES))),
        ("attendanceEventCategoryDescriptor", draw(st.sampled_from(DESCRIPTORS))),
        ("schoolAttendanceDuration", draw(st.sampled_from(AMOUNTS))),
        ("eventDuration", draw(st.sampled_from(AMOUNTS))),
        ("schoolYear", draw(st.sampled_from(YEARS)) if "year" in pick else ...),
        ("sessionReference", {"schoolYear": draw(st.sampled_from(YEARS))}
         if "sessionYear" in pick else ...),
        ("calendarReference", {"schoolYear": draw(st.sampled_from(YEARS))}
         if "calendarYear" in pick else ...),
        ("schoolYearTypeReference", draw(_reference("schoolYear", draw(st.sampled_from(YEARS))))
         if "typeYear" in pick else ...),
        ("_file", "e.json"),
        ("_line", draw(st.one_of(st.none(), st.integers(1, 50)))),
    ):  # fmt: skip
        if value is not ... and draw(st.integers(0, 9)):
            record[key] = value
    return record


def _calendars() -> Calendars:
    def days(first: dt.date, count: int) -> list[dt.date]:
        return [first + dt.timedelta(days=n) for n in range(count)]

    calendars = Calendars(pd.DataFrame())
    calendars.instructional = {
        ("1", "2025"): days(dt.date(2024, 9, 2), 240),
        ("1", "2024"): days(dt.date(2023, 9, 4), 240),
        ("2", "2025"): days(dt.date(2024, 9, 2), 240),
        ("3", "2025"): [],
    }
    return calendars


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(event(), max_size=25))
def test_odd_events_convert_as_the_per_record_reference(records):
    descriptors = load_descriptor_map(None)
    calendars, minutes = _calendars(), {"1": 360}
    expected, got = ImportResult("t", {}), ImportResult("t", {})
    reference_mapper, mapper = Mapper(descriptors), Mapper(descriptors)
    want = reference_rows(
        [dict(r) for r in records], reference_mapper, minutes, expected, calendars
    )
    events = SchoolEvents()
    events.add_records(records)
    have = school_event_rows(events, mapper, minutes, got, calendars)
    pd.testing.assert_frame_equal(have, want)
    assert (got.notes, got.rejected_rows) == (expected.notes, expected.rejected_rows)
    assert mapper.used == reference_mapper.used
    event_days, attended, referenced = reference_seen(records)
    seen: tuple[defaultdict, dict, set] = (defaultdict(set), {}, set())
    seen_in_school_events(events, *seen)
    assert (dict(seen[0]), seen[1], seen[2]) == (event_days, attended, referenced)


# -- every layout of a file reads the same ------------------------------------------------------
ITEMS = [
    {"eventDate": "2024-09-03", "schoolReference": {"schoolId": 1}, "n": 12345678901234567890123},
    {"eventDate": "2024-09-04", "text": "é ✓", "x": 2.5, "none": None, "flag": True},
    {"eventDate": "2024-09-05", "nested": [{"a": [1, 2]}, {}], "big": 18446744073709551615},
]


def _layouts() -> dict[str, bytes]:
    lines = [json.dumps(item, ensure_ascii=False) for item in ITEMS]
    one_per_line = "[\n" + ",\n".join(lines) + "\n]\n"
    return {
        "homeroom's": one_per_line.encode(),
        "crlf and spaces": ("[ \r\n  " + " ,\r\n  ".join(lines) + "\r\n ] \r\n").encode(),
        "pretty": json.dumps(ITEMS, indent=1, ensure_ascii=False).encode(),
        "all on one line": json.dumps(ITEMS).encode(),
        "two on a line": ("[\n" + lines[0] + "," + lines[1] + ",\n" + lines[2] + "\n]").encode(),
        "blank line": one_per_line.replace(",\n", ",\n\n", 1).encode(),
        "trailing comma": one_per_line.replace("\n]", ",\n]").encode(),
        "missing comma": one_per_line.replace(",\n", "\n", 1).encode(),
        "truncated": one_per_line[:-3].encode(),
        "text after": (one_per_line + "x").encode(),
        "a number item": one_per_line.replace("[\n", "[\n5,\n").encode(),
        "NaN": one_per_line.replace("2.5", "NaN").encode(),
        "bom": b"\xef\xbb\xbf" + one_per_line.encode(),
        "utf-16": one_per_line.encode("utf-16"),
        "latin-1": one_per_line.encode("latin-1", errors="replace"),
        "empty array": b"[\n]\n",
        "empty": b"",
    }


@pytest.mark.parametrize("layout", list(_layouts()))
def test_every_layout_reads_as_the_whole_text_reader_reads_it(tmp_path, layout, monkeypatch):
    path = tmp_path / f"{EVENTS}.json"
    path.write_bytes(_layouts()[layout])

    def read() -> tuple:
        result = ImportResult("t", {})
        try:
            records = read_json_records(path, result, "attendance")
        except ContractError as error:
            return ("error", str(error))
        return records, result.rejected_rows, result.notes

    fast = read()
    monkeypatch.setattr(json_reader, "items_by_line", _refuse)
    assert fast == read()
    if layout in ("homeroom's", "crlf and spaces"):
        assert [r["_line"] for r in fast[0]] == [2, 3, 4]
        assert fast[0][0]["n"] == 12345678901234567890123  # not turned into a float
