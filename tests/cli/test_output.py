"""What `--out` and `--quarantine` write: formula-like ids and names neutralised (issue 12.3).

`homeroom metrics`, `signals`, `signals score` and `quality` all save through `frame_writer`;
`check --quarantine` and `load --quarantine` through `write_quarantine`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from homeroom.cli.output import UsageProblem, frame_writer, write_quarantine
from homeroom.contract.schema import QUARANTINE_COLUMNS

NASTY = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@x", "\tx", "a\rb"]
SAFE = ['\'=HYPERLINK("http://evil.example","x")', "'+1", "'-2", "'@x", "'\tx", "a\rb"]


def frame() -> pd.DataFrame:
    return pd.DataFrame({"student_id": NASTY, "rate": [-0.25, -1.0, 0, 0.5, 1, 2]})


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_out_csv_neutralises_text_and_keeps_negative_numbers(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    frame_writer(path)(frame(), path)
    rows = read_csv(path)
    assert [r[0] for r in rows[1:]] == SAFE
    assert [float(r[1]) for r in rows[1:]] == [-0.25, -1.0, 0, 0.5, 1, 2]
    assert b'"a\rb"' in path.read_bytes()


def test_out_xlsx_writes_text_never_formulas(tmp_path: Path) -> None:
    path = tmp_path / "rows.xlsx"
    frame_writer(path)(frame(), path)
    sheet = load_workbook(path)["rows"]
    ids = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.data_type for c in ids] == ["s"] * len(NASTY)
    assert [c.value for c in ids] == [s.replace("\r", "\n") for s in SAFE]
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == [-0.25, -1, 0, 0.5, 1, 2]


def test_out_refuses_another_suffix(tmp_path: Path) -> None:
    with pytest.raises(UsageProblem, match="--out must end in"):
        frame_writer(tmp_path / "rows.txt")


def test_quarantine_file_neutralises_rejected_values(tmp_path: Path) -> None:
    quarantine = pd.DataFrame({c: ["x"] * len(NASTY) for c in QUARANTINE_COLUMNS})
    quarantine["reason"] = NASTY
    path = tmp_path / "q" / "quarantine.csv"
    write_quarantine(quarantine, path)
    rows = read_csv(path)
    assert rows[0] == list(QUARANTINE_COLUMNS)
    assert [r[list(QUARANTINE_COLUMNS).index("reason")] for r in rows[1:]] == SAFE
