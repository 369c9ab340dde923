"""The FS195 file as Generate lays it out: header record, record count, field order, zero counts."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from homeroom.interop.edfacts import FS195FileError, LevelRows, chronic_rows
from homeroom.interop.edfacts.fs195_file import (
    DATA_FIELDS,
    HEADER_FIELDS,
    data_records,
    file_name,
    file_text,
    header_record,
)
from interop.edfacts.district import LAST_DAY, YEAR, definition, tables_of

FIELD_ORDER = (
    "FileRecordNumber", "FIPSStateCode", "StateAgencyNumber", "StateLEAIDNumber",
    "StateSchoolIDNumber", "TableTypeAbbrv", "GenderID", "RaceEthnicityID", "DisabilityStatusID",
    "DisabilityStatus504ID", "LEPStatusID", "HomelessServedID", "Filler1", "TotalIndicator",
    "Explanation", "Amount",
)  # fmt: skip


@pytest.fixture(scope="module")
def schools(tmp_path_factory: pytest.TempPathFactory) -> LevelRows:
    chosen = definition()
    tables, con = tables_of(tmp_path_factory.mktemp("fs195file"), chosen)
    try:
        return chronic_rows(tables, chosen, YEAR, LAST_DAY)["SCH"]
    finally:
        con.close()


def by_field(record: list[str]) -> dict[str, str]:
    return dict(zip(FIELD_ORDER, record, strict=True))


def test_field_order_is_generates() -> None:
    assert tuple(f.name for f in DATA_FIELDS) == FIELD_ORDER
    assert [f.name for f in HEADER_FIELDS] == [
        "FileType", "TotalRecords", "FileName", "FileIdentifier", "FileReportingPeriod",
    ]  # fmt: skip


def test_records_and_their_count(schools: LevelRows) -> None:
    records = data_records(schools, "06")
    # Per school: race x sex 7 x 2, IDEA/504/EL/homeless x sex 2 each, and the total. S1 adds
    # the rows of M (sex X, written MISSING): HI7 x MISSING and HOMELSENRL x MISSING.
    assert len(records) == 3 * (14 + 4 * 2 + 1) + 2 == 71
    assert [r[0] for r in records] == [str(n) for n in range(1, 72)]
    assert all(len(r) == len(FIELD_ORDER) for r in records)
    first = by_field(records[0])
    assert first["FIPSStateCode"] == "06" and first["StateAgencyNumber"] == "01"
    assert first["TableTypeAbbrv"] == "CHRONABSENT" and first["TotalIndicator"] == "N"
    totals = [by_field(r) for r in records if by_field(r)["TotalIndicator"] == "Y"]
    assert [(t["StateLEAIDNumber"], t["StateSchoolIDNumber"], t["Amount"]) for t in totals] == [
        ("D1", "S1", "4"),
        ("D1", "S2", "0"),
        ("D2", "S3", "1"),
    ]
    assert all(t["GenderID"] == t["RaceEthnicityID"] == "" for t in totals)


def test_crossed_cells(schools: LevelRows) -> None:
    rows = [by_field(r) for r in data_records(schools, "06")]
    s1 = {
        (r["RaceEthnicityID"], r["GenderID"], r["DisabilityStatusID"], r["HomelessServedID"]): r[
            "Amount"
        ]
        for r in rows
        if r["StateSchoolIDNumber"] == "S1" and r["Amount"] != "0"
    }
    assert s1 == {
        ("AS7", "F", "", ""): "1",  # A
        ("BL7", "M", "", ""): "1",  # H
        ("HI7", "MISSING", "", ""): "1",  # M, sex X: not a value of the 2022 layout
        ("MU7", "M", "", ""): "1",  # N
        ("", "M", "WDIS", ""): "1",  # H
        ("", "MISSING", "", "HOMELSENRL"): "1",  # M
        ("", "F", "", ""): "1",  # A, English learner (LEPStatusID, not in this key)
        ("", "M", "", ""): "1",  # N, Section 504
        ("", "", "", ""): "4",  # the education unit total
    }


def test_header_record_and_text() -> None:
    now = dt.datetime(2025, 10, 1, 9, 5)
    name = file_name("CA", "SCH", "v1", "csv")
    assert name == "CASCHCHRONABSENTv1.csv" and len(name) <= 25
    header = header_record("SCH", 2, name, 2025, now)
    assert header == ["SCH CHRON ABSENT", "2", name, "195-10012025-0905", "2024-2025"]
    records = [["1", "06"], ["2", "06"]]
    assert file_text(header, records, "csv") == (
        "SCH CHRON ABSENT,2,CASCHCHRONABSENTv1.csv,195-10012025-0905,2024-2025\r\n1,06\r\n2,06\r\n"
    )
    assert file_text(header, records, "tab").splitlines()[1] == "1\t06"


def test_an_identifier_the_file_cannot_hold() -> None:
    rows = LevelRows(
        "SCH",
        pd.DataFrame({"lea_id": ["D1"], "school_id": ["S,1"]}),
        pd.DataFrame(
            columns=[
                "lea_id",
                "school_id",
                "race_ethnicity",
                "sex",
                "homeless",
                "students_with_disabilities",
                "section_504",
                "english_learner",
                "economically_disadvantaged",
            ]
        ),  # fmt: skip
    )
    with pytest.raises(FS195FileError, match="School Identifier"):
        data_records(rows, "06")
