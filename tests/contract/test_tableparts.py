"""contract/tableparts: a frame written in parts is the file tablefiles writes for the whole
frame (CSV and JSON byte for byte, Parquet and XLSX cell for cell and widths), however it is
cut; nothing is left under the file's name when writing stops half way."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from homeroom.contract.tablefiles import writer_for
from homeroom.contract.tableparts import FrameParts

SCHEMA = pa.schema(
    [("student_id", pa.string()), ("tier", pa.int64()), ("rate", pa.float64()),
     ("first_day", pa.date32()), ("note", pa.string())]
)  # fmt: skip


def frame(rows: int) -> pd.DataFrame:
    notes = ["=HYPERLINK(x)", None, "plain, with a comma", "-3", "line\nbreak", "@who"]
    return pd.DataFrame(
        {
            "student_id": [f"S{n:04d}" for n in range(rows)],
            "tier": pd.array([None if n % 3 == 0 else n % 4 for n in range(rows)], dtype="Int64"),
            "rate": [n / 7 if n % 5 else float("nan") for n in range(rows)],
            "first_day": [dt.date(2024, 9, 1) + dt.timedelta(days=n % 40) for n in range(rows)],
            "note": [notes[n % len(notes)] for n in range(rows)],
        }
    )


def whole_and_parts(folder: Path, suffix: str, data: pd.DataFrame, cuts: list[int]):
    whole, parted = folder / f"whole{suffix}", folder / f"parts{suffix}"
    write = writer_for(whole)
    assert write is not None
    write(data, whole)
    edges = [0, *sorted(set(cuts)), len(data)]
    with FrameParts(parted, SCHEMA) as out:
        for start, stop in zip(edges, edges[1:], strict=False):
            out.write(data.iloc[start:stop])
        assert out.finish(data.iloc[:0]) == len(data)
    assert not parted.with_name(parted.name + ".partial").exists()
    return whole, parted


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.integers(0, 60), cuts=st.lists(st.integers(0, 60), max_size=5))
def test_csv_and_json_parts_are_the_whole_file_byte_for_byte(tmp_path, rows, cuts):
    data = frame(rows)
    for suffix in (".csv", ".json"):
        whole, parted = whole_and_parts(tmp_path, suffix, data, [c for c in cuts if c < rows])
        assert parted.read_bytes() == whole.read_bytes(), suffix


@pytest.mark.parametrize("rows, cuts", [(0, []), (7, [3]), (450, [1, 150, 151, 399])])
def test_parquet_parts_read_back_as_the_whole(tmp_path, rows, cuts):
    data = frame(rows)
    whole, parted = whole_and_parts(tmp_path, ".parquet", data, cuts)
    pd.testing.assert_frame_equal(pd.read_parquet(parted), pd.read_parquet(whole))


@pytest.mark.parametrize("rows, cuts", [(0, []), (7, [3]), (450, [1, 150, 151, 399])])
def test_xlsx_parts_are_the_whole_sheet_with_its_widths(tmp_path, rows, cuts):
    data = frame(rows)
    whole, parted = whole_and_parts(tmp_path, ".xlsx", data, cuts)
    sheets = [load_workbook(path)["rows"] for path in (whole, parted)]
    values = [[[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in sheets]
    assert values[0] == values[1]
    assert len(values[1]) == rows + 1
    widths = [{k: d.width for k, d in sheet.column_dimensions.items()} for sheet in sheets]
    assert widths[0] == widths[1]
    assert sheets[1].freeze_panes == "A2"


def test_a_stopped_writer_leaves_no_file(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), FrameParts(target) as out:
        out.write(frame(5))
        raise RuntimeError("stopped")
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match="out.txt"):
        FrameParts(tmp_path / "out.txt")
