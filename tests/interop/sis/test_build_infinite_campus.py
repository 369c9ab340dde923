"""Infinite Campus preset: period rows with minutes absent and the day's instructional minutes,
no calendar export (weekdays from the first to the last date seen: 3-27 Sept 2024 = 19 days),
no schools export (day_minutes 390, the day length the rows give most often)."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeroom.interop.sis import import_sis
from interop.sis.helpers import imported, metrics, written


def test_infinite_campus_folds_minutes_into_days(tmp_path):
    result = imported("infinite-campus")
    days = result.tables["attendance"].set_index(["student_id", "date"])
    # Two period rows on 5 Sept: 100 excused + 60 unexcused = 160 minutes, excused (the most).
    assert days.loc[("5001", "2024-09-05"), "category"] == "excused"
    assert days.loc[("5001", "2024-09-05"), "minutes_absent"] == "160"
    # Unknown code XYZ falls back to its status/excuse pair A/E: excused.
    assert days.loc[("5001", "2024-09-11"), "category"] == "excused"
    # An early-release day of 240 minutes, 120 missed: half of it, 195 of the school's 390.
    assert days.loc[("5002", "2024-09-12"), "minutes_absent"] == "195"
    # The row after a quoted comment with a line break is line 5 of the file, not 4.
    assert days.loc[("5001", "2024-09-06"), "source_line"] == 6
    assert result.tables["schools"].iloc[0]["day_minutes"] == "390"
    out = written(result, tmp_path)
    assert out.quarantine.empty
    students = result.tables["students"].set_index("student_id")
    assert students.loc["5002", "race_ethnicity"] == "hispanic_latino"
    assert result.tables["enrollments"].set_index("student_id").loc["5002", "grade_level"] == "KG"


@pytest.mark.parametrize(
    ("definition", "absent_5001", "absent_5002"),
    [
        # 5001: 200 + 160 + 390 + 90 = 840 of 390 minutes a day (a 15-minute tardy counts 0).
        # 5002: 195/390 (half of a short day) + 390/390 (no minutes: the whole day) = 1.5.
        ("default", 840 / 390, 1.5),
        # Half-day rule: 200/390 >= 1/2 -> 1; 160, 15, 90 < 195 -> 0; 390 -> 1: 2 days.
        # 5002: 195/390 = 1/2 exactly -> 1; whole day -> 1: 2 days.
        ("edfacts", 2.0, 2.0),
    ],
)
def test_infinite_campus_metrics_by_hand(tmp_path, definition, absent_5001, absent_5002):
    written(imported("infinite-campus"), tmp_path, definition)
    m = metrics(tmp_path, definition)
    assert m.loc[("12", "5001"), "days_enrolled"] == 19
    assert m.loc[("12", "5001"), "days_absent"] == pytest.approx(absent_5001, abs=1e-9)
    assert m.loc[("12", "5002"), "days_enrolled"] == 19  # open stay: to the calendar's end
    assert m.loc[("12", "5002"), "days_absent"] == pytest.approx(absent_5002, abs=1e-9)


def test_a_mover_on_two_enrollment_rows_is_one_student(tmp_path):
    """Infinite Campus repeats a mover's demographics on each enrollment row: one student."""
    folder = tmp_path / "ic"
    folder.mkdir()
    fixtures = Path(__file__).parent / "fixtures" / "infinite-campus"
    for source in fixtures.iterdir():
        (folder / source.name).write_bytes(source.read_bytes())
    enrollments = folder / "Enrollments.csv"
    text = enrollments.read_text()
    # 5001 leaves school 12 on 27 Sept; give them a second stay (same demographics) at school 14.
    mover = '5001,"Nguyen, Jr.",Tam,05/05/2014,M,3,14,05,09/30/2024,,\n'
    # And a student whose two rows disagree (another birth date): passed on to validation.
    clash = (
        "5003,Ray,Ana,01/02/2015,F,6,12,04,09/03/2024,09/27/2024,\n"
        "5003,Ray,Ana,01/03/2015,F,6,14,04,09/30/2024,,\n"
    )
    enrollments.write_text(text.rstrip("\n") + "\n" + mover + clash)
    result = import_sis("infinite-campus", sorted(folder.iterdir()))
    students = result.tables["students"]
    assert (students["student_id"] == "5001").sum() == 1
    assert (students["student_id"] == "5003").sum() == 2
    assert any("repeat an earlier row of the same student exactly" in n for n in result.notes)
    out = written(result, tmp_path / "out")
    rejected = out.quarantine[out.quarantine["table"] == "students"]
    assert len(rejected) == 1 and "duplicate" in rejected.iloc[0]["reason"]
