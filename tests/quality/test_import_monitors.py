"""An import's load_report.md ends with the monitors, traced to the source file and line."""

from __future__ import annotations

import pandas as pd

from datasets import records
from homeroom.definitions import load_definition
from homeroom.interop import ImportResult, SourceRead, write_import
from homeroom.quality import MONITOR_KEYS
from quality.district import DAYS, YEAR


def _import() -> ImportResult:
    """One school of 2 students over the 160-day calendar; one attendance row has code ZZ."""
    days = [d.isoformat() for d in DAYS]
    attendance = pd.DataFrame(
        {
            "student_id": ["1", "2", "1"],
            "school_id": ["S1"] * 3,
            "date": [days[1], days[2], days[3]],
            "code": ["A", "ZZ", "A"],
            "source_file": ["att.csv"] * 3,
            "source_line": ["7", "9", "12"],
        }
    )
    tables = {
        "schools": pd.DataFrame(
            {"school_id": ["S1"], "school_name": ["Lincoln"], "district_id": ["D"],
             "district_name": ["Dist"]}
        ),
        "students": pd.DataFrame({"student_id": ["1", "2"]}),
        "enrollments": pd.DataFrame(
            {"student_id": ["1", "2"], "school_id": ["S1", "S1"], "school_year": [str(YEAR)] * 2,
             "grade_level": ["03", "04"], "entry_date": [days[0]] * 2, "exit_date": ["", ""]}
        ),
        "calendar": pd.DataFrame(
            {"calendar_id": "S1", "school_year": str(YEAR), "date": days, "instructional": "true"}
        ),
        "attendance": attendance,
        "codes": pd.DataFrame({"code": ["A"], "category": ["unexcused"]}),
    }  # fmt: skip
    return ImportResult("Test SIS export", tables, read=[SourceRead("att.csv", "attendance", 3)])


def test_an_import_runs_the_monitors_and_reports_them(tmp_path):
    written = write_import(_import(), tmp_path, definition=load_definition("default"))
    found = {m.key: m for m in written.monitors}
    assert list(found) == list(MONITOR_KEYS)
    unmapped = found["unmapped_codes"]
    assert unmapped.status == "warning"
    assert records(unmapped.rows) == [
        {"table": "attendance", "column": "code", "value": "ZZ", "rows": 1,
         "first_file": "attendance.csv", "first_line": 3, "first_source": "att.csv:9"},
    ]  # fmt: skip
    assert found["changed_absences"].status == "info"
    assert found["calendar_gaps"].status == "ok"
    report = written.report_path.read_text()
    assert "## Data-quality monitors" in report
    assert "| Unmapped codes | warning | 1 unknown value on 1 row: 'ZZ' (1) |" in report
    assert "att.csv:9" in report.split("### Unmapped codes")[1]
