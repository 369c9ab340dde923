"""What a state loaded district by district sees: `homeroom history` names the district each
load replaced, and the data page lists every district's quarantine, not only the last
district's (the serving file keeps the quarantine of every load in force)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from cli_helpers import run
from homeroom.synth import generate
from homeroom.warehouse import init_workspace, load_dataset
from homeroom.warehouse.district_load import load_district
from homeroom.web.snapshot import prepare_serving


def _district_folder(state: Path, out: Path, district: str, bad_line: int) -> Path:
    """One district's files with one attendance row whose date is not a date."""
    out.mkdir(parents=True)
    read = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in state.glob("*.csv")}
    schools = read["schools"][read["schools"].district_id == district]
    stays = read["enrollments"][read["enrollments"].school_id.isin(schools.school_id)]
    cut = {
        "schools": schools,
        "students": read["students"][read["students"].student_id.isin(stays.student_id)],
        "enrollments": stays,
        "calendar": read["calendar"][read["calendar"].calendar_id.isin(schools.calendar_id)],
        "attendance": read["attendance"][read["attendance"].school_id.isin(schools.school_id)],
        "codes": read["codes"],
    }
    cut["attendance"] = cut["attendance"].reset_index(drop=True)
    cut["attendance"].loc[bad_line - 2, "date"] = "not-a-date"
    for name, frame in cut.items():
        frame.to_csv(out / f"{name}.csv", index=False)
    return out


def _quarantined(serving: Path) -> pd.DataFrame:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute('SELECT load_id, "table", line FROM quarantine ORDER BY load_id').df()


def test_history_and_data_page_cover_every_district(capsys, tmp_path: Path) -> None:  # noqa: ANN001
    generate(tmp_path / "state", students=60, schools=2, districts=2, seed=3, fmt="csv")
    d1 = _district_folder(tmp_path / "state", tmp_path / "d1", "D01", bad_line=2)
    d2 = _district_folder(tmp_path / "state", tmp_path / "d2", "D02", bad_line=3)
    workspace = init_workspace(tmp_path / "ws", name="State")
    first = load_district(workspace, d1, "D01")
    second = load_district(workspace, d2, "D02")
    rows = _quarantined(prepare_serving(workspace))
    assert list(rows.load_id) == [first.load_id, second.load_id]
    assert list(rows.line) == [2, 3]
    listed = run(capsys, "history", "--workspace", tmp_path / "ws")
    assert listed.exit_code == 0, listed.stderr
    lines = [line for line in listed.stdout.splitlines() if "loaded" in line]
    assert "district" in listed.stdout
    assert ["D01" in lines[0], "D02" in lines[1]] == [True, True]

    # A whole load afterwards replaces every district: only its own rows are in force.
    load_dataset(workspace, tmp_path / "state", allow_shrink=True)
    assert _quarantined(prepare_serving(workspace)).empty
    whole = [
        line
        for line in run(capsys, "history", "--workspace", tmp_path / "ws").stdout.splitlines()
        if "loaded" in line
    ]
    assert "all" in whole[-1]
