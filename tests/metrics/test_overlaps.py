"""Students enrolled at two schools at once (metrics/overlaps.py): each school counts its own
stay; the district and the state count each membership date once, its largest absence."""

from __future__ import annotations

from pathlib import Path

import duckdb

from datasets import home_and_program, write_dataset
from homeroom.contract import validate_dataset
from homeroom.definitions import load_definition
from homeroom.engine import duckdb_tables, to_frame
from homeroom.metrics import membership_days

from .helpers import YEAR, approx, by_school, day, metrics


def _rows(tmp_path: Path, definition: str, per: str) -> dict[tuple[str, str], dict]:
    rows = metrics(tmp_path, home_and_program(), definition, per=per)
    unit = "school_id" if per == "school" else "district_id"
    return {(r["student_id"], r[unit]): r for r in rows}


def test_each_school_counts_its_own_stay(tmp_path: Path) -> None:
    # default: S1 10 days, 0.5 + 1 = 1.5 excused (15%); S2 5 days, 1 unexcused (20%).
    # edfacts: the half day at S1 is a whole day: 2 of 10.
    rows = _rows(tmp_path, "default", "school")
    s1, s2 = rows[("P1", "S1")], rows[("P1", "S2")]
    assert (s1["days_enrolled"], s1["days_absent"], s1["days_excused"]) == (10, 1.5, 1.5)
    assert (s2["days_enrolled"], s2["days_absent"], s2["days_unexcused"]) == (5, 1, 1)
    assert (s1["tardies"], s1["tardy_days"], s2["tardies"], s2["tardy_days"]) == (1, 0.5, 1, 0.25)
    assert s1["chronically_absent"] and not s2["eligible"]
    assert rows[("P2", "S3")]["days_enrolled"] == 5
    edfacts = _rows(tmp_path, "edfacts", "school")
    assert edfacts[("P1", "S1")]["days_absent"] == 2
    assert edfacts[("P1", "S2")]["days_absent"] == 1


def test_the_district_counts_each_date_once_with_its_largest_absence(tmp_path: Path) -> None:
    # P1 in D1: 10 distinct dates (not 15). Day 4: the larger of 0.5 excused and 1.0 unexcused
    # is the unexcused day; day 6: 1 excused. 2 of 10 = 20% (not 2.5 of 15). One late date,
    # its larger time 0.5. School and grade: the latest entry, the program at S2.
    row = _rows(tmp_path, "default", "district")[("P1", "D1")]
    assert (row["days_enrolled"], row["days_absent"]) == (10, 2)
    assert (row["days_excused"], row["days_unexcused"], row["unexcused_absences"]) == (1, 1, 1)
    assert (row["tardies"], row["tardy_days"]) == (1, 0.5)
    assert row["absence_rate"] == approx(0.2) and row["tier"] == "severe_chronic"
    assert row["school_id"] == "S2"
    # edfacts: day 4 is a whole day at both schools; the tie goes to the larger recorded
    # absence, the unexcused one: 2 of 10 again, 1 excused and 1 unexcused.
    edfacts = _rows(tmp_path, "edfacts", "district")[("P1", "D1")]
    assert (edfacts["days_enrolled"], edfacts["days_absent"]) == (10, 2)
    assert (edfacts["days_excused"], edfacts["days_unexcused"]) == (1, 1)
    # P2's program is in another district: each district counts its own stay.
    districts = _rows(tmp_path, "default", "district")
    assert districts[("P2", "D1")]["days_enrolled"] == 10
    assert districts[("P2", "D2")]["days_enrolled"] == 5


def test_the_state_counts_each_date_once(tmp_path: Path) -> None:
    # P2 in CA: 10 distinct dates, day 2 once: 1 of 10. Both stays entered on day 0: the row
    # takes the last school id, S3 (D2). P1 as in its district: 2 of 10.
    for definition in ("default", "edfacts"):
        state = metrics(tmp_path, home_and_program(), definition, per="state")
        rows = {r["student_id"]: r for r in state}
        assert (rows["P2"]["days_enrolled"], rows["P2"]["days_absent"]) == (10, 1), definition
        assert (rows["P2"]["district_id"], rows["P2"]["school_id"]) == ("D2", "S3")
        assert (rows["P1"]["days_enrolled"], rows["P1"]["days_absent"]) == (10, 2), definition


