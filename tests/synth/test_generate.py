"""homeroom.synth.generate and demo_dataset: files, determinism, progress, formats, and a
dataset that validates with nothing quarantined."""

from __future__ import annotations

import re

import pandas as pd
import pyarrow.parquet as pq
import pytest

from homeroom.synth import demo_dataset, generate
from synth.generated import (
    FILES,
    digest,
    read,
)


def test_same_arguments_give_byte_identical_files(tmp_path):
    kwargs = dict(students=900, schools=8, years=2, seed=5, districts=2)
    generate(tmp_path / "a", **kwargs)
    generate(tmp_path / "b", **kwargs)
    generate(tmp_path / "c", **{**kwargs, "seed": 6})
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert (
        digest(tmp_path / "a")["attendance.parquet"] != digest(tmp_path / "c")["attendance.parquet"]
    )


def test_summary_files_and_progress(tmp_path):
    calls: list[tuple[int, int]] = []
    summary = generate(tmp_path, students=700, schools=5, progress=lambda *a: calls.append(a))
    assert set(summary.files) == set(FILES)
    assert all(path.exists() and path.suffix == ".parquet" for path in summary.files.values())
    assert calls and calls[-1][0] == calls[-1][1]
    assert summary.school_years == [2025] and summary.districts == 1 and summary.schools == 5
    assert summary.attendance_rows == pq.ParquetFile(summary.files["attendance"]).metadata.num_rows
    assert summary.stays == len(read(tmp_path, "enrollments"))
    assert summary.students == len(read(tmp_path, "students"))


def test_csv_holds_the_same_data_as_parquet(tmp_path):
    generate(tmp_path / "p", students=300, schools=4, years=2, seed=2)
    generate(tmp_path / "c", students=300, schools=4, years=2, seed=2, fmt="csv")
    for name in FILES:
        parquet = read(tmp_path / "p", name)
        csv = pd.read_csv(tmp_path / "c" / f"{name}.csv", dtype=str, keep_default_na=False)
        assert list(csv.columns) == list(parquet.columns)
        assert len(csv) == len(parquet)
    att = pd.read_csv(tmp_path / "c" / "attendance.csv", dtype=str, keep_default_na=False)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", att.date.iloc[0])


def test_demo_dataset_has_two_years_of_ten_schools(tmp_path):
    summary = demo_dataset(tmp_path)
    assert summary.schools == 10 and len(summary.school_years) == 2
    assert 3500 <= len(read(tmp_path, "enrollments").query("school_year == 2025")) <= 5000


@pytest.mark.parametrize("years", [1, 2])
def test_a_generated_dataset_validates_with_nothing_quarantined(tmp_path, years):
    contract = pytest.importorskip("homeroom.contract")
    if not hasattr(contract, "validate_dataset"):
        pytest.skip("the validator is not there yet")
    import duckdb

    from homeroom.definitions import load_definition

    generate(tmp_path, students=1500, schools=6, years=years, seed=9, districts=2)
    with duckdb.connect() as con:
        report = contract.validate_dataset(tmp_path, con, definition=load_definition("default"))
    assert report.quarantined == 0
