"""write_import: canonical files, validation traced back to source lines, load_report.md."""

from __future__ import annotations

import duckdb
import pandas as pd

from datasets import records
from homeroom.definitions import load_definition
from homeroom.interop import ImportResult, Mapping, SourceRead, write_import
from homeroom.quality import MONITOR_KEYS
from quality.district import DAYS, YEAR


def _result() -> ImportResult:
    schools = pd.DataFrame(
        {
            "school_id": ["S1"],
            "school_name": ["Lincoln"],
            "district_id": ["D"],
            "district_name": ["Dist"],
            "day_minutes": ["360"],
        }
    )
    students = pd.DataFrame({"student_id": ["1", "2"], "first_name": ["Ann\nMarie", "Bo"]})
    enrollments = pd.DataFrame(
        {
            "student_id": ["1", "2"],
            "school_id": ["S1", "S1"],
            "school_year": ["2025", "2025"],
            "grade_level": ["03", "04"],
            "entry_date": ["2024-09-02", "2024-09-02"],
            "exit_date": ["", ""],
        }
    )
    dates = pd.bdate_range("2024-09-02", "2024-09-27")
    calendar = pd.DataFrame(
        {
            "calendar_id": "S1",
            "school_year": "2025",
            "date": dates.strftime("%Y-%m-%d"),
            "instructional": "true",
        }
    )
    attendance = pd.DataFrame(
        {
            "student_id": ["1", "2", "2"],
            "school_id": ["S1"] * 3,
            "date": ["2024-09-03", "2024-09-04", "2024-09-05"],
            "code": ["A", "ZZ", "A"],
            "source_file": ["att.csv"] * 3,
            "source_line": ["7", "9", "12"],
        }
    )
    codes = pd.DataFrame({"code": ["A"], "category": ["unexcused"], "absent_fraction": ["1"]})
    result = ImportResult(
        "Test SIS export",
        {
            "schools": schools,
            "students": students,
            "enrollments": enrollments,
            "calendar": calendar,
            "attendance": attendance,
            "codes": codes,
        },
        read=[SourceRead("att.csv", "attendance", 3)],
        mappings=[
            Mapping("attendance code", "A", "unexcused", 2),
            Mapping("attendance code", "ZZ", "", 1),
        ],
    )
    result.assume("every student stayed the whole year")
    result.reject("attendance", "att.csv", 15, "date", "not a date: '31/02/2025'")
    return result


def test_write_import_traces_quarantine_to_source_lines(tmp_path):
    written = write_import(_result(), tmp_path, definition=load_definition("default"))
    assert sorted(p.name for p in written.files) == [
        "attendance.csv",
        "calendar.csv",
        "codes.csv",
        "enrollments.csv",
        "schools.csv",
        "students.csv",
    ]
    q = written.quarantine
    assert len(q) == 2
    imported = q[q["stage"] == "import"].iloc[0]
    assert (imported["source_file"], imported["source_line"]) == ("att.csv", 15)
    validated = q[q["stage"] == "validation"].iloc[0]
    # The multi-line name does not shift attendance lines; the unknown code ZZ is source line 9.
    assert validated["table"] == "attendance" and "ZZ" in validated["reason"]
    assert (validated["source_file"], int(validated["source_line"])) == ("att.csv", 9)
    assert (tmp_path / "import_quarantine.csv").exists()
    report = written.report_path.read_text()
    for expected in (
        "every student stayed the whole year",
        "**not mapped**",
        "att.csv:9",
        "att.csv:15",
        "Test SIS export",
    ):
        assert expected in report
    assert written.validation.rows_loaded["attendance"] == 2


def test_write_import_replaces_an_earlier_import(tmp_path):
    (tmp_path / "attendance.parquet").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("mine")
    write_import(_result(), tmp_path, definition=load_definition("default"))
    assert not (tmp_path / "attendance.parquet").exists()
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert not any(p.name.startswith(".import-") for p in tmp_path.iterdir())


# An import's load_report.md ends with the monitors, traced to the source file and line.
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


def test_the_import_quarantine_file_neutralises_formula_like_text(tmp_path):
    """A rejected value quoted in a reason, or a file name, never runs in a spreadsheet (12.3)."""
    import csv

    result = _result()
    result.reject("attendance", "=cmd.csv", 16, "date", '=HYPERLINK("http://evil.example")')
    result.reject("attendance", "att.csv", 17, "date", "bad\rrow")
    write_import(result, tmp_path, definition=load_definition("default"))
    path = tmp_path / "import_quarantine.csv"
    assert b'"bad\rrow"' in path.read_bytes()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert '\'=HYPERLINK("http://evil.example")' in [r["reason"] for r in rows]
    assert "'=cmd.csv" in [r["source_file"] for r in rows]
    assert not [v for r in rows for v in r.values() if v and v[0] in "=+-@\t\r"]


def test_an_import_checks_its_tables_in_a_smaller_pool_unless_told(
    tmp_path,
    monkeypatch,  # noqa: ANN001
) -> None:
    """The import still holds its small tables and Python's heap while it validates: DuckDB's
    pool is 1GB by default there, not the 3GB of `--data`, and HOMEROOM_MEMORY_LIMIT rules."""
    from contextlib import contextmanager

    from homeroom.interop import output
    from homeroom.warehouse.memory import MEMORY_LIMIT_ENV

    seen: list[str] = []
    real = output.memory_connection

    @contextmanager
    def spy(default_limit: str = "3GB"):  # noqa: ANN202
        with real(default_limit) as con:
            limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
            seen.append(str(limit))
            yield con

    monkeypatch.setattr(output, "memory_connection", spy)
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    written = write_import(_result(), tmp_path / "a", definition=load_definition("default"))
    assert written.validation.rows_loaded["attendance"] == 2
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "500MB")
    write_import(_result(), tmp_path / "b", definition=load_definition("default"))
    with (
        duckdb.connect(config={"memory_limit": "1GB"}) as a,
        duckdb.connect(config={"memory_limit": "500MB"}) as b,
    ):
        expected = [
            str(c.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
            for c in (a, b)
        ]
    assert seen == expected
