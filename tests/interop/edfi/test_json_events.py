"""The Ed-Fi JSON writer's events written in batches from templates: the same bytes as the
per-record `events` (every category, exact and rounded durations, ids that need escaping)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from homeroom.contract import validate_dataset
from homeroom.definitions import load_definition
from homeroom.interop.edfi.json_events import EventLines
from homeroom.interop.edfi.json_students import events
from homeroom.interop.edfi.json_words import ATTENDANCE, SchoolIds
from homeroom.interop.edfi.json_writer import edfi_resources, write_edfi_json
from homeroom.interop.edfi.jsonfiles import items_text, write_lines_atomic


def _attendance() -> pd.DataFrame:
    rows = []
    students = ["S1", 'quo"te', "é-ü", "back\\slash"]
    for n, category in enumerate(sorted(ATTENDANCE) * 3):
        rows.append(
            {
                "student_id": students[n % len(students)],
                "school_id": ["10", "20"][n % 2],
                "school_year": 2024 + n % 2,
                "date": dt.date(2024, 9, 2) + dt.timedelta(days=n),
                "category": category,
                "absent_units": [0, 1, 3, 6][n % 4],
            }
        )
    return pd.DataFrame(rows)


def test_event_lines_give_the_bytes_of_the_per_record_events(tmp_path: Path) -> None:
    schools = pd.DataFrame({"school_id": ["10", "20"], "day_minutes": [390, None]})
    ids = SchoolIds({"1": 1}, {"10": 100001, "20": 100002}, True)
    attendance = _attendance()
    table = pa.Table.from_pandas(attendance, preserve_index=False)
    lines = EventLines(schools, ids, 6)
    path = tmp_path / "events.json"
    write_lines_atomic(
        path, (line for b in table.to_batches(max_chunksize=5) for line in lines.lines(b))
    )
    expected = items_text(events(attendance, schools, ids, 6))
    assert path.read_text(encoding="utf-8") == expected
    write_lines_atomic(path, iter(()))
    assert path.read_text(encoding="utf-8") == items_text([])


def test_written_files_are_the_resources_of_the_whole_tables(tmp_path: Path) -> None:
    from homeroom.synth import generate

    generate(tmp_path / "synth", students=60, schools=3, years=2, seed=5)
    written = write_edfi_json(tmp_path / "synth", tmp_path / "edfi")
    con = duckdb.connect()
    report = validate_dataset(tmp_path / "synth", con, definition=load_definition(None))
    names = ("schools", "students", "enrollments", "calendar", "attendance")
    tables = {name: con.execute(f"SELECT * FROM main.{name}").df() for name in names}
    resources = edfi_resources(tables, report.units_per_day)
    files = {path.stem: path for path in written if path.suffix == ".json"}
    con.close()
    assert set(files) == {name for name in resources if not name.startswith("_")}
    assert len(resources["studentSchoolAttendanceEvents"]) > 100
    for name, path in files.items():
        assert path.read_text(encoding="utf-8") == items_text(resources[name]), name