def test_aggregates_count_the_student_once_per_district_and_state(tmp_path: Path) -> None:
    # Schools: S1 has both students (P1 15%, P2 10%: both chronic), S2 and S3 one each (5
    # days, not eligible). D1: P1 (2 of 10) and P2 (1 of 10): ADA (20 - 3) / 20. CA: the same
    # two students, 20 days, 3 absent.
    b = home_and_program()
    schools = by_school(tmp_path, b)
    assert schools[(YEAR, "S1")]["chronically_absent_count"] == 2
    assert schools[(YEAR, "S2")]["students_eligible"] == 0
    district = {r["district_id"]: r for r in metrics(tmp_path, b, level="district")}["D1"]
    assert (district["students_enrolled"], district["chronically_absent_count"]) == (2, 2)
    assert district["ada"] == approx(17 / 20)
    for definition in ("default", "edfacts"):
        (state,) = metrics(tmp_path, b, definition, level="state")
        assert (state["students_enrolled"], state["students_eligible"]) == (2, 2)
        assert state["ada"] == approx(17 / 20)


def test_the_day_by_day_table_counts_a_shared_date_once(tmp_path: Path) -> None:
    # P1's days: 10 at S1 and 5 at S2, each with its own absence; the running amounts are the
    # district's: through day 4, 5 days and 1 absent (the larger of the two); at the end 10 and 2.
    definition = load_definition("default")
    folder = write_dataset(tmp_path / "data", home_and_program().data())
    con = duckdb.connect()
    try:
        report = validate_dataset(folder, con, definition=definition)
        tables = duckdb_tables(con, report.units_per_day)
        days = to_frame(membership_days(tables, definition, ["P1"])).to_dict("records")
    finally:
        con.close()
    unit = report.units_per_day
    assert len(days) == 15
    on_day_4 = {r["school_id"]: r for r in days if r["date"] == day(4)}
    assert (on_day_4["S1"]["counted_units"], on_day_4["S2"]["counted_units"]) == (unit // 2, unit)
    assert {(r["days_enrolled"], r["days_absent"]) for r in on_day_4.values()} == {(5, 1)}
    last = days[-1]
    assert (last["days_enrolled"], last["days_absent"], last["tardies"]) == (10, 2, 1)


def test_a_stored_pass_rolls_up_the_same_rows(tmp_path: Path) -> None:
    """A session stores the per-school pass and groups only the students with two rows in the
    district or state (students.roll_up): the home school and program are still one student
    with each date once, and a student with one row passes as it is."""
    import datetime as dt

    from homeroom.pipeline import MetricsSession, metrics_expression

    folder = tmp_path / "data"
    data = home_and_program().data()
    write_dataset(folder, data)
    definition = load_definition("default")
    as_of = max(dt.date.fromisoformat(r["date"]) for r in data["calendar"])
    con = duckdb.connect()
    units = validate_dataset(folder, con, definition=definition).units_per_day
    tables = duckdb_tables(con, units)
    rows = {}
    with MetricsSession(tables, definition, as_of=as_of, keep_rolled=True) as session:
        for per in ("district", "state"):
            plain = to_frame(metrics_expression(tables, definition, per=per, as_of=as_of))
            rows[per] = session.frame(per=per)
            assert rows[per].equals(plain), per
    con.close()
    district = rows["district"].set_index(["student_id", "district_id"])
    state = rows["state"].set_index("student_id")
    assert tuple(district.loc[("P1", "D1"), ["days_enrolled", "days_absent"]]) == (10, 2)
    assert district.loc[("P1", "D1"), "school_id"] == "S2"
    assert district.loc[("P2", "D1"), "days_enrolled"] == 10
    assert district.loc[("P2", "D2"), "days_enrolled"] == 5
    assert tuple(state.loc["P2", ["days_enrolled", "days_absent"]]) == (10, 1)
    assert tuple(state.loc["P2", ["district_id", "school_id"]]) == ("D2", "S3")
    assert tuple(state.loc["P1", ["days_enrolled", "days_absent"]]) == (10, 2)
