"""Small hand-made datasets for the contract tests: real files in a temporary folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb
import pandas as pd

from homeroom.contract import ValidationReport, validate_dataset
from homeroom.definitions import Definition, load_definition

# A tiny district: two schools, three students, one week of school (Mon 2 - Fri 6 Sept 2024,
# plus Mon 9). The weekend is left out of the calendar files on purpose (dense fill).
BASE = {
    "schools": """
        school_id,school_name,district_id,district_name,state,calendar_id,day_minutes
        S1,North Elementary,D1,Lake District,MN,C1,360
        S2,South Elementary,D1,Lake District,MN,,
    """,
    "students": """
        student_id,first_name,last_name,sex,race_ethnicity,english_learner
        001,Ada,One,F,asian,Y
        002,Ben,Two,M,white,no
        003,Cy,Three,X,black,0
    """,
    "enrollments": """
        student_id,school_id,school_year,grade_level,entry_date,exit_date
        001,S1,2025,KG,2024-09-02,
        002,S1,2025,01,2024-09-02,2024-09-04
        002,S2,2025,01,2024-09-05,
        003,S2,2025,02,2024-09-02,
    """,
    "calendar": """
        calendar_id,school_year,date,instructional
        C1,2025,2024-09-02,false
        C1,2025,2024-09-03,true
        C1,2025,2024-09-04,true
        C1,2025,2024-09-05,true
        C1,2025,2024-09-06,true
        C1,2025,2024-09-09,true
        S2,2025,2024-09-02,true
        S2,2025,2024-09-03,true
        S2,2025,2024-09-04,true
        S2,2025,2024-09-05,true
        S2,2025,2024-09-06,true
        S2,2025,2024-09-09,true
    """,
    "attendance": """
        student_id,school_id,date,category,absent_fraction
        001,S1,2024-09-03,unexcused,
        002,S2,2024-09-05,excused,0.5
        003,S2,2024-09-06,tardy,
    """,
}


def text(content: str) -> str:
    return textwrap.dedent(content).strip("\n") + "\n"


def write(folder: Path, **tables: str | None) -> Path:
    """BASE with some tables replaced (None: left out); CSV text is dedented."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in {**BASE, **tables}.items():
        if content is not None:
            (folder / f"{name}.csv").write_text(text(content), encoding="utf-8")
    return folder


def run(
    folder: Path, definition: Definition | str = "default", con=None
) -> tuple[ValidationReport, duckdb.DuckDBPyConnection]:
    if isinstance(definition, str):
        definition = load_definition(definition)
    con = con or duckdb.connect()
    report = validate_dataset(folder, con, definition=definition)
    return report, con


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def reasons(report: ValidationReport, table: str) -> dict[int, str]:
    """line -> reason of the quarantine rows of one table (one per line in these tests)."""
    q = report.quarantine[report.quarantine["table"] == table]
    return {int(line): reason for line, reason in zip(q["line"], q["reason"], strict=True)}


def balanced(report: ValidationReport) -> bool:
    return all(
        report.rows_read[t] == report.rows_loaded[t] + report.rows_rejected[t]
        for t in report.rows_read
    )


__all__ = ["BASE", "balanced", "pd", "reasons", "rows", "run", "text", "write"]
