"""An import's large held tables are moved to Parquet once written: the same folder, report
and quarantine traced to the same source lines, with or without the move."""

from __future__ import annotations

import gc
from pathlib import Path

import pandas as pd
import pytest

from homeroom.definitions import load_definition
from homeroom.interop import ImportResult, spill, write_import
from homeroom.warehouse.memory import TEMP_DIRECTORY_ENV
from interop.test_output import _result


def _written(result: ImportResult, out: Path, fmt: str) -> tuple[dict, pd.DataFrame]:
    written = write_import(result, out, definition=load_definition("default"), fmt=fmt)
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}
    # The report says when it was written, to the minute.
    report = files["load_report.md"].decode().splitlines()
    files["load_report.md"] = "\n".join(r for r in report if not r.startswith("Written ")).encode()
    return files, written.quarantine


def _zz(quarantine: pd.DataFrame) -> tuple[str, int]:
    row = quarantine[quarantine["reason"].str.contains("ZZ")].iloc[0]
    return row["source_file"], int(row["source_line"])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_stored_tables_give_the_same_folder_and_quarantine(tmp_path, monkeypatch, fmt):  # noqa: ANN001
    kept_files, kept_quarantine = _written(_result(), tmp_path / "kept", fmt)
    monkeypatch.setattr(spill, "HELD_ROWS", 0)
    result = _result()
    moved_files, moved_quarantine = _written(result, tmp_path / "moved", fmt)
    # Every table but the students (a name holding a line break) left memory.
    assert sorted(result.stored) == ["attendance", "calendar", "codes", "enrollments", "schools"]
    assert list(result.tables) == ["students"]
    assert moved_files == kept_files
    pd.testing.assert_frame_equal(moved_quarantine, kept_quarantine)
    assert _zz(moved_quarantine) == ("att.csv", 9)
    # A stored table still reads back as the held one did, as text.
    held = _result().tables["attendance"]
    pd.testing.assert_frame_equal(result.tables["attendance"], held.astype(object))


def test_a_parquet_import_traces_rows_not_lines(tmp_path):
    """Validation numbers a Parquet file's rows from 1 (a CSV's lines from 2, after the header):
    the unknown code's row is still source line 9, not the row before it."""
    _files, quarantine = _written(_result(), tmp_path, "parquet")
    assert _zz(quarantine) == ("att.csv", 9)


def test_a_table_with_a_value_across_lines_stays_held(tmp_path, monkeypatch):  # noqa: ANN001
    """Its rows are traced by counting the lines each CSV row spans, so it is not stored."""
    monkeypatch.setattr(spill, "HELD_ROWS", 0)
    result = _result()
    attendance = result.tables["attendance"]
    attendance["note"] = ["called home\nno answer", None, None]  # ignored by validation
    _files, quarantine = _written(result, tmp_path, "csv")
    assert "attendance" not in result.stored
    assert _zz(quarantine) == ("att.csv", 9)


def test_the_stored_files_go_with_the_result(tmp_path, monkeypatch):  # noqa: ANN001
    """In a private folder where HOMEROOM_TEMP_DIRECTORY says, removed with the result."""
    monkeypatch.setattr(spill, "HELD_ROWS", 0)
    monkeypatch.setenv(TEMP_DIRECTORY_ENV, str(tmp_path))
    result = _result()
    assert spill.store_held(result) == ["attendance", "calendar", "codes", "enrollments", "schools"]
    folder = result.scratch_folder()
    assert folder.parent == tmp_path
    assert sorted(p.name for p in folder.iterdir())[0] == "held-attendance.parquet"
    assert folder.stat().st_mode & 0o777 == 0o700
    del result
    gc.collect()
    assert not folder.exists()


def test_small_tables_stay_frames():
    result = _result()
    assert spill.store_held(result) == []
    assert spill.store_held(result, least_rows=10) == ["calendar"]  # 20 school days
    assert result.rows_of("calendar") == 20
