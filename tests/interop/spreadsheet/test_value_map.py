"""The spreadsheet's value mapping kept as Arrow text gives what the per-row Python mapping gave
(kept below as the reference), and the students' disagreement note counts as it did."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from homeroom.interop.result import ImportResult, Mapping
from homeroom.interop.spreadsheet import import_spreadsheet
from homeroom.interop.spreadsheet.importer import _value_map
from homeroom.interop.spreadsheet.layout import SEX_WORDS, header_key


def reference_value_map(raw: pd.Series, convert, kind: str, result: ImportResult) -> pd.Series:
    """_value_map as it was: a Python string per row and a dict lookup."""
    text = raw.astype("string").str.strip()
    text = text.mask(text == "")
    distinct = text.dropna().unique()
    table = {value: convert(value) for value in distinct}
    counts = text.value_counts()
    for value, target in sorted(table.items()):
        if target != value:
            result.mappings.append(Mapping(kind, value, target or "", int(counts[value])))
    lookup = {value: target or value for value, target in table.items()}
    out = text.astype(object).map(lookup).to_numpy(dtype=object)
    return pd.Series(np.where(text.notna().to_numpy(), out, pd.NA), index=text.index, dtype=object)


def _sex(value: str) -> str | None:
    return SEX_WORDS.get(header_key(value))


def _values(series: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v for v in series]


CELLS = st.one_of(
    st.sampled_from(["F", "female", " M ", "m", "X", "Nonbinary", "", "  ", "?", "f", "Female"]),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(CELLS, max_size=40), arrow=st.booleans())
def test_the_same_values_and_mappings_as_the_per_row_mapping(cells, arrow) -> None:
    raw = pd.Series(cells, dtype="string[pyarrow]" if arrow else object)
    got, expected = ImportResult("test", {}), ImportResult("test", {})
    mapped = _value_map(raw, _sex, "gender", got)
    reference = reference_value_map(raw, _sex, "gender", expected)
    assert _values(mapped) == _values(reference)
    assert got.mappings == expected.mappings


def test_hand_counted_mappings_in_the_order_of_their_values() -> None:
    result = ImportResult("test", {})
    raw = pd.Series(["female", "F", " female", None, "", "male", "Other"], dtype="string")
    mapped = _value_map(raw, _sex, "gender", result)
    assert _values(mapped) == ["F", "F", "F", None, None, "M", "Other"]
    assert result.mappings == [
        Mapping("gender", "Other", "", 1),  # not mapped: passed on as written
        Mapping("gender", "female", "F", 2),
        Mapping("gender", "male", "M", 1),
    ]


def test_a_student_at_two_schools_with_other_demographics_is_noted_once(tmp_path: Path) -> None:
    source = tmp_path / "moves.csv"
    source.write_text(
        "Student ID,School,Grade,Gender,Race,School Year,Days Enrolled,Days Absent\n"
        "1,Oak,9,F,White,2024-25,90,2\n"
        "1,Elm,9,M,White,2024-25,80,1\n"  # a second school, another gender: noted, first kept
        "2,Oak,9,F,Asian,2024-25,170,3\n"
        "2,Elm,9,F,Asian,2024-25,5,0\n"  # a second school, the same demographics
        "3,Oak,10,M,Black,2024-25,170,0\n",
        encoding="utf-8",
    )
    result = import_spreadsheet(source)
    notes = [n for n in result.notes if "other demographics" in n]
    assert notes == [
        "1 rows of students with rows at several schools give other demographics than the "
        "student's first row; the first row's are kept"
    ]
    students = result.tables["students"].set_index("student_id")
    assert students["sex"].to_dict() == {"1": "F", "2": "F", "3": "M"}
    assert students["source_line"].to_dict() == {"1": "2", "2": "4", "3": "6"}
