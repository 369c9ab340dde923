"""Quarantine reasons say what is wrong with a personal value without quoting it: a file whose
columns slipped puts names where codes and dates belong, and reasons are shown on /data."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from homeroom.contract import fields
from homeroom.contract.schema import STUDENT_FLAGS, STUDENTS

from .helpers import reasons, run, write

# Last names in race_ethnicity, first names in birth_date, and so on: every personal column
# that is checked gets a value it refuses, each one a name that must never appear in a reason.
SLIPPED = """
    student_id,first_name,last_name,birth_date,sex,race_ethnicity,english_learner,homeless
    001,Ada,One,Ada,Quimby,Okonkwo-Smith,Yarrow,Thistlewood
    002,Ben,Two,45538,F,asian,Y,no
    003,Cy,Three,2018-02-30,X,black,0,0
"""
NAMES = ("Ada", "Quimby", "Okonkwo-Smith", "Yarrow", "Thistlewood", "45538", "2018-02-30")


def test_no_reason_quotes_a_personal_value(tmp_path: Path) -> None:
    report, _con = run(write(tmp_path, students=SLIPPED))
    quarantine = report.quarantine[report.quarantine["table"] == "students"]
    assert set(quarantine["column"]) == {
        "birth_date",
        "sex",
        "race_ethnicity",
        "english_learner",
        "homeless",
    }
    for reason in quarantine["reason"]:
        for name in NAMES:
            assert name.lower() not in reason.lower(), reason
    birth = quarantine[quarantine["column"] == "birth_date"].set_index("line")["reason"]
    assert birth[2] == "birth_date is not a date (YYYY-MM-DD); kept the student with it empty"


def test_the_reasons_still_say_what_was_wrong(tmp_path: Path) -> None:
    report, _con = run(write(tmp_path, students=SLIPPED))
    by_column = dict(zip(report.quarantine["column"], report.quarantine["reason"], strict=False))
    assert by_column["race_ethnicity"].startswith(
        "race_ethnicity is not one of the race/ethnicity codes (american_indian_alaska_native, "
    )
    assert by_column["sex"].startswith("sex is not one of the sex codes (F, M, X)")
    assert by_column["english_learner"].startswith(
        "english_learner is not a yes/no value (true/false, 1/0, Y/N, yes/no, t/f)"
    )


def test_a_birth_date_serial_is_named_without_the_date_it_would_be(tmp_path: Path) -> None:
    students = """
        student_id,first_name,birth_date
        001,Ada,45538
        002,Ben,2018-02-28 13:30
    """
    report, _con = run(write(tmp_path, students=students))
    assert reasons(report, "students") == {
        2: "birth_date is not a date (YYYY-MM-DD) (an Excel date serial? convert it to "
        "YYYY-MM-DD); kept the student with it empty",
        3: "birth_date is not a date (YYYY-MM-DD) (a date with a time of day; give the date "
        "only); kept the student with it empty",
    }


def test_parquet_personal_values_are_not_quoted_either(tmp_path: Path) -> None:
    folder = write(tmp_path)
    (folder / "students.csv").unlink()
    table = pa.table(
        {
            "student_id": ["001", "002", "003"],
            "race_ethnicity": ["Quimby", "asian", "black"],
            "english_learner": pa.array([1, 0, 7], pa.int8()),
        }
    )
    pq.write_table(table, folder / "students.parquet")
    report, _con = run(folder)
    for reason in report.quarantine["reason"]:
        assert "Quimby" not in reason and "'7'" not in reason, reason


def test_every_personal_student_column_is_listed() -> None:
    personal = {"first_name", "last_name", "birth_date", "sex", "race_ethnicity", "home_language"}
    assert personal | set(STUDENT_FLAGS) <= fields.PERSONAL_COLUMNS
    assert {c.name for c in STUDENTS.columns} - fields.PERSONAL_COLUMNS == {
        "student_id",
        "school_year",
    }


@pytest.mark.parametrize(
    "column", ["first_name", "birth_date", "sex", "race_ethnicity", "homeless", "home_language"]
)
def test_cite_quotes_nothing_of_a_personal_column(column: str) -> None:
    assert fields.cite(column, '"x"') == "''"
    kind = next((c.kind for c in STUDENTS.columns if c.name == column), "str")
    # The column is read to choose a hint, never cut into the reason.
    assert "left(CAST(" not in fields.parse(kind, column, "VARCHAR").reason


def test_cite_quotes_other_values() -> None:
    assert 'left(CAST("code" AS VARCHAR), 40)' in fields.cite("code", '"code"')
