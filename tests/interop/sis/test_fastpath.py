"""The DuckDB path of SIS exports gives what the exact path gives: the same canonical tables,
rejects (file, line, column, reason), notes, assumptions and mappings, on generated files full
of bad values and on a synthetic district."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from homeroom.definitions import load_definition
from homeroom.interop import ImportResult, write_import
from homeroom.interop.sis import fastpath, import_sis
from homeroom.interop.sis.scan import WHITESPACE

ATTENDANCE = ["studentNumber", "schoolNumber", "date", "periodName", "code", "status", "excuse",
              "absentMinutes", "instructionalMinutes", "comments"]  # fmt: skip
ENROLLMENTS = """\
studentNumber,lastName,firstName,birthdate,gender,raceEthnicityFed,schoolNumber,grade,startDate,endDate
1001,Ng,Tam,05/05/2014,M,3,10,05,09/03/2024,
1002,Lopez,Mia,07/07/2018,F,1,10,K,09/03/2024,10/01/2024
1002,Lopez,Mia,07/07/2018,F,1,20,K,10/02/2024,
1003,Smith,Al,01/02/2015,M,6,20,04,09/03/2024,
"""
DAYS = "schoolNumber,date,instruction\n" + "".join(
    f"{school},09/{day:02d}/2024,1\n" for school in (10, 20) for day in range(2, 28)
)


def _exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastpath, "scan_csv", lambda _path: None)


def _frame(result: ImportResult, name: str) -> pd.DataFrame:
    frame = result.tables[name].reset_index(drop=True).astype(object)
    return frame.where(frame.notna(), None)


def assert_same(fast: ImportResult, exact: ImportResult) -> None:
    names = sorted({*fast.tables, *fast.stored})
    assert names == sorted({*exact.tables, *exact.stored})
    for name in names:
        pd.testing.assert_frame_equal(_frame(fast, name), _frame(exact, name), obj=name)
    assert fast.rejected_rows == exact.rejected_rows
    assert fast.notes == exact.notes
    assert fast.assumptions == exact.assumptions
    assert fast.mappings == exact.mappings
    assert fast.read == exact.read


def _import(folder: Path, monkeypatch: pytest.MonkeyPatch, *, exact: bool) -> ImportResult:
    files = [folder / n for n in ("Attendance.csv", "Days.csv", "Enrollments.csv")]
    with monkeypatch.context() as patch:
        if exact:
            _exact(patch)
        return import_sis("infinite-campus", files)


_SPACE = st.sampled_from(["", " ", "\t", "\u00a0", WHITESPACE[-1]])
_VALUES = {
    "studentNumber": ["1001", "1002", "1003", "", "9999"],
    "schoolNumber": ["10", "20", ""],
    "date": ["09/03/2024", "9/4/2024", "2024-09-05", "45545", "13/45/2024", "",
             "09/03/2024 08:00", "09/06/2024"],
    "periodName": ["ALL", "01"],
    "code": ["EXC", "UNX", "TE", "ISS", "SCH", "ZZZ", "", "VIR", "OSS", "ER"],
    "status": ["A", "T", "E", ""],
    "excuse": ["E", "U", "X", ""],
    "absentMinutes": ["", "0", "60", "390", "195", "30.0", "abc", "-5", "400", "130", "1e2"],
    "instructionalMinutes": ["390", "360", "", "0", "390.0", "x", "240"],
    "comments": ["", "note, with comma", 'say "hi"'],
}  # fmt: skip
_CELL = {name: st.sampled_from(values) for name, values in _VALUES.items()}


@st.composite
def _rows(draw: st.DrawFn) -> list[list[str]]:
    rows = []
    for _ in range(draw(st.integers(0, 30))):
        row = []
        for name in ATTENDANCE:
            value = draw(_CELL[name])
            if value and draw(st.booleans()) and draw(st.booleans()):
                value = draw(_SPACE) + value + draw(_SPACE)  # stray whitespace, trimmed
            row.append(value)
        rows.append(row)
    return rows


def _write(folder: Path, rows: list[list[str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "Attendance.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(ATTENDANCE)
        writer.writerows(rows)
    (folder / "Enrollments.csv").write_text(ENROLLMENTS, encoding="utf-8")
    (folder / "Days.csv").write_text(DAYS, encoding="utf-8")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=_rows())
def test_generated_minute_files_fold_the_same(tmp_path_factory, monkeypatch, rows):
    folder = tmp_path_factory.mktemp("ic")
    _write(folder, rows)
    fast = _import(folder, monkeypatch, exact=False)
    exact = _import(folder, monkeypatch, exact=True)
    blank_row = any(not "".join(r).strip() for r in rows)
    assert ("attendance" in fast.stored) == (not blank_row)  # the fast path was taken
    assert not exact.stored
    assert_same(fast, exact)


def test_a_file_the_fast_path_cannot_read_goes_the_exact_way(tmp_path, monkeypatch):
    rows = [["1001", "10", "09/03/2024", "ALL", "UNX", "A", "U", "390", "390", ""]] * 2
    _write(tmp_path, rows)
    path = tmp_path / "Attendance.csv"
    path.write_text(path.read_text() + '1001,10,09/04/2024,ALL,EXC,A,E,60,390,"two\nlines"\n')
    fast = _import(tmp_path, monkeypatch, exact=False)
    assert not fast.stored  # a quoted line break: lines are not records
    assert_same(fast, _import(tmp_path, monkeypatch, exact=True))


def _district_files(tmp_path: Path) -> Path:
    """A synthetic district in Infinite Campus's layout (as benchmarks/imports.py makes it)."""
    from homeroom.synth import generate

    synth = tmp_path / "synth"
    generate(synth, students=400, schools=3, years=1, seed=3)
    out = tmp_path / "ic"
    out.mkdir()
    con = duckdb.connect()
    for table in ("schools", "students", "enrollments", "calendar", "attendance"):
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM '{synth / table}.parquet'")
    us = "strftime({}, '%m/%d/%Y')"
    con.execute(
        f"""COPY (SELECT e.student_id AS studentNumber, s.last_name AS lastName,
            s.first_name AS firstName, {us.format("s.birth_date")} AS birthdate,
            s.sex AS gender, '6' AS raceEthnicityFed, e.school_id AS schoolNumber,
            e.grade_level AS grade, {us.format("e.entry_date")} AS startDate,
            {us.format("e.exit_date")} AS endDate
        FROM enrollments e JOIN students s USING (student_id) ORDER BY e.student_id, e.entry_date
        ) TO '{out / "Enrollments.csv"}' (HEADER)"""
    )
    con.execute(
        f"""COPY (SELECT a.student_id AS studentNumber, a.school_id AS schoolNumber,
            {us.format("a.date")} AS date, 'ALL' AS periodName,
            CASE a.code WHEN 'E' THEN 'EXC' WHEN 'T' THEN 'TE' WHEN 'S' THEN 'OSS'
                WHEN 'H' THEN 'EXC' ELSE 'ZZ' END AS code, 'A' AS status, 'U' AS excuse,
            CASE WHEN a.code = 'H' THEN sc.day_minutes // 3
                 WHEN a.code = 'T' THEN coalesce(a.minutes_absent::INT, 0)
                 ELSE sc.day_minutes END AS absentMinutes,
            sc.day_minutes AS instructionalMinutes, NULL AS comments
        FROM attendance a JOIN schools sc USING (school_id) ORDER BY a.date, a.student_id
        ) TO '{out / "Attendance.csv"}' (HEADER)"""
    )
    con.execute(
        f"""COPY (SELECT sc.school_id AS schoolNumber, {us.format("c.date")} AS date,
            c.instructional::INT AS instruction
        FROM schools sc JOIN calendar c USING (calendar_id) ORDER BY sc.school_id, c.date
        ) TO '{out / "Days.csv"}' (HEADER)"""
    )
    return out


