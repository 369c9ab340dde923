"""Never drop silently: on random messy files every row read is loaded or quarantined."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb
import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from homeroom.contract import validate_dataset
from homeroom.definitions import load_definition

IDS = st.sampled_from(["001", "002", "003", "S1", "S2", "C1", "", " 001 ", "x"])
DATES = st.sampled_from(
    ["2024-09-02", "2024-09-03", "2024-09-04", "2024-09-09", "2024-13-40", "", "2024-9-3", "soon"]
)
YEARS = st.sampled_from(["2025", "2024", "25", "", "year"])
WORDS = st.sampled_from(["true", "false", "Y", "n", "1", "maybe", ""])
CATEGORIES = st.sampled_from(["excused", "unexcused", "tardy", "present", "sick", ""])
FRACTIONS = st.sampled_from(["", "0.5", "1", "1.5", "-0.1", "0.333333", "abc"])
MINUTES = st.sampled_from(["", "30", "400", "-1", "2.5"])
GRADES = st.sampled_from(["KG", "01", "5", "13", ""])

COLUMNS = {
    "schools": (
        ("school_id", st.sampled_from(["S1", "S2", "S3", ""])),
        ("school_name", st.sampled_from(["North", ""])),
        ("district_id", st.just("D1")),
        ("district_name", st.just("Lake")),
        ("calendar_id", st.sampled_from(["C1", "", "C2"])),
        ("day_minutes", st.sampled_from(["", "360", "0", "x"])),
    ),
    "students": (
        ("student_id", IDS),
        ("sex", st.sampled_from(["F", "m", "Q", ""])),
        ("english_learner", WORDS),
    ),
    "enrollments": (
        ("student_id", IDS),
        ("school_id", st.sampled_from(["S1", "S2", "S9", ""])),
        ("school_year", YEARS),
        ("grade_level", GRADES),
        ("entry_date", DATES),
        ("exit_date", DATES),
    ),
    "calendar": (
        ("calendar_id", st.sampled_from(["C1", "S2", "C2", ""])),
        ("school_year", YEARS),
        ("date", DATES),
        ("instructional", WORDS),
    ),
    "attendance": (
        ("student_id", IDS),
        ("school_id", st.sampled_from(["S1", "S2", "S9"])),
        ("date", DATES),
        ("category", CATEGORIES),
        ("code", st.sampled_from(["", "A", "H", "Z"])),
        ("absent_fraction", FRACTIONS),
        ("minutes_absent", MINUTES),
    ),
    "codes": (
        ("code", st.sampled_from(["A", "H", "A", ""])),
        ("category", CATEGORIES),
        ("absent_fraction", FRACTIONS),
    ),
}


@st.composite
def lines(draw: st.DrawFn, table: str) -> list[str]:
    """Data lines: mostly well-formed, some with a field too many or too few, some quoted."""
    out = []
    for _ in range(draw(st.integers(0, 8))):
        values = [draw(strategy) for _, strategy in COLUMNS[table]]
        shape = draw(st.sampled_from(["plain", "plain", "plain", "quoted", "short", "long"]))
        if shape == "quoted":
            values = [
                '"' + v.replace('"', '""') + '\n"' if i == 0 else v for i, v in enumerate(values)
            ]
        elif shape == "short":
            values = values[:-1]
        elif shape == "long":
            values = [*values, "extra"]
        out.append(",".join(values))
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_rows_read_are_loaded_or_rejected(data: st.DataObject) -> None:
    folder = Path(tempfile.mkdtemp(prefix="homeroom-messy-"))
    try:
        written = {}
        for table, columns in COLUMNS.items():
            if table == "codes" and data.draw(st.booleans()):
                continue
            body = data.draw(lines(table))
            header = ",".join(name for name, _ in columns)
            (folder / f"{table}.csv").write_text("\n".join([header, *body]) + "\n")
            written[table] = len(body)
        report = validate_dataset(folder, duckdb.connect(), definition=load_definition())
        for table, count in written.items():
            assert report.rows_read[table] == count
            assert report.rows_read[table] == (
                report.rows_loaded[table] + report.rows_rejected[table]
            )
        q = report.quarantine
        assert q["line"].notna().all() and (q["line"] >= 2).all()
        assert report.quarantined == sum(report.rows_rejected.values()) + (
            q["reason"].str.endswith("with it empty").sum()
        )
    finally:
        shutil.rmtree(folder)
