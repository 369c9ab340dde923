"""A big Ed-Fi import's attendance stored in a Parquet file in batches (stored_rows): the same
table, account and written dataset as the frame a small import keeps."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from homeroom.definitions import load_definition
from homeroom.interop import write_import
from homeroom.interop.edfi import import_edfi, stored_rows
from homeroom.interop.edfi.json_writer import write_edfi_json

FIXTURE = Path(__file__).parent / "fixtures" / "lakeview-json"


def _account(result) -> list:
    return [result.read, result.assumptions, result.notes, result.mappings, result.rejected_rows]


def _files(folder: Path) -> dict[str, list]:
    """Each CSV's cells (DuckDB, copying a stored table, quotes more cells than pandas does)."""
    return {
        p.name: pd.read_csv(p, dtype=str, keep_default_na=False).values.tolist()
        for p in sorted(folder.glob("*.csv"))
    }


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    from homeroom.synth import generate

    base = tmp_path_factory.mktemp("stored")
    generate(base / "synth", students=80, schools=3, years=2, seed=7)
    write_edfi_json(base / "synth", base / "edfi")
    return base / "edfi"


@pytest.mark.parametrize("which", ["synthetic", "fixture"])
def test_stored_attendance_is_the_frame_of_a_small_import(
    which: str, source: Path, tmp_path: Path, monkeypatch
) -> None:
    folder = source if which == "synthetic" else FIXTURE
    held = import_edfi(folder)
    monkeypatch.setattr(stored_rows, "STORE_FROM", 1)
    monkeypatch.setattr(stored_rows, "BATCH", 2)  # several batches, the last one short
    kept = import_edfi(folder)
    assert not held.stored and set(kept.stored) == {"attendance", "codes"}
    assert kept.stored["attendance"].rows == len(held.tables["attendance"]) > 2
    assert _account(kept) == _account(held)
    for name, frame in held.tables.items():
        text = kept.tables[name].to_csv(index=False, lineterminator="\n")
        assert text == frame.to_csv(index=False, lineterminator="\n"), name
    definition = load_definition(None)
    write_import(held, tmp_path / "held", definition=definition)
    write_import(kept, tmp_path / "kept", definition=definition)
    assert _files(tmp_path / "kept") == _files(tmp_path / "held")

    def report(folder: str) -> list[str]:  # less the minute it was written
        lines = (tmp_path / folder / "load_report.md").read_text().splitlines()
        return [line for line in lines if not line.startswith("Written ")]

    assert report("kept") == report("held")
