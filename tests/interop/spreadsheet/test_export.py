"""Synthetic district -> export spreadsheet -> import it back: the year-end metrics survive."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from homeroom.definitions import load_definition
from homeroom.formats import date_text
from homeroom.interop import write_import
from homeroom.interop.spreadsheet import export_spreadsheet, import_spreadsheet
from homeroom.interop.spreadsheet.layout import HEADERS
from homeroom.pipeline import metrics_for_folder
from homeroom.resolver import resolve
from homeroom.synth import generate

STUDENT_KEYS = ["school_year", "district_id", "school_id", "student_id"]
DAYS = ["days_absent", "days_excused", "days_unexcused", "days_suspended", "absence_rate"]
EXACT = ["grade_level", "days_enrolled", "eligible", "chronically_absent", "tier"]


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("roundtrip")
    generate(root / "original", students=400, schools=4, years=1, seed=11, fmt="csv")
    definition = load_definition("default")
    seen = []
    with resolve(data=root / "original", definition=definition) as request:
        seen.append(request.validation)
        summary = export_spreadsheet(request, root / "check.xlsx")
    result = import_spreadsheet(root / "check.xlsx")
    written = write_import(result, root / "again", definition=definition)
    return {
        "root": root,
        "summary": summary,
        "result": result,
        "written": written,
        "validated": seen,
    }


def _student(folder: Path) -> pd.DataFrame:
    frame = metrics_for_folder(folder, definition=load_definition("default"))
    return frame.sort_values(STUDENT_KEYS).reset_index(drop=True)


def test_every_student_comes_back_with_the_same_year_end_metrics(district):
    root = district["root"]
    assert district["result"].rejected_rows == []
    assert district["written"].quarantine.empty
    before, after = _student(root / "original"), _student(root / "again")
    assert len(before) == len(after) == district["summary"].rows
    pd.testing.assert_frame_equal(before[STUDENT_KEYS + EXACT], after[STUDENT_KEYS + EXACT])
    # Part days (late-arrival minutes) travel as decimals, kept to 1/10,000 of a day.
    for column in DAYS:
        assert (before[column] - after[column]).abs().max() < 1e-4, column
    assert before["chronically_absent"].sum() > 50  # a real mix, not all zeros


def test_every_school_comes_back_with_the_same_counts_and_rates(district):
    root = district["root"]
    schools = [
        metrics_for_folder(folder, definition=load_definition("default"), level="school")
        for folder in (root / "original", root / "again")
    ]
    counts = ["students_enrolled", "students_eligible", "chronically_absent_count", "level"]
    counts += [f"{t}_count" for t in ("satisfactory", "at_risk", "moderate_chronic")]
    keys = ["school_year", "district_id", "school_id"]
    pd.testing.assert_frame_equal(schools[0][keys + counts], schools[1][keys + counts])
    assert (schools[0]["ada"] - schools[1]["ada"]).abs().max() < 1e-6
    assert (schools[0]["chronic_absence_rate"] == schools[1]["chronic_absence_rate"]).all()


def test_the_workbook_is_laid_out_for_people(district):
    path = district["root"] / "check.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Students", "Schools", "Read me"]
    students = book["Students"]
    header = [c.value for c in students[1]]
    assert header == list(HEADERS.values())
    assert students.freeze_panes == "A2"
    last = get_column_letter(len(HEADERS))
    assert students.auto_filter.ref == f"A1:{last}{district['summary'].rows + 1}"
    assert students["A1"].font.bold
    column = {name: index for index, name in enumerate(header)}
    row = [c for c in students[2]]
    assert row[column["Absence Rate"]].number_format == "0.0%"
    assert row[column["Days Absent"]].number_format == "0.00"
    assert row[column["Chronically Absent"]].value in ("Yes", "No")
    assert row[column["School Year"]].value == "2024-25"
    readme = {r[0].value: r[1].value for r in book["Read me"].iter_rows() if r[0].value}
    assert readme["definition"].startswith("default (version")
    # The resolver always settles on a date: the latest attendance recorded, by default.
    assert readme["Through (as-of date)"] == date_text(district["summary"].as_of)
    assert "10% of days enrolled" in readme["Chronically Absent"]
    schools = book["Schools"]
    assert [c.value for c in schools[1]][:6] == [
        "School Year",
        "District ID",
        "District",
        "School ID",
        "School",
        "Students Enrolled",
    ]
    assert schools.max_row == 1 + 4
    summary = district["summary"].describe()
    assert f"{district['summary'].students:,} students" in summary and "4 schools" in summary
    assert len(district["validated"]) == 1  # on_validated saw the validation report


def test_a_mover_has_a_row_at_each_school_and_comes_back(tmp_path):
    source = tmp_path / "mover.csv"
    source.write_text(
        "Student ID,School,Grade,School Year,Days Enrolled,Days Absent,Excused,Unexcused\n"
        "9,North,4,2024-25,80,9,9,0\n"
        "9,South,4,2024-25,95,9.5,0,9.5\n"
    )
    definition = load_definition("default")
    write_import(import_spreadsheet(source), tmp_path / "data", definition=definition)
    # Year totals: counted through the year's end, not to the last absence the import placed.
    year_end = pd.Timestamp("2025-06-30").date()
    with resolve(data=tmp_path / "data", definition=definition, as_of=year_end) as request:
        summary = export_spreadsheet(request, tmp_path / "out.xlsx")
    assert (summary.students, summary.rows, summary.schools) == (1, 2, 2)
    rows = pd.read_excel(tmp_path / "out.xlsx", sheet_name="Students", dtype={"Student ID": str})
    assert rows[
        ["School", "Days Enrolled", "Days Absent", "Chronically Absent"]
    ].values.tolist() == [
        ["North", 80, 9, "Yes"],  # 9/80 = 11.25%
        ["South", 95, 9.5, "Yes"],  # 9.5/95 = 10% exactly
    ]
    with resolve(
        data=tmp_path / "data", definition=definition, as_of=pd.Timestamp("2024-09-30").date()
    ) as request:
        as_of = export_spreadsheet(request, tmp_path / "early.xlsx")
    assert "as of 30 September 2024" in as_of.describe()


def test_student_rows_carry_the_year_both_ways_the_school_and_time_missed(district):
    rows = pd.read_excel(
        district["root"] / "check.xlsx", sheet_name="Students", dtype={"Student ID": str}
    )
    assert (rows["School Year"] == "2024-25").all()
    assert (rows["Year Ending"] == 2025).all()
    schools = pd.read_csv(district["root"] / "original" / "schools.csv", dtype=str)
    names = dict(zip(schools["school_id"], schools["school_name"], strict=True))
    assert (rows["School"] == rows["School ID"].astype(str).map(names)).all()
    with resolve(data=district["root"] / "original", definition="default") as request:
        expected = metrics_for_folder(
            district["root"] / "original", definition="default", as_of=request.as_of
        )
    expected = expected.sort_values(["school_id", "student_id"]).reset_index(drop=True)
    got = rows.sort_values(["School ID", "Student ID"]).reset_index(drop=True)
    for field, header in (
        ("tardies", "Tardies"),
        ("tardy_days", "Days Missed to Tardies"),
        ("early_departures", "Early Departures"),
        ("early_departure_days", "Days Missed to Early Departures"),
    ):
        assert (got[header] - expected[field]).abs().max() < 1e-9, field
    # The synthetic district has late arrivals; they are reported, never counted as absence.
    assert got["Tardies"].sum() > 0 and got["Days Missed to Tardies"].sum() > 0
    assert (got["Other Absence"] == 0).all()
    reasons = got["Excused"] + got["Unexcused"] + got["Suspensions"]
    assert ((got["Days Absent"] - reasons).abs() < 1e-9).all()


def test_the_import_leaves_time_missed_aside_and_says_so(district):
    notes = " ".join(district["result"].notes)
    assert "late arrival and early departure columns left aside" in notes
    assert "Days Missed to Tardies" in notes
    assert "Year Ending" not in notes  # read, as the school year, not left aside
