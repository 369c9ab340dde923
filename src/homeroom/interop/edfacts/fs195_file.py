"""The FS195 submission file as CEDS Generate lays it out: a header record, then data records.

Source: Generate's metadata for file 195 (`App.c195_2022_01.Metadata.sql`, submission year 2022:
the newest FS195 layout the Generate repository carries), its header record
(`App.FileHeader.Metadata.sql`) and how it writes a file (`FileSubmissionService`:
`GetFileHeader`, `GetSubmissionRow`). docs/fs195.md cites them and lists every decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from homeroom.interop.edfacts.codes import CATEGORY_BY_COLUMN, MISSING
from homeroom.interop.edfacts.fs195 import UNIT_KEYS, LevelRows

REPORT_CODE = "195"
TABLE_TYPE = "CHRONABSENT"
STATE_AGENCY_NUMBER = "01"  # Generate writes "01" for every file (EdfactsFileService)
FORMATS = {"csv": ",", "tab": "\t"}
NEWLINE = "\r\n"  # Generate runs on Windows: Environment.NewLine


class FS195FileError(ValueError):
    """Data the file cannot carry (an identifier too long or holding a delimiter)."""


@dataclass(frozen=True)
class Field:
    name: str  # Generate's App.FileColumns.ColumnName
    label: str  # the field's name in the file specification
    length: int  # its width in the fixed-width layout (the longest value it may hold)
    column: str = ""  # a category field: the Homeroom students column it carries


HEADER_FIELDS = (
    Field("FileType", "File Type", 50),
    Field("TotalRecords", "Total Records", 10),
    Field("FileName", "File Name", 25),
    Field("FileIdentifier", "File Identifier", 32),
    Field("FileReportingPeriod", "File Reporting Period", 9),
)
DATA_FIELDS = (
    Field("FileRecordNumber", "File Record Number", 10),
    Field("FIPSStateCode", "State Code", 2),
    Field("StateAgencyNumber", "State Agency Number", 2),
    Field("StateLEAIDNumber", "LEA Identifier (State)", 14),
    Field("StateSchoolIDNumber", "School Identifier (State)", 20),
    Field("TableTypeAbbrv", "Table Type Abbreviation", 20),
    Field("GenderID", "Sex (Membership)", 15, "sex"),
    Field("RaceEthnicityID", "Racial Ethnic", 15, "race_ethnicity"),
    Field("DisabilityStatusID", "Disability Status (Only)", 15, "students_with_disabilities"),
    Field("DisabilityStatus504ID", "Disability Status (504)", 15, "section_504"),
    Field("LEPStatusID", "English Learner Status (Only)", 15, "english_learner"),
    Field("HomelessServedID", "Homeless Enrolled Status", 15, "homeless"),
    Field("Filler1", "Filler", 90),
    Field("TotalIndicator", "Total Indicator", 1),
    Field("Explanation", "Explanation", 200),
    Field("Amount", "Student Count", 10),
)


@dataclass(frozen=True)
class CategorySet:
    code: str
    columns: tuple[str, ...]  # the Homeroom columns crossed; none: the education unit total


CATEGORY_SETS = (
    CategorySet("CSA", ("race_ethnicity", "sex")),
    CategorySet("CSB", ("students_with_disabilities", "sex")),
    CategorySet("CSC", ("section_504", "sex")),
    CategorySet("CSD", ("english_learner", "sex")),
    CategorySet("CSE", ("homeless", "sex")),
    CategorySet("EUT", ()),
)
# The levels the layout collects and their File Type (FileSubmissionDescription).
FILE_TYPES = {"SCH": "SCH CHRON ABSENT"}
SUBMISSION_YEAR = 2022
# Permitted values where the layout knows fewer than codes.py: Sex (Membership) is F or M in
# the 2022 metadata; another value (X) is written MISSING.
LAYOUT_PERMITTED = {"sex": ("F", "M")}


def permitted(column: str) -> tuple[str, ...]:
    """The permitted values of a category field that get a row, zero or not (never MISSING)."""
    known = LAYOUT_PERMITTED.get(column, CATEGORY_BY_COLUMN[column].permitted)
    return tuple(v for v in known if v != MISSING)


def layout_code(column: str, value: object) -> str | None:
    code = CATEGORY_BY_COLUMN[column].code(value)
    if code is None or code == MISSING or code in permitted(column):
        return code
    return MISSING


def set_cells(rows: LevelRows, category_set: CategorySet) -> pd.DataFrame:
    """lea_id, school_id, the set's columns (codes) and count: zero counts included."""
    keys, columns = list(UNIT_KEYS), list(category_set.columns)
    units = rows.units.loc[:, keys].astype(str)
    chronic = rows.chronic
    coded = chronic.loc[:, keys].astype(str)
    for column in columns:
        coded[column] = chronic[column].map(lambda v, c=column: layout_code(c, v))
    coded = coded.dropna(subset=columns)
    counted = coded.groupby([*keys, *columns]).size().rename("count").reset_index()
    grid = units
    for column in columns:
        grid = grid.merge(pd.DataFrame({column: list(permitted(column))}), how="cross")
    cells = grid.merge(counted, on=[*keys, *columns], how="outer")
    cells["count"] = cells["count"].fillna(0).astype("int64")
    return cells.sort_values([*keys, *columns], kind="stable").reset_index(drop=True)


