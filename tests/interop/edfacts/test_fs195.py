"""FS195 counts on the hand-made state of district.py: movers, the half-day rule, the minimum
days, the grades, and every category's permitted values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from homeroom.definitions import load_definition
from homeroom.interop.edfacts import (
    CATEGORIES,
    COUNT_COLUMNS,
    chronic_rows,
    fs195_counts,
    fs195_definition,
)
from homeroom.interop.edfacts.fs195 import FS195_GRADES
from interop.edfacts.district import LAST_DAY, YEAR, definition, tables_of


@pytest.fixture(scope="module")
def counts(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    chosen = definition()
    tables, con = tables_of(tmp_path_factory.mktemp("fs195"), chosen)
    try:
        return fs195_counts(chronic_rows(tables, chosen, YEAR, LAST_DAY))
    finally:
        con.close()


def cell(counts: pd.DataFrame, level: str, lea: str, school: str, category: str, value: str) -> int:
    rows = counts[
        (counts.level == level)
        & (counts.lea_id == lea)
        & (counts.school_id == school)
        & (counts.category == category)
        & (counts.value == value)
    ]
    assert len(rows) == 1, (level, lea, school, category, value)
    return int(rows.student_count.iloc[0])


def totals(counts: pd.DataFrame) -> dict[tuple[str, str, str], int]:
    rows = counts[counts.category == "total"]
    return {(r.level, r.lea_id, r.school_id): int(r.student_count) for r in rows.itertuples()}


def test_counts_columns_are_exactly_the_contract(counts: pd.DataFrame) -> None:
    assert tuple(counts.columns) == COUNT_COLUMNS == (
        "level", "lea_id", "school_id", "category", "value", "student_count",
    )  # fmt: skip
    assert set(counts.level) == {"SEA", "LEA", "SCH"}


def test_movers_count_at_each_school_and_district_once_in_the_state(
    counts: pd.DataFrame,
) -> None:
    # S1: A, H, M (2 of its 10 days), N (1 of 10). S2: M has 0 of 10, U is under the minimum.
    # S3: N (1 of 10). D1: A, H, M, N; D2: N. State: A, H, M, N, N once.
    assert totals(counts) == {
        ("SEA", "", ""): 4,
        ("LEA", "D1", ""): 4,
        ("LEA", "D2", ""): 1,
        ("SCH", "D1", "S1"): 4,
        ("SCH", "D1", "S2"): 0,
        ("SCH", "D2", "S3"): 1,
    }


def test_the_half_day_rule_of_the_edfacts_profile(tmp_path: Path) -> None:
    # H: three half days are three days (15%): counted. Q: five 0.4 days are no day: not.
    # The default profile (fractional) says the opposite: H 1.5 days (7.5%), Q 2 days (10%).
    default = fs195_definition(load_definition("default"))
    tables, con = tables_of(tmp_path, default)
    try:
        fractional = fs195_counts(chronic_rows(tables, default, YEAR, LAST_DAY))
    finally:
        con.close()
    # At S1 under the default: A, Q, M, N (H drops out, Q comes in).
    assert cell(fractional, "SCH", "D1", "S1", "total", "all") == 4
    assert cell(fractional, "SCH", "D1", "S1", "Racial Ethnic", "WH7") == 1  # Q
    assert cell(fractional, "SCH", "D1", "S1", "Racial Ethnic", "BL7") == 0  # H


def test_half_days_under_edfacts(counts: pd.DataFrame) -> None:
    assert cell(counts, "SCH", "D1", "S1", "Racial Ethnic", "BL7") == 1  # H
    assert cell(counts, "SCH", "D1", "S1", "Racial Ethnic", "WH7") == 0  # Q


def test_under_the_minimum_days_and_pre_k_are_not_counted(counts: pd.DataFrame) -> None:
    # U (white, F) has 3 of 5 days absent at S2; P (asian, F, PK) 10 of 20 at S1.
    assert cell(counts, "SCH", "D1", "S2", "Racial Ethnic", "WH7") == 0
    assert cell(counts, "SCH", "D1", "S2", "Sex (Membership)", "F") == 0
    assert cell(counts, "SCH", "D1", "S1", "Racial Ethnic", "AS7") == 1  # A, not P
    assert cell(counts, "SEA", "", "", "Racial Ethnic", "AS7") == 1
    assert "PK" not in FS195_GRADES and "TK" not in FS195_GRADES


def test_each_category_and_its_values_at_the_first_school(counts: pd.DataFrame) -> None:
    school = counts[(counts.level == "SCH") & (counts.school_id == "S1")]
    found = {
        (r.category, r.value): int(r.student_count)
        for r in school.itertuples()
        if r.student_count or r.category == "total"
    }
    assert found == {
        ("total", "all"): 4,
        ("Racial Ethnic", "AS7"): 1,  # A
        ("Racial Ethnic", "BL7"): 1,  # H
        ("Racial Ethnic", "HI7"): 1,  # M
        ("Racial Ethnic", "MU7"): 1,  # N
        ("Sex (Membership)", "F"): 1,  # A
        ("Sex (Membership)", "M"): 2,  # H, N
        ("Sex (Membership)", "X"): 1,  # M
        ("Disability Status (IDEA)", "WDIS"): 1,  # H
        ("English Learner Status", "LEP"): 1,  # A
        ("Economically Disadvantaged Status", "ECODIS"): 1,  # H
        ("Homeless Enrolled Status", "HOMELSENRL"): 1,  # M
        ("Disability Status (Section 504)", "DISAB504STAT"): 1,  # N
    }
    # Every permitted value has a row, zero where no student has it.
    for category in CATEGORIES:
        values = set(school[school.category == category.name].value)
        assert values == set(category.permitted), category.name


def test_a_student_with_no_value_is_missing(counts: pd.DataFrame) -> None:
    assert not (counts.value == "MISSING").any()  # every student here has race and sex
    race = next(c for c in CATEGORIES if c.column == "race_ethnicity")
    flag = next(c for c in CATEGORIES if c.column == "homeless")
    assert race.code(None) == "MISSING" and race.code(float("nan")) == "MISSING"
    assert flag.code(None) is None and flag.code(False) is None and flag.code(True) == "HOMELSENRL"


def test_district_and_state_categories(counts: pd.DataFrame) -> None:
    assert cell(counts, "LEA", "D2", "", "Disability Status (Section 504)", "DISAB504STAT") == 1
    assert cell(counts, "LEA", "D1", "", "Disability Status (Section 504)", "DISAB504STAT") == 1
    assert cell(counts, "SEA", "", "", "Disability Status (Section 504)", "DISAB504STAT") == 1
    assert cell(counts, "SEA", "", "", "Sex (Membership)", "M") == 2  # H, N once
