"""The sources `benchmarks/imports.py` imports, made from a synthetic district: its canonical
tables, their Ed-Fi JSON, Infinite Campus files and a spreadsheet export. Each runs in its own
process (`imports.py --child STEP ...`) so its time and memory are its own."""

from __future__ import annotations

import time
from pathlib import Path

from steps import Clock, shape


# -- preparing the sources (each in its own process) ----------------------------------------------
def step_synth(folder: Path, students: str) -> dict:
    from homeroom.synth import generate

    started = time.perf_counter()
    summary = generate(folder, **shape(int(students)), years=1, seed=1)
    return {
        "seconds": time.perf_counter() - started,
        "stays": summary.stays,
        "attendance_rows": summary.attendance_rows,
        "student_days": summary.student_days,
    }


def step_edfi_json(synth: Path, out: Path) -> dict:
    from homeroom.interop.edfi.json_writer import write_edfi_json

    started = time.perf_counter()
    files = write_edfi_json(synth, out)
    return {
        "seconds": time.perf_counter() - started,
        "bytes": sum(f.stat().st_size for f in files),
    }


# Synthetic SIS code → Infinite Campus code, status and excuse (the preset's [codes] table).
IC_CODES = """
    SELECT * FROM (VALUES
        ('A', 'UNX', 'A', 'U', 'day'), ('U', 'UNX', 'A', 'U', 'day'), ('E', 'EXC', 'A', 'E', 'day'),
        ('H', 'EXC', 'A', 'E', 'half'), ('S', 'OSS', 'A', 'U', 'day'),
        ('ISS', 'ISS', 'A', 'X', 'none'), ('T', 'TE', 'T', 'U', 'minutes'),
        ('ED', 'ER', 'E', 'U', 'minutes'), ('FT', 'SCH', 'A', 'X', 'none'),
        ('R', 'VIR', 'A', 'X', 'none')
    ) AS t(code, ic_code, status, excuse, amount)
"""
IC_RACE = """
    CASE race_ethnicity WHEN 'hispanic_latino' THEN '1'
        WHEN 'american_indian_alaska_native' THEN '2' WHEN 'asian' THEN '3' WHEN 'black' THEN '4'
        WHEN 'native_hawaiian_pacific_islander' THEN '5' WHEN 'white' THEN '6'
        WHEN 'two_or_more' THEN '7' END
"""


def step_sis_files(synth: Path, out: Path) -> dict:
    """The district as Infinite Campus Ad Hoc exports: US dates, codes, minutes absent."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = duckdb.connect()
    for table in ("schools", "students", "enrollments", "calendar", "attendance", "codes"):
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM '{synth / table}.parquet'")
    us = "strftime({}, '%m/%d/%Y')"
    con.execute(
        f"""COPY (
        SELECT e.student_id AS studentNumber, s.last_name AS lastName, s.first_name AS firstName,
               {us.format("s.birth_date")} AS birthdate, s.sex AS gender,
               {IC_RACE} AS raceEthnicityFed, e.school_id AS schoolNumber,
               CASE e.grade_level WHEN 'KG' THEN 'K' ELSE e.grade_level END AS grade,
               {us.format("e.entry_date")} AS startDate, {us.format("e.exit_date")} AS endDate,
               CASE WHEN e.exit_date IS NOT NULL THEN 'W1' END AS endStatus
        FROM enrollments e JOIN students s USING (student_id)
        ORDER BY e.student_id, e.entry_date
        ) TO '{out / "Enrollments.csv"}' (HEADER)"""
    )
    con.execute(
        f"""COPY (
        SELECT a.student_id AS studentNumber, a.school_id AS schoolNumber,
               {us.format("a.date")} AS date, 'ALL' AS periodName,
               c.ic_code AS code, c.status, c.excuse,
               CASE c.amount WHEN 'day' THEN sc.day_minutes
                    WHEN 'half' THEN sc.day_minutes // 2
                    WHEN 'minutes' THEN coalesce(a.minutes_absent::INT, 0)
                    ELSE 0 END AS absentMinutes,
               sc.day_minutes AS instructionalMinutes, NULL AS comments
        FROM attendance a JOIN ({IC_CODES}) c USING (code) JOIN schools sc USING (school_id)
        ORDER BY a.student_id, a.date
        ) TO '{out / "Attendance.csv"}' (HEADER)"""
    )
    con.execute(
        f"""COPY (
        SELECT sc.school_id AS schoolNumber, {us.format("c.date")} AS date,
               c.instructional::INT AS instruction
        FROM schools sc JOIN calendar c USING (calendar_id)
        ORDER BY sc.school_id, c.date
        ) TO '{out / "Days.csv"}' (HEADER)"""
    )
    lost = con.execute(
        f"SELECT (SELECT count(*) FROM attendance) - (SELECT count(*) FROM ({IC_CODES}) c"
        " JOIN attendance a USING (code))"
    ).fetchone()[0]
    if lost:
        raise SystemExit(f"{lost} synthetic attendance rows have a code IC_CODES lacks")
    files = sorted(out.glob("*.csv"))
    return {
        "seconds": time.perf_counter() - started,
        "bytes": sum(f.stat().st_size for f in files),
    }


def step_export(synth: Path, out: Path) -> dict:
    """`homeroom export spreadsheet`; for .csv the same Students sheet, written as CSV."""
    from homeroom.definitions import load_definition
    from homeroom.interop.spreadsheet import export, export_spreadsheet
    from homeroom.resolver import resolve

    if out.suffix == ".csv":
        # Past a million rows a workbook cannot hold the sheet; districts that large keep CSV.
        def write(path: Path, students, schools, readme) -> None:
            students.to_csv(out, index=False, lineterminator="\n")

        export.workbook.write = write
    clock = Clock()
    with resolve(data=synth, definition=load_definition(None), progress=clock) as request:
        summary = export_spreadsheet(request, out.with_suffix(".xlsx"), progress=clock)
    clock("done")
    return {
        "seconds": clock.total(),
        "steps": clock.steps,
        "rows": summary.rows,
        "bytes": out.stat().st_size,
    }
