"""Two loads of a workspace: what changed in the attendance between them, kept per load."""

from __future__ import annotations

import pytest

from datasets import Builder, records, write_dataset
from homeroom.quality import stored_monitors
from homeroom.warehouse import connect, init_workspace, load_dataset
from quality.district import DAYS, district


def _coded(b: Builder) -> Builder:
    """S1's absences carry SIS codes (U unexcused, E excused) instead of categories."""
    b.code("U", "unexcused").code("E", "excused")
    for row in b.tables["attendance"]:
        if row["school_id"] == "S1":
            row["category"], row["code"] = "", "U"
    return b


def _s1_row(b: Builder, day: int) -> dict[str, str]:
    """The first S1 attendance row of school day `day`."""
    date = DAYS[day].isoformat()
    return next(r for r in b.tables["attendance"] if r["school_id"] == "S1" and r["date"] == date)


@pytest.fixture
def space(tmp_path):
    return init_workspace(tmp_path / "space")


def test_two_re_coded_absences_and_one_removed_are_found_exactly(tmp_path, space):
    first = write_dataset(tmp_path / "week1", _coded(district(through=100)).data())
    result = load_dataset(space, first)
    changed = {m.key: m for m in result.monitors}["changed_absences"]
    assert changed.status == "info"  # the first load has nothing to compare with

    # A week later: ten more school days, two absences re-coded, one removed.
    b = _coded(district(through=110))
    recoded = [_s1_row(b, 20), _s1_row(b, 30)]
    for row in recoded:
        row["code"] = "E"
    removed = _s1_row(b, 40)
    b.tables["attendance"].remove(removed)
    second = load_dataset(space, write_dataset(tmp_path / "week2", b.data()))
    changed = {m.key: m for m in second.monitors}["changed_absences"]
    assert changed.status == "warning"
    assert changed.count == 3
    assert records(changed.detail) == [
        {"change": "re-coded", "from_category": "unexcused", "from_days": 1.0,
         "to_category": "excused", "to_days": 1.0, "rows": 2},
        {"change": "disappeared", "from_category": "unexcused", "from_days": 1.0,
         "to_category": None, "to_days": None, "rows": 1},
    ]  # fmt: skip
    assert records(changed.rows) == [
        *(
            {"change": "re-coded", "student_id": row["student_id"], "school_id": "S1",
             "date": DAYS[day], "from_category": "unexcused", "from_code": "U",
             "from_days": 1.0, "to_category": "excused", "to_code": "E", "to_days": 1.0}
            for day, row in zip((20, 30), recoded, strict=True)
        ),
        {"change": "disappeared", "student_id": removed["student_id"], "school_id": "S1",
         "date": DAYS[40], "from_category": "unexcused", "from_code": "U", "from_days": 1.0,
         "to_category": None, "to_code": None, "to_days": None},
    ]  # fmt: skip
    assert changed.summary == (
        "2 absences re-coded (unexcused → excused: 2); 1 row disappeared on dates before "
        f"{DAYS[99]}, the previous load's last date"
    )

    con = connect(space, read_only=True)
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert "previous_attendance" not in tables  # dropped once compared
        kept = {m.key: m for m in stored_monitors(con, second.load_id)}
        assert records(kept["changed_absences"].rows) == records(changed.rows)
        assert records(kept["changed_absences"].detail) == records(changed.detail)
        assert [m.summary for m in stored_monitors(con, result.load_id)] == [
            m.summary for m in result.monitors
        ]
    finally:
        con.close()

    # The same files again change nothing and show the findings kept for that load.
    again = load_dataset(space, tmp_path / "week2")
    assert again.status == "unchanged"
    assert [m.summary for m in again.monitors] == [m.summary for m in second.monitors]


def test_amounts_and_late_entries_count_but_new_days_do_not(tmp_path, space):
    load_dataset(space, write_dataset(tmp_path / "one", district(through=100).data()))
    b = district(through=120)  # days 100-119 are new, not late
    half = _s1_row(b, 10)
    half["absent_fraction"] = "0.5"
    b.absent("A01", "S1", DAYS[11], "tardy", fraction="0.1")  # A01 had no row that day
    result = load_dataset(space, write_dataset(tmp_path / "two", b.data()))
    changed = {m.key: m for m in result.monitors}["changed_absences"]
    assert records(changed.detail) == [
        {"change": "re-coded", "from_category": "unexcused", "from_days": 1.0,
         "to_category": "unexcused", "to_days": 0.5, "rows": 1},
        {"change": "appeared", "from_category": None, "from_days": None,
         "to_category": "tardy", "to_days": 0.1, "rows": 1},
    ]  # fmt: skip
    assert [(r["change"], r["student_id"], r["date"]) for r in records(changed.rows)] == [
        ("re-coded", half["student_id"], DAYS[10]),
        ("appeared", "A01", DAYS[11]),
    ]
    assert changed.summary.startswith("1 absence re-coded (unexcused 1 → unexcused 0.5: 1)")


def test_a_refused_load_keeps_the_attendance_it_would_have_compared(tmp_path, space):
    first = load_dataset(space, write_dataset(tmp_path / "one", district(through=50).data()))
    broken = write_dataset(tmp_path / "two", district(through=60).data())
    (broken / "enrollments.csv").write_text("student_id,school_id\nA01,S1\n", encoding="utf-8")
    with pytest.raises(Exception, match="required column"):
        load_dataset(space, broken)
    con = connect(space, read_only=True)
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert "attendance" in tables and "previous_attendance" not in tables
        rows = con.execute("SELECT count(*) FROM attendance").fetchall()[0][0]
        assert rows == first.rows_loaded["attendance"]
    finally:
        con.close()
