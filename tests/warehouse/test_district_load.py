"""A state workspace loaded district by district (issue 16 point 1): `load --district ID`
replaces one district's rows, all or nothing, and leaves the others byte for byte."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from homeroom.contract import ContractError
from homeroom.pipeline import metrics_for_workspace
from homeroom.warehouse import (
    ShrinkRefused,
    connect,
    current_load,
    init_workspace,
    load_dataset,
    load_history,
)
from homeroom.warehouse import district_load as district_module
from homeroom.warehouse.district_load import load_district

TABLES = ("schools", "students", "enrollments", "calendar", "attendance", "contacts", "supports")


def _read(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in folder.glob("*.csv")}


def _write(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def _district(state: dict[str, pd.DataFrame], district: str) -> dict[str, pd.DataFrame]:
    """One district's canonical tables cut out of a synthetic state."""
    schools = state["schools"][state["schools"].district_id == district]
    stays = state["enrollments"][state["enrollments"].school_id.isin(schools.school_id)]
    students = state["students"][state["students"].student_id.isin(stays.student_id)]
    return {
        "schools": schools,
        "students": students,
        "enrollments": stays,
        "calendar": state["calendar"][state["calendar"].calendar_id.isin(schools.calendar_id)],
        "attendance": state["attendance"][state["attendance"].school_id.isin(schools.school_id)],
        "codes": state["codes"],
        "contacts": state["contacts"][state["contacts"].student_id.isin(students.student_id)],
    }