def data_records(rows: LevelRows, fips: str) -> list[list[str]]:
    """The data records of one level's file, in Generate's field order, numbered from 1."""
    records: list[list[str]] = []
    for category_set in CATEGORY_SETS:
        for cell in set_cells(rows, category_set).to_dict(orient="records"):
            values = {
                "FileRecordNumber": str(len(records) + 1),
                "FIPSStateCode": fips,
                "StateAgencyNumber": STATE_AGENCY_NUMBER,
                "StateLEAIDNumber": _identifier(cell["lea_id"], DATA_FIELDS[3]),
                "StateSchoolIDNumber": _identifier(cell["school_id"], DATA_FIELDS[4]),
                "TableTypeAbbrv": TABLE_TYPE,
                "TotalIndicator": "N" if category_set.columns else "Y",
                "Amount": str(cell["count"]),
                **{f.name: cell[f.column] for f in DATA_FIELDS if f.column in cell},
            }
            records.append([values.get(f.name, "") for f in DATA_FIELDS])
    return records


def _identifier(value: str, field: Field) -> str:
    if len(value) > field.length or any(ch in value for ch in (",", "\t", "\r", "\n", '"')):
        raise FS195FileError(
            f"{field.label} {value!r} cannot be written to FS195: at most {field.length} "
            "characters, without commas, tabs, quotes or line breaks"
        )
    return value


def file_name(state: str, level: str, version: str, fmt: str) -> str:
    """Generate's name: state, level, report type, the state's version, format (e.g. .csv)."""
    return f"{state}{level}{TABLE_TYPE}{version}.{fmt}"


def header_record(
    level: str, records: int, name: str, school_year: int, now: dt.datetime
) -> list[str]:
    """File Type, Total Records, File Name, File Identifier, File Reporting Period."""
    identifier = f"{REPORT_CODE}-{now:%m%d%Y}-{now:%H%M}"
    return [FILE_TYPES[level], str(records), name, identifier, f"{school_year - 1}-{school_year}"]


def file_text(header: list[str], records: list[list[str]], fmt: str) -> str:
    """The file: the header record, then the data records, each line ended by CR LF."""
    if fmt not in FORMATS:
        raise FS195FileError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    delimiter = FORMATS[fmt]
    lines = [delimiter.join(header), *(delimiter.join(r) for r in records)]
    return NEWLINE.join(lines) + NEWLINE
