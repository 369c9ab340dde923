"""synth/writer: the files follow the contract's columns, types and enumerations."""

from __future__ import annotations

import pyarrow.parquet as pq

from homeroom.contract.schema import (
    CATEGORIES,
    GRADE_LEVELS,
    RACE_ETHNICITY,
    SEX,
    STUDENT_FLAGS,
    TABLES,
)
from synth.generated import (
    FILES,
)


def test_columns_types_and_enums_follow_the_schema(district, tables):
    folder, _ = district
    for name in FILES:
        assert set(tables[name].columns) <= set(TABLES[name].names), name
        assert set(TABLES[name].required) <= set(tables[name].columns), name
    types = {n: pq.read_schema(folder / f"{n}.parquet") for n in FILES}
    assert str(types["attendance"].field("date").type) == "date32[day]"
    assert str(types["attendance"].field("student_id").type) == "string"
    assert str(types["enrollments"].field("exit_date").type) == "date32[day]"
    for flag in STUDENT_FLAGS:
        assert str(types["students"].field(flag).type) == "bool"
    s = tables["students"]
    assert s.student_id.is_unique and s.student_id.str.fullmatch(r"S\d{7}").all()
    assert set(s.sex) <= set(SEX) and set(s.race_ethnicity) <= set(RACE_ETHNICITY)
    assert s.home_language.str.fullmatch(r"[a-z]{2}").all()
    assert set(tables["enrollments"].grade_level) <= set(GRADE_LEVELS)
    a = tables["attendance"]
    assert set(a.category.dropna()) <= set(CATEGORIES)
    assert set(a.code) <= set(tables["codes"].code)
    assert set(tables["codes"].category) <= set(CATEGORIES)
    assert a.absent_fraction.dropna().between(0, 1).all()
    sch = tables["schools"]
    assert sch.school_id.str.fullmatch(r"D01-[EMH]\d{2}").all() and set(sch.state) == {"ZZ"}
    assert sch.school_name.str.endswith(("Elementary School", "Middle School", "High School")).all()
    assert sch.day_minutes.between(330, 450).all()
