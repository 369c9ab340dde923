"""The roll-up's latest school (metrics/students.py `latest_school_key`) against the rule it
replaced: the largest text "entry date, school id", compared byte by byte."""

from __future__ import annotations

import datetime as dt

import duckdb
import hypothesis.strategies as st
import ibis
import pandas as pd
from hypothesis import given, settings

from homeroom.metrics.students import latest_school_key

# School ids as districts write them: prefixes of each other, digits, spaces, accents, CJK.
SCHOOL_IDS = st.text(
    alphabet=st.sampled_from(list("S0123 -_aZé中")), min_size=1, max_size=6
).filter(lambda s: s.strip() == s)
# Mostly days close together (a later entry must win over a larger school id), some far apart.
ENTRIES = st.one_of(
    st.dates(min_value=dt.date(2024, 9, 1), max_value=dt.date(2024, 9, 6)),
    st.dates(min_value=dt.date(1960, 1, 1), max_value=dt.date(2099, 12, 31)),
)


@settings(max_examples=60, deadline=None)
@given(
    schools=st.lists(SCHOOL_IDS, min_size=1, max_size=8, unique=True),
    picks=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 7), ENTRIES), min_size=1, max_size=12
    ),
)
def test_the_key_picks_the_school_the_text_picked(
    schools: list[str], picks: list[tuple[int, int, dt.date]]
) -> None:
    # One row per student and school (as the per-school rows are), any entry dates, ties too.
    rows = {}
    for student, school, entry in picks:
        rows[(f"P{student}", schools[school % len(schools)])] = entry
    units = pd.DataFrame(
        [{"student_id": p, "school_id": s, "latest_entry": e} for (p, s), e in rows.items()]
    )
    con = duckdb.connect()
    try:
        backend = ibis.duckdb.from_connection(con)
        table = backend.create_table("units", units)
        listed = backend.create_table("schools", pd.DataFrame({"school_id": schools}))
        keyed = latest_school_key(table, listed)
        picked = keyed.group_by("student_id").aggregate(
            school_id=keyed.school_id.argmax(keyed._latest)
        )
        found = dict(zip(*picked.to_pandas().to_dict("list").values(), strict=True))
    finally:
        con.close()
    expected = {}
    for (student, school), entry in rows.items():
        # Python compares text by code point, which is UTF-8's byte order.
        text = f"{entry.isoformat()} {school}"
        if student not in expected or text > expected[student][0]:
            expected[student] = (text, school)
    assert found == {student: school for student, (_text, school) in expected.items()}
