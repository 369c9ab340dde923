"""Attendance checks against a plain-Python reference, on random small districts.

Validation finds each row's stay with one join, reads the calendar's flag at the date's day
number (not by joining every date), and collapses duplicates by grouping on the stay's row
number and the date (not on student, school and date): this holds only because a valid row
falls in exactly one stay. Random stays (re-entries at one school, stays at two schools at
once, open stays, entries before the calendar starts), calendars with holes and attendance
with deliberate bad rows (unknown school, not enrolled, not instructional, dates outside the
calendar) and duplicates must give what the rules say, row by row: the same rows loaded and
the same lines quarantined for the same reasons.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import duckdb
import hypothesis.strategies as st
from hypothesis import HealthCheck, example, given, settings

from homeroom.contract import attendance as attendance_checks
from homeroom.contract import validate_dataset
from homeroom.definitions import load_definition

FIRST = dt.date(2024, 9, 2)
DAYS = 15  # a calendar of three weeks, every date listed
SCHOOLS = ("S1", "S2")
STUDENTS = ("001", "002", "003")
FRACTIONS = ("", "0.5", "1", "0.25")


@st.composite
def districts(draw: st.DrawFn) -> dict:
    calendar = {(school, day): draw(st.booleans()) for school in SCHOOLS for day in range(DAYS)}
    stays = []  # (student, school, first day, last day or None)
    for student in STUDENTS:
        for school in SCHOOLS:
            cuts = sorted(draw(st.sets(st.integers(-6, DAYS - 1), min_size=0, max_size=4)))
            for entry, last in zip(cuts[::2], cuts[1::2], strict=False):
                stays.append((student, school, entry, last))  # disjoint at one school
            if len(cuts) % 2:
                open_end = draw(st.booleans())
                stays.append((student, school, cuts[-1], None if open_end else cuts[-1]))
    if not stays:
        stays.append(("001", "S1", 0, None))
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(STUDENTS),
                st.sampled_from((*SCHOOLS, "S9")),
                st.one_of(st.integers(-6, -1), st.integers(0, DAYS + 1)),  # and outside it
                st.sampled_from(("excused", "unexcused", "tardy", "present")),
                st.sampled_from(FRACTIONS),
            ),
            min_size=1,
            max_size=40,
        )
    )
    repeats = draw(st.lists(st.sampled_from(rows), max_size=10))  # deliberate duplicates
    return {"calendar": calendar, "stays": stays, "rows": rows + repeats}


def _date(day: int) -> str:
    return (FIRST + dt.timedelta(days=day)).isoformat()


def _write(folder: Path, district: dict) -> None:
    (folder / "schools.csv").write_text(
        "school_id,school_name,district_id,district_name\n"
        + "".join(f"{s},{s} School,D1,Lake\n" for s in SCHOOLS)
    )
    enrolled = {stay[0] for stay in district["stays"]}
    (folder / "students.csv").write_text(
        "student_id\n" + "".join(f"{s}\n" for s in sorted(enrolled))
    )
    (folder / "enrollments.csv").write_text(
        "student_id,school_id,school_year,grade_level,entry_date,exit_date\n"
        + "".join(
            f"{student},{school},2025,01,{_date(entry)},{'' if last is None else _date(last)}\n"
            for student, school, entry, last in district["stays"]
        )
    )
    (folder / "calendar.csv").write_text(
        "calendar_id,school_year,date,instructional\n"
        + "".join(
            f"{school},2025,{_date(day)},{'true' if on else 'false'}\n"
            for (school, day), on in district["calendar"].items()
        )
    )
    (folder / "attendance.csv").write_text(
        "student_id,school_id,date,category,absent_fraction\n"
        + "".join(f"{r[0]},{r[1]},{_date(r[2])},{r[3]},{r[4]}\n" for r in district["rows"])
    )


def _units(category: str, fraction: str) -> int:
    if fraction:
        return round(float(fraction) * 10_000)
    return 10_000 if category in ("excused", "unexcused") else 0


def expected(district: dict) -> tuple[set[tuple], dict[int, str]]:
    """The rules, one row at a time: (rows loaded, {line: kind quarantined})."""
    rejected: dict[int, str] = {}
    valid: dict[tuple[str, str, int], list[tuple[int, int]]] = {}
    for line, (student, school, day, category, fraction) in enumerate(district["rows"], 2):
        if school not in SCHOOLS:
            rejected[line] = "unknown school"
        elif not any(
            s == student and sc == school and entry <= day <= (DAYS - 1 if last is None else last)
            for s, sc, entry, last in district["stays"]
        ):
            rejected[line] = "not enrolled"
        elif not district["calendar"].get((school, day), False):
            rejected[line] = "not instructional"
        else:
            valid.setdefault((student, school, day), []).append((-_units(category, fraction), line))
    loaded = set()
    for (student, school, day), found in valid.items():
        found.sort()  # the larger absence first, then the earlier line
        loaded.add((student, school, _date(day), -found[0][0]))
        rejected.update({line: f"duplicate of {found[0][1]}" for _, line in found[1:]})
    return loaded, rejected


# One stay with one date given twice: the larger absence kept.
ONE_DUPLICATE = {
    "calendar": {(school, day): True for school in SCHOOLS for day in range(DAYS)},
    "stays": [("001", "S1", 0, None), ("002", "S1", 0, 4)],
    "rows": [
        ("001", "S1", 3, "excused", ""),
        ("001", "S1", 3, "excused", "0.5"),
        ("001", "S1", 4, "tardy", ""),
        ("002", "S1", 2, "unexcused", "0.25"),
        ("002", "S1", 2, "unexcused", "0.25"),
        ("002", "S1", 2, "excused", ""),
    ],
}


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(  # a stay entered a week before the calendar starts, absences in that week
    {
        "calendar": {(school, day): day >= DAYS - 3 for school in SCHOOLS for day in range(DAYS)},
        "stays": [("001", "S1", -6, None)],
        "rows": [("001", "S1", day, "excused", "") for day in (-6, -3, -2, -1, 0, DAYS - 1)],
    }
)
@example(ONE_DUPLICATE)
@given(districts())
def test_attendance_checks_match_the_rules_row_by_row(district: dict) -> None:
    _check(district)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(district=ONE_DUPLICATE)
@given(district=districts())
def test_duplicates_found_without_the_bit_strings_too(district: dict, monkeypatch) -> None:
    # Calendars longer than the bit strings allow are grouped by stay and date instead.
    monkeypatch.setattr(attendance_checks, "_DAYS_IN_A_BITMAP", 0)
    _check(district)


def _check(district: dict) -> None:
    folder = Path(tempfile.mkdtemp(prefix="homeroom-equivalence-"))
    try:
        _write(folder, district)
        con = duckdb.connect()
        report = validate_dataset(folder, con, definition=load_definition(None))
        loaded = {
            (student, school, day.isoformat(), units)
            for student, school, day, units in con.execute(
                "SELECT student_id, school_id, date, absent_units FROM attendance"
            ).fetchall()
        }
        quarantine = report.quarantine.assign(kind=report.kinds)
        attendance = quarantine[quarantine["table"] == "attendance"]
        rejected = {
            int(line): f"duplicate of {reason.split()[3]}" if kind == "duplicate" else kind
            for line, kind, reason in zip(
                attendance["line"], attendance["kind"], attendance["reason"], strict=True
            )
        }
        want_loaded, want_rejected = expected(district)
        assert report.quarantine[report.quarantine["table"] != "attendance"].empty
        assert rejected == want_rejected
        assert loaded == want_loaded
        assert report.rows_loaded["attendance"] == len(want_loaded)
        duplicates = sum(k.startswith("duplicate") for k in want_rejected.values())
        assert report.duplicates_collapsed == duplicates
        con.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