def _whole(*districts: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {
        name: pd.concat([d[name] for d in districts]).drop_duplicates() for name in districts[0]
    }


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two districts, a mover enrolled in both, and a changed export of district D01."""
    from homeroom.synth import generate

    root = tmp_path_factory.mktemp("state")
    generate(root / "synth", students=80, schools=4, districts=2, seed=5, fmt="csv")
    tables = _read(root / "synth")
    stays = tables["enrollments"]
    # The mover: a D02 student also enrolled all year at a D01 school of the same kind.
    mover = stays[stays.school_id == "D02-E01"].iloc[[0]].copy()
    mover["school_id"] = "D01-E01"
    tables["enrollments"] = pd.concat([stays, mover])
    d1, d2 = _district(tables, "D01"), _district(tables, "D02")
    assert set(d1["students"].student_id) & set(d2["students"].student_id)  # the mover
    changed = {name: frame.copy() for name, frame in d1.items()}
    # D01's new export: one student left (not the mover), a tenth of its absences re-coded.
    mover_id = mover.student_id.iloc[0]
    gone = next(s for s in changed["students"].student_id if s != mover_id)
    for name in ("students", "enrollments", "attendance", "contacts"):
        changed[name] = changed[name][changed[name].student_id != gone]
    recoded = changed["attendance"].index[::10]
    changed["attendance"].loc[recoded, ["code", "category"]] = ["", "tardy"]
    return {
        "whole": _write(root / "whole", _whole(d1, d2)),
        "d1": _write(root / "d1", d1),
        "d2": _write(root / "d2", d2),
        "d1_changed": _write(root / "d1_changed", changed),
        "final": _write(root / "final", _whole(changed, d2)),
        "mover": Path(mover_id),  # an id, carried in the same mapping
        "gone": Path(gone),
    }


def _tables(space) -> dict[str, pd.DataFrame]:
    con = connect(space, read_only=True)
    try:
        return {
            t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").df().reset_index(drop=True)
            for t in TABLES
        }
    finally:
        con.close()


def _district_rows(tables: dict[str, pd.DataFrame], district: str) -> dict[str, pd.DataFrame]:
    schools = tables["schools"][tables["schools"].district_id == district]
    at = {
        t: tables[t][tables[t].school_id.isin(schools.school_id)].reset_index(drop=True)
        for t in ("enrollments", "attendance")
    }
    students = tables["students"][tables["students"].student_id.isin(at["enrollments"].student_id)]
    calendar = tables["calendar"][tables["calendar"].calendar_id.isin(schools.calendar_id)]
    return {
        "schools": schools.reset_index(drop=True),
        "students": students.reset_index(drop=True),
        "calendar": calendar.reset_index(drop=True),
        **at,
    }


def _same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def test_a_district_reload_replaces_that_district_only(state, tmp_path):
    space = init_workspace(tmp_path / "space")
    first = load_dataset(space, state["whole"])
    before = _tables(space)
    result = load_district(space, state["d1_changed"], "D01")
    after = _tables(space)
    assert result.status == "loaded" and result.load_id == first.load_id + 1
    _same(_district_rows(before, "D02"), _district_rows(after, "D02"))
    # D01's rows are the new export's: the same as a whole load of the final state.
    final = init_workspace(tmp_path / "final")
    load_dataset(final, state["final"])
    _same(_tables(final), after)
    mover, gone = str(state["mover"]), str(state["gone"])
    assert list(after["students"].student_id).count(mover) == 1
    assert gone in set(before["students"].student_id) - set(after["students"].student_id)
    con = connect(space, read_only=True)
    try:
        history = load_history(con)
        assert list(history.district_id.fillna("")) == ["", "D01"]
        assert current_load(con).load_id == result.load_id
    finally:
        con.close()
    # Loading the same folder again changes nothing.
    assert load_district(space, state["d1_changed"], "D01").status == "unchanged"


def test_state_metrics_after_district_loads_equal_a_whole_load(state, tmp_path):
    """The acceptance: a state loaded district by district gives the whole state's numbers."""
    by_district = init_workspace(tmp_path / "by-district")
    load_district(by_district, state["d2"], "D02")
    load_district(by_district, state["d1"], "D01")
    load_district(by_district, state["d1_changed"], "D01")
    whole = init_workspace(tmp_path / "whole")
    load_dataset(whole, state["final"])
    for level in ("state", "district", "school"):
        got = metrics_for_workspace(by_district, level=level)
        expected = metrics_for_workspace(whole, level=level)
        pd.testing.assert_frame_equal(got, expected, obj=level)
    assert len(metrics_for_workspace(by_district, level="district")) == 2


def test_a_school_of_another_district_is_refused_and_nothing_changes(state, tmp_path):
    space = init_workspace(tmp_path / "space")
    loaded = load_dataset(space, state["whole"])
    before = _tables(space)
    with pytest.raises(ContractError, match=r"schools.csv line 2, column district_id: is 'D02'"):
        load_district(space, state["d2"], "D01")
    _same(before, _tables(space))
    con = connect(space, read_only=True)
    try:
        assert current_load(con).load_id == loaded.load_id
        assert list(load_history(con).status) == ["loaded", "failed"]
    finally:
        con.close()


def test_a_failure_midway_leaves_the_previous_load_current(state, tmp_path, monkeypatch):
    space = init_workspace(tmp_path / "space")
    loaded = load_dataset(space, state["whole"])
    before = _tables(space)
    merge = district_module.merge_district

    def merge_then_fail(*args, **kwargs):
        merge(*args, **kwargs)  # the district's rows are already replaced when this fails
        raise RuntimeError("disk full")

    monkeypatch.setattr(district_module, "merge_district", merge_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        load_district(space, state["d1_changed"], "D01")
    _same(before, _tables(space))
    con = connect(space, read_only=True)
    try:
        assert current_load(con).load_id == loaded.load_id
        history = load_history(con)
        assert list(history.status) == ["loaded", "failed"]
        assert list(history.district_id.fillna("")) == ["", "D01"]
    finally:
        con.close()


def test_the_shrink_guard_counts_the_districts_own_rows(state, tmp_path):
    space = init_workspace(tmp_path / "space")
    load_dataset(space, state["whole"])
    tables = _read(state["d1"])
    tables["attendance"] = tables["attendance"].iloc[: len(tables["attendance"]) // 3]
    folder = _write(tmp_path / "d1-short", tables)
    with pytest.raises(ShrinkRefused, match=r"district D01 .* attendance would lose more than"):
        load_district(space, folder, "D01")
    result = load_district(space, folder, "D01", allow_shrink=True)
    assert result.rows_loaded["attendance"] == len(tables["attendance"])


def test_a_workspace_made_before_district_loads_is_read_and_migrated(state, tmp_path):
    space = init_workspace(tmp_path / "space")
    load_dataset(space, state["whole"])
    con = connect(space)
    con.execute("ALTER TABLE load_history DROP COLUMN district_id")  # as an older version made it
    con.close()
    con = connect(space, read_only=True)
    try:
        assert list(load_history(con).district_id.isna()) == [True]
    finally:
        con.close()
    load_district(space, state["d1_changed"], "D01")
    con = connect(space, read_only=True)
    try:
        assert list(load_history(con).district_id.fillna("")) == ["", "D01"]
    finally:
        con.close()
