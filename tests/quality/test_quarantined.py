"""quality/quarantined: the monitors that read the quarantine (overlapping stays, unknown codes,
attendance without enrollment)."""

from __future__ import annotations

import pytest

from datasets import records
from quality.district import DAYS, YEAR, district, line_of, monitors


def test_overlapping_stays_are_shown_from_the_quarantine(tmp_path):
    b = district()
    b.stay("X1", "S1", YEAR, DAYS[0])
    b.stay("X1", "S1", YEAR, DAYS[50])  # overlaps the open stay at the same school
    monitor = monitors(tmp_path, b)["overlapping_stays"]
    assert monitor.status == "warning"
    assert records(monitor.rows) == [
        {"file": "enrollments.csv", "line": line_of(b, "enrollments", student_id="X1",
         entry_date=DAYS[50].isoformat()), "kept_school_id": "S1", "kept_from": "2024-09-02",
         "kept_to": "the end of the year",
         "kept_line": line_of(b, "enrollments", student_id="X1", school_id="S1")},
    ]  # fmt: skip
    assert monitor.summary.startswith("1 stay left out")


def test_unmapped_codes_are_grouped_with_their_first_line(tmp_path):
    b = district()
    b.code("A", "unexcused").code("E", "excused")
    b.absent("A01", "S1", DAYS[1], code="Q")
    b.absent("A02", "S1", DAYS[2], category="sick")
    b.absent("A03", "S1", DAYS[3], code="Q")
    b.absent("A04", "S1", DAYS[4], code="ZZ")
    b.absent("A05", "S1", DAYS[5], code="Q")
    b.absent("A06", "S1", DAYS[6], code="E")  # known: loads
    monitor = monitors(tmp_path, b)["unmapped_codes"]
    assert monitor.status == "warning"
    assert monitor.count == 5
    assert records(monitor.rows) == [
        {"table": "attendance", "column": "code", "value": "Q", "rows": 3,
         "first_file": "attendance.csv", "first_line": line_of(b, "attendance", code="Q")},
        {"table": "attendance", "column": "category", "value": "sick", "rows": 1,
         "first_file": "attendance.csv",
         "first_line": line_of(b, "attendance", category="sick")},
        {"table": "attendance", "column": "code", "value": "ZZ", "rows": 1,
         "first_file": "attendance.csv", "first_line": line_of(b, "attendance", code="ZZ")},
    ]  # fmt: skip
    assert monitor.summary == "3 unknown values on 5 rows: 'Q' (3), 'sick' (1), 'ZZ' (1)"


def test_attendance_without_enrollment_is_grouped_by_school(tmp_path):
    b = district()
    b.absent("A01", "S2", DAYS[3], "unexcused")  # A01 is enrolled at S1, not S2
    b.absent("A01", "S2", DAYS[4], "unexcused")
    b.absent("GHOST", "S1", DAYS[5], "unexcused")  # no stay anywhere
    monitor = monitors(tmp_path, b)["attendance_without_enrollment"]
    assert monitor.status == "warning"
    assert monitor.count == 3
    assert records(monitor.rows) == [
        {"school_id": "S2", "rows": 2, "dates": 2, "first_date": "2024-09-05",
         "last_date": "2024-09-06", "first_file": "attendance.csv",
         "first_line": line_of(b, "attendance", student_id="A01", school_id="S2")},
        {"school_id": "S1", "rows": 1, "dates": 1, "first_date": "2024-09-09",
         "last_date": "2024-09-09", "first_file": "attendance.csv",
         "first_line": line_of(b, "attendance", student_id="GHOST")},
    ]  # fmt: skip
    assert (
        monitor.summary == "3 attendance rows at 2 schools on dates the student had no stay there"
    )


@pytest.mark.parametrize("key", ["overlapping_stays", "unmapped_codes"])
def test_monitors_that_read_the_quarantine_say_when_there_is_none(tmp_path, key):
    import duckdb

    from datasets import write_dataset
    from homeroom.contract import validate_dataset
    from homeroom.definitions import load_definition
    from homeroom.quality import run_monitors

    write_dataset(tmp_path, district().data())
    con = duckdb.connect()
    validate_dataset(tmp_path, con, definition=load_definition("default"))
    found = {m.key: m for m in run_monitors(con)}
    assert found[key].status == "info"
    assert "no quarantine" in found[key].summary
