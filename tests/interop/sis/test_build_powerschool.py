"""PowerSchool preset: the fixture is in PowerSchool's own layout (tab-delimited table exports,
MM/DD/YYYY dates, numeric grade levels, Attendance_CodeID into Attendance_Code, Calendar_Day).

Calendar: 3-30 Sept 2024 on weekdays, Labor Day (2 Sept) not in session: 20 instructional days
(3-6: 4, 9-13: 5, 16-20: 5, 23-27: 5, 30: 1).
"""

from __future__ import annotations

import pytest

from interop.sis.helpers import imported, metrics, written


def test_powerschool_export_imports_and_validates(tmp_path):
    result = imported("powerschool")
    stays = result.tables["enrollments"].set_index(["student_id", "school_id"])
    # ExitDate is the first day not enrolled: 10/01/2024 -> last day 2024-09-30 (inclusive).
    assert stays.loc[("1001", "100"), "exit_date"] == "2024-09-30"
    # The ReEnrollments stay with ExitDate 09/13/2024 (a Friday) ended on Thursday the 12th.
    assert stays.loc[("1002", "100"), "exit_date"] == "2024-09-12"
    # Grade_Level 0 is KG, -1 is PK; FedEthnicity 1 makes the student Hispanic/Latino.
    assert stays.loc[("1002", "200"), "grade_level"] == "KG"
    assert stays.loc[("1003", "100"), "grade_level"] == "PK"
    students = result.tables["students"].set_index("student_id")
    assert students.loc["1003", "race_ethnicity"] == "hispanic_latino"
    assert students.loc["1001", "race_ethnicity"] == "black"
    assert students.loc["1001", "birth_date"] == "2015-04-12"
    assert any("1 of 10 rows left aside" in n for n in result.notes)  # the meeting-mode row
    out = written(result, tmp_path)
    # The only quarantined row: an absence dated on the ExitDate itself (not a membership day),
    # traced to its line in the SIS file.
    q = out.quarantine
    assert len(q) == 1
    row = q.iloc[0]
    assert (row["source_file"], int(row["source_line"])) == ("Attendance.txt", 8)
    assert "not enrolled" in row["reason"]
    assert out.validation.rows_loaded["attendance"] == 8


@pytest.mark.parametrize(
    ("definition", "absent_1001"),
    [
        # 1001: A (1) + E (1) + H half day excused (0.5) + T tardy (0) + S (1) = 3.5 days.
        ("default", 3.5),
        # Under the half-day rule the half day counts whole: 1 + 1 + 1 + 0 + 1 = 4 days.
        ("edfacts", 4.0),
    ],
)
def test_powerschool_metrics_by_hand(tmp_path, definition, absent_1001):
    written(imported("powerschool"), tmp_path, definition)
    m = metrics(tmp_path, definition)
    assert m.loc[("100", "1001"), "days_enrolled"] == 20
    assert m.loc[("100", "1001"), "days_absent"] == pytest.approx(absent_1001)
    # 3.5/20 = 17.5% and 4/20 = 20%: chronic either way.
    assert bool(m.loc[("100", "1001"), "chronically_absent"])
    # 1002 at school 100: 3-6 and 9-12 Sept = 8 days (9 if ExitDate were read as inclusive),
    # one absence on the 12th; at school 200 from 16 Sept: 16-20, 23-27, 30 = 11 days, 1 absent.
    assert m.loc[("100", "1002"), "days_enrolled"] == 8
    assert m.loc[("100", "1002"), "days_absent"] == 1
    assert m.loc[("200", "1002"), "days_enrolled"] == 11
    assert m.loc[("200", "1002"), "days_absent"] == 1
    # 1003: a blank (present) code and a period-only meeting row: no absence.
    assert m.loc[("100", "1003"), "days_enrolled"] == 20
    assert m.loc[("100", "1003"), "days_absent"] == 0