def test_a_synthetic_district_imports_and_writes_the_same(tmp_path, monkeypatch):
    folder = _district_files(tmp_path)
    fast = _import(folder, monkeypatch, exact=False)
    exact = _import(folder, monkeypatch, exact=True)
    assert "attendance" in fast.stored and fast.stored["attendance"].rows > 1000
    assert_same(fast, exact)
    definition = load_definition("default")
    written = {
        kind: write_import(result, tmp_path / kind, definition=definition)
        for kind, result in (("fast", fast), ("exact", exact))
    }
    for path in written["exact"].files:
        assert (tmp_path / "fast" / path.name).read_bytes() == path.read_bytes(), path.name
    pd.testing.assert_frame_equal(written["fast"].quarantine, written["exact"].quarantine)
    reports = [w.report_path.read_text().splitlines()[3:] for w in written.values()]
    assert reports[0] == reports[1]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.text(max_size=4), st.sampled_from(["S1", "03", ""]))),
        min_size=1,
        max_size=3,
    )
)
def test_shared_text_holds_the_same_cells_as_python_lists(chunks: list[list]) -> None:
    """One object per distinct value (interop/sis/scan.shared_text), the same cells and Nones."""
    import pyarrow as pa

    from homeroom.interop.sis.scan import shared_text

    column = pa.chunked_array([pa.array(c, type=pa.string()) for c in chunks], type=pa.string())
    cells = shared_text(column)
    assert cells.dtype == object
    assert cells.tolist() == column.to_pylist()
    present = [v for v in cells.tolist() if v is not None]
    assert len({id(v) for v in present}) == len(set(present))  # each value one object
