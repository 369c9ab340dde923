"""signals/flags: the watch list a group of schools at a time (flag_parts) gives exactly the
rows of all flagged students turned into flag rows at once (long_flags of flagged_facts, the
path it replaced), whatever the size of the groups, on the synthetic district at several
dates; and the counts per rule are the rows' own. The queue's flagged students, folded a group
of schools at a time, are the same rows in the same order as folded at once."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest

from homeroom.signals.flags import (
    COLUMNS,
    FLAG_SCHEMA,
    flag_parts,
    flag_students,
    flagged_facts,
    long_flags,
    school_ranges,
)
from homeroom.signals.queue_flags import folded, in_need_order, ranked_flags
from signals.conftest import DEFINITION

DAYS = (dt.date(2023, 10, 2), dt.date(2025, 2, 3), dt.date(2025, 6, 2))


def parts_of(tables, as_of: dt.date, part_students: int) -> tuple[list[pd.DataFrame], dict]:
    with flag_parts(tables, DEFINITION, as_of, part_students=part_students) as found:
        return list(found.parts()), found.students_by_rule()


@pytest.mark.parametrize("as_of", DAYS)
def test_the_parts_are_the_whole_watch_list_in_order(tables, as_of):
    facts = flagged_facts(tables, DEFINITION, as_of, lambda _step: None)
    expected = long_flags(facts, DEFINITION, tables.units_per_day)
    assert expected["school_id"].nunique() > 3
    pd.testing.assert_frame_equal(flag_students(tables, DEFINITION, as_of), expected)
    for size in (1, len(facts) // 3 + 1):
        parts, by_rule = parts_of(tables, as_of, size)
        schools = expected["school_id"].nunique()
        assert len(parts) == schools if size == 1 else 1 < len(parts) <= 3
        found = pd.concat(parts, ignore_index=True)
        pd.testing.assert_frame_equal(found, expected, check_exact=True)
        assert list(found.columns) == list(COLUMNS)
        assert pa.Schema.from_pandas(found, preserve_index=False).remove_metadata() == FLAG_SCHEMA
        counts = expected.groupby("rule")["student_id"].nunique()
        assert by_rule == {rule: int(counts.get(rule, 0)) for rule in by_rule}
        assert sum(by_rule.values()) > 0


def test_schools_are_grouped_whole_in_order():
    schools = [("A", 5), ("B", 1), ("C", 9), ("D", 2), ("E", 2)]
    assert list(school_ranges(schools, 6)) == [("A", "B", 6), ("C", "C", 9), ("D", "E", 4)]
    assert list(school_ranges(schools, 1)) == [(s, s, n) for s, n in schools]
    assert list(school_ranges(schools, 100)) == [("A", "E", 19)]
    assert list(school_ranges([], 10)) == []


@pytest.mark.parametrize("as_of", DAYS)
def test_the_queue_folded_a_group_of_schools_at_a_time_is_the_queue_folded_at_once(tables, as_of):
    upd = tables.units_per_day
    expected = ranked_flags(flagged_facts(tables, DEFINITION, as_of, lambda _step: None),
                            DEFINITION, upd)  # fmt: skip
    with flag_parts(tables, DEFINITION, as_of, part_students=1) as found:
        parts = [folded(facts, DEFINITION, upd) for facts in found.fact_parts()]
    assert len(parts) > 3
    pd.testing.assert_frame_equal(in_need_order(parts), expected, check_exact=True)
    assert in_need_order([]).empty and list(in_need_order([]).columns) == list(expected.columns)


def test_handing_back_memory_keeps_the_rows_and_the_limit(tables):
    con = tables.attendance.get_backend().con
    con.execute("SET memory_limit = '3GB'").fetchall()
    limit = con.execute("SELECT current_setting('memory_limit')").fetchall()
    as_of = DAYS[1]
    with flag_parts(tables, DEFINITION, as_of, part_students=50, hand_back_memory="3GB") as found:
        parts = list(found.parts())
        # handed back once the flagged students are stored: still there to read, limit restored
        assert con.execute("SELECT current_setting('memory_limit')").fetchall() == limit
    pd.testing.assert_frame_equal(
        pd.concat(parts, ignore_index=True), flag_students(tables, DEFINITION, as_of)
    )
    assert con.execute("SELECT current_setting('memory_limit')").fetchall() == limit
    con.execute("RESET memory_limit").fetchall()
