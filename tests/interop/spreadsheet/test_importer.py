"""import_spreadsheet on hand-written files whose metrics are worked out by hand below."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from homeroom.contract.errors import ContractError
from homeroom.definitions import load_definition
from homeroom.interop import write_import
from homeroom.interop.spreadsheet import import_spreadsheet
from homeroom.pipeline import metrics_for_folder

FIXTURES = Path(__file__).parent / "fixtures"


def _loaded(tmp_path: Path, source: Path, definition: str = "default", **options):
    result = import_spreadsheet(source, **options)
    written = write_import(result, tmp_path / "data", definition=load_definition(definition))
    return result, written


def _students(tmp_path: Path, definition: str = "default") -> pd.DataFrame:
    # The default as-of date: the import marks attendance recorded through the year's last day,
    # so the year totals are counted whole without naming a date.
    frame = metrics_for_folder(tmp_path / "data", definition=load_definition(definition))
    return frame.set_index(["student_id", "school_id"])


def test_tracker_xlsx_with_a_title_block(tmp_path):
    result, written = _loaded(tmp_path, FIXTURES / "tracker.xlsx")
    # 11 records (the blank sheet row 11 is not one): 7 imported, 4 rejected.
    assert result.read[0].records == 11
    assert len(result.tables["enrollments"]) == 7
    rejected = {(r[2], r[3]): r[4] for r in result.rejected_rows}
    assert rejected == {
        (12, "Days Absent"): "Days Absent 200 is more than Days Enrolled 160",
        (13, "Days in Membership"): (
            "Days in Membership '2025-06-01' is a date, not a number of days"
        ),
        (16, "Student ID"): "duplicate of row 7 for the same student, school and school year; "
        "kept the first",
        (17, "Days Absent"): "Days Absent 'twelve' is not a number",
    }
    assert written.validation.quarantine.empty  # everything imported is valid
    # The school year and district come from the title block.
    assert set(result.tables["enrollments"]["school_year"]) == {"2025"}
    assert set(result.tables["schools"]["district_name"]) == {"Maple Valley USD"}
    mapped = {(m.kind, m.source): m.target for m in result.mappings}
    assert mapped[("race/ethnicity", "Hispanic")] == "hispanic_latino"
    assert mapped[("race/ethnicity", "Black or African American")] == "black"
    assert mapped[("race/ethnicity", "Pacific Islander")] == "native_hawaiian_pacific_islander"
    assert mapped[("gender", "Female")] == "F"
    assert mapped[("grade", "K")] == "KG"
    assert mapped[("SED flag", "Y")] == "true"
    assert any("placed evenly" in a for a in result.assumptions)
    assert any("UNSPLIT" in a and "2 rows" in a for a in result.assumptions)

    m = _students(tmp_path)
    # Hand-computed: days enrolled, absent, excused, unexcused, suspended, chronic, tier.
    expected = {
        ("1001", "101"): (180, 18, 10, 6, 2, True, "moderate_chronic"),  # 18/180 = 10%
        ("1002", "101"): (180, 17.5, 17.5, 0, 0, False, "at_risk"),  # 9.7%
        ("1003", "101"): (9, 1, 0, 1, 0, False, None),  # 9 days: not eligible
        ("1004", "102"): (170, 40, 10, 30, 0, True, "severe_chronic"),  # 10 unsplit -> unexcused
        ("1005", "102"): (100, 5, 0, 5, 0, False, "at_risk"),  # all 5 unsplit
        ("1008", "101"): (60, 6, 0, 6, 0, True, "moderate_chronic"),  # mover: first school
        ("1008", "102"): (100, 5, 5, 0, 0, False, "at_risk"),  # then the second
    }
    assert len(m) == len(expected)
    for key, (enrolled, absent, excused, unexcused, suspended, chronic, tier) in expected.items():
        row = m.loc[key]
        assert row["days_enrolled"] == enrolled
        assert row["days_absent"] == pytest.approx(absent)
        assert (row["days_excused"], row["days_unexcused"], row["days_suspended"]) == (
            pytest.approx(excused),
            pytest.approx(unexcused),
            pytest.approx(suspended),
        )
        assert bool(row["chronically_absent"]) is chronic
        assert (row["tier"] if isinstance(row["tier"], str) else None) == tier
    schools = metrics_for_folder(
        tmp_path / "data", definition=load_definition(), level="school"
    ).set_index("school_id")
    # Lincoln: 1001, 1002, 1003 (ineligible), 1008 -> 2 chronic of 3 eligible.
    assert schools.loc["101", "students_enrolled"] == 4
    assert schools.loc["101", "chronic_absence_rate"] == pytest.approx(2 / 3)
    assert schools.loc["101", "ada"] == pytest.approx(float(Fraction(3865, 4290)))
    # Jefferson: 1004 chronic; 1005 and 1008 not.
    assert schools.loc["102", "chronic_absence_rate"] == pytest.approx(1 / 3)


def test_oak_high_csv_days_present_and_x_flags(tmp_path):
    result, written = _loaded(tmp_path, FIXTURES / "oak-high.csv")
    assert result.read[0].records == 5
    # The quoted name spans lines 3-4, so the last row is line 7.
    assert result.rejected_rows == [
        ("enrollments", "oak-high.csv", 7, "Days Enrolled", "Days Enrolled '-5' is negative")
    ]
    students = result.tables["students"].set_index("student_id")
    assert students.loc["2001", ["last_name", "first_name"]].tolist() == ["Lopez", "Maria"]
    assert students.loc["2002", "homeless"] == "true"  # X marks: empty cells mean no
    assert students.loc["2001", "homeless"] == "false"
    assert any("X" in a for a in result.assumptions)
    assert result.tables["schools"]["school_id"].tolist() == ["Oak High"]
    m = _students(tmp_path)
    # Days Absent = Days Enrolled - Days Present.
    assert m.loc[("2001", "Oak High"), "days_absent"] == 18  # 18/175: chronic
    assert bool(m.loc[("2001", "Oak High"), "chronically_absent"])
    assert m.loc[("2002", "Oak High"), "days_excused"] == 4.5
    assert m.loc[("2002", "Oak High"), "tier"] == "satisfactory"  # 4.5/175 = 2.6%
    assert m.loc[("2003", "Oak High"), "days_suspended"] == 9  # 9/90 = 10%: chronic
    assert bool(m.loc[("2003", "Oak High"), "chronically_absent"])
    assert m.loc[("2004", "Oak High"), "days_absent"] == 0
    # 4.5 -> 4 + a half; and one present row marking attendance recorded to the last day.
    assert written.validation.rows_loaded["attendance"] == 18 + 5 + 9 + 1


def test_half_day_rule_counts_a_half_day_remainder_as_a_day(tmp_path):
    _loaded(tmp_path, FIXTURES / "oak-high.csv", definition="edfacts")
    m = _students(tmp_path, "edfacts")
    assert m.loc[("2002", "Oak High"), "days_absent"] == 5  # 4.5 placed as 4 + 0.5 -> 5


def test_school_year_from_the_option_and_conflicts(tmp_path):
    source = tmp_path / "plain.csv"
    source.write_text("Student ID,School,Grade,Days Enrolled,Days Absent\n7,A,3,100,10\n")
    with pytest.raises(ContractError, match="no school year.*--school-year"):
        import_spreadsheet(source)
    result = import_spreadsheet(source, school_year=2024)
    assert result.tables["enrollments"]["school_year"].tolist() == ["2024"]
    assert result.tables["calendar"]["date"].iloc[0] == "2023-08-15"
    titled = tmp_path / "titled.csv"
    titled.write_text(
        "Attendance 2022-23\nStudent ID,School,Grade,Days Enrolled,Days Absent\n7,A,3,9,1\n"
    )
    assert import_spreadsheet(titled).tables["enrollments"]["school_year"].tolist() == ["2023"]
    with pytest.raises(ContractError, match="title says school year 2022-23 but --school-year"):
        import_spreadsheet(titled, school_year=2025)


def test_files_that_cannot_be_read_say_why(tmp_path):
    no_header = tmp_path / "names.csv"
    no_header.write_text("Name,Phone\nAnn,555\n")
    with pytest.raises(ContractError, match="names.csv: no header row naming a student id"):
        import_spreadsheet(no_header)
    not_xlsx = tmp_path / "fake.xlsx"
    not_xlsx.write_bytes(b"not a zip")
    with pytest.raises(ContractError, match="fake.xlsx cannot be opened"):
        import_spreadsheet(not_xlsx)
    no_school = tmp_path / "noschool.csv"
    no_school.write_text("Student ID,Days Enrolled,Days Absent\n1,10,1\n")
    with pytest.raises(ContractError, match="needs a School"):
        import_spreadsheet(no_school, school_year=2025)
    with pytest.raises(ContractError, match="does not exist"):
        import_spreadsheet(tmp_path / "missing.csv")
    odd = tmp_path / "tracker.ods"
    shutil.copy(FIXTURES / "oak-high.csv", odd)
    with pytest.raises(ContractError, match=r"\.xlsx workbook or a \.csv"):
        import_spreadsheet(odd)


def test_inconsistent_reasons_and_too_many_part_days_are_rejected(tmp_path):
    source = tmp_path / "odd.csv"
    source.write_text(
        "Student ID,School,Grade,Days Enrolled,Days Absent,Excused,Unexcused,Suspensions\n"
        "1,A,3,100,10,8,4,0\n"  # reasons 12 > 10
        "2,A,3,2,2,0.5,0.5,0.5\n"  # 2 days enrolled, 4 part days (0.5 unsplit) need 4 dates
        "3,A,3,12.5,1,1,0,0\n"  # half a day enrolled
        "4,A,3,100,10.00004,10,0,0\n"  # rounding: kept as 10
    )
    result = import_spreadsheet(source, school_year=2025)
    reasons = {line: reason for _, _, line, _, reason in result.rejected_rows}
    assert reasons[2] == "the absences by reason add up to 12, more than Days Absent 10"
    assert reasons[3].startswith("the absences by reason need 4 separate days")
    assert reasons[4] == "Days Enrolled '12.5' is not a whole number of days"
    assert result.tables["enrollments"]["student_id"].tolist() == ["4"]
    attendance = result.tables["attendance"]
    assert (attendance["category"] != "present").sum() == 10  # and the year's last day marked


def test_other_absence_counts_as_absence_not_as_late_arrivals(tmp_path):
    source = tmp_path / "other.csv"
    source.write_text(
        "Student ID,School,Grade,School Year,Days Enrolled,Days Absent,Excused,Other Absence\n"
        "1,North,4,2024-25,100,10,8,2\n"
    )
    result, _ = _loaded(tmp_path, source)
    assert any("unexcused with code OTHER" in text for text in result.assumptions)
    row = _students(tmp_path).loc[("1", "North")]
    # 10 of 100 days: chronic; as a tardy the 2 days would count 0 and leave 8%.
    assert row["days_absent"] == pytest.approx(10)
    assert row["days_unexcused"] == pytest.approx(2)
    assert bool(row["chronically_absent"])


def test_year_ending_gives_the_school_year_and_must_agree_with_it(tmp_path):
    source = tmp_path / "years.csv"
    source.write_text(
        "Student ID,School,Grade,School Year,Year Ending,Days Enrolled,Days Absent\n"
        "1,North,4,,2025,100,10\n"
        "2,North,4,2024-25,2025,100,5\n"
        "3,North,4,2024-25,2026,100,5\n"
    )
    result, _ = _loaded(tmp_path, source)
    assert [(r[2], r[3]) for r in result.rejected_rows] == [(4, "Year Ending")]
    assert "is not the year School Year '2024-25' ends" in result.rejected_rows[0][4]
    students = _students(tmp_path).reset_index()
    assert sorted(students["student_id"]) == ["1", "2"]
    assert set(students["school_year"]) == {2025}
