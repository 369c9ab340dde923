"""A load keeps its monitors' findings even when killed after committing, and a load may not
quietly empty the district (issue 12, points 5 and 6)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from homeroom.quality import stored_monitors
from homeroom.warehouse import (
    WorkspaceError,
    connect,
    current_load,
    init_workspace,
    load_dataset,
)
from homeroom.warehouse.loader import ShrinkRefused


def _copy(district: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(district, data)
    return data


def _keep(data: Path, table: str, share: float) -> tuple[int, int]:
    """Keep the first `share` of a table's rows (0: the header only); (before, after)."""
    frame = pd.read_csv(data / f"{table}.csv", dtype=str, keep_default_na=False)
    kept = frame.iloc[: int(len(frame) * share)]
    kept.to_csv(data / f"{table}.csv", index=False)
    return len(frame), len(kept)


def _counts(root: Path) -> tuple[int, int, int]:
    """(current load id, students, attendance rows) of a workspace."""
    from homeroom.warehouse import open_workspace

    con = connect(open_workspace(root), read_only=True)
    try:
        load = current_load(con)
        assert load is not None
        students = con.execute("SELECT count(*) FROM students").fetchall()[0][0]
        attendance = con.execute("SELECT count(*) FROM attendance").fetchall()[0][0]
        return load.load_id, students, attendance
    finally:
        con.close()


CRASH_AFTER_COMMIT = textwrap.dedent(
    """
    import os, sys
    from homeroom.warehouse import loader, open_workspace

    real_connect = loader.connect

    class Crashing:
        # The load's connection, killed the moment its first transaction commits.
        def __init__(self, con):
            self._con = con
        def commit(self):
            self._con.commit()
            os._exit(17)
        def __getattr__(self, name):
            return getattr(self._con, name)

    loader.connect = lambda *a, **k: Crashing(real_connect(*a, **k))
    loader.load_dataset(open_workspace(sys.argv[1]), sys.argv[2])
    """
)


def test_a_load_killed_right_after_its_commit_keeps_its_monitor_findings(small_district, tmp_path):
    space = init_workspace(tmp_path / "space")
    done = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_COMMIT, str(space.root), str(small_district)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 17, done.stderr
    con = connect(space, read_only=True)
    try:
        load = current_load(con)
        assert load is not None  # the load itself stands
        findings = stored_monitors(con, load.load_id)
    finally:
        con.close()
    assert findings, "the committed load has no data-quality findings"


def test_a_header_only_students_file_is_refused_and_the_previous_load_stays(
    small_district, tmp_path
):
    space = init_workspace(tmp_path / "space")
    load_dataset(space, small_district)
    before = _counts(space.root)
    data = _copy(small_district, tmp_path)
    students, _ = _keep(data, "students", 0)
    with pytest.raises(ShrinkRefused) as refused:
        load_dataset(space, data)
    assert isinstance(refused.value, WorkspaceError) and refused.value.exit_code == 2
    message = str(refused.value)
    assert "students" in message and f"{students:,} → 0" in message
    assert "--allow-shrink" in message
    assert _counts(space.root) == before


def test_a_first_load_with_an_empty_required_table_is_refused(small_district, tmp_path):
    space = init_workspace(tmp_path / "space")
    data = _copy(small_district, tmp_path)
    _keep(data, "students", 0)
    with pytest.raises(ShrinkRefused, match=r"students.*0 → 0|students.*empty"):
        load_dataset(space, data)
    assert not space.warehouse.exists() or _no_load(space.root)


def _no_load(root: Path) -> bool:
    from homeroom.warehouse import open_workspace

    con = connect(open_workspace(root), read_only=True)
    try:
        return current_load(con) is None
    finally:
        con.close()


@pytest.mark.parametrize("table", ["students", "attendance"])
def test_dropping_more_than_half_of_the_rows_is_refused(small_district, tmp_path, table):
    space = init_workspace(tmp_path / "space")
    load_dataset(space, small_district)
    before = _counts(space.root)
    data = _copy(small_district, tmp_path)
    _keep(data, table, 0.4)
    with pytest.raises(ShrinkRefused) as refused:
        load_dataset(space, data)
    previous = before[1] if table == "students" else before[2]
    assert table in str(refused.value) and f"{previous:,} → " in str(refused.value)
    assert _counts(space.root) == before


def test_dropping_half_or_less_loads(small_district, tmp_path):
    space = init_workspace(tmp_path / "space")
    load_dataset(space, small_district)
    data = _copy(small_district, tmp_path)
    _keep(data, "attendance", 0.6)
    assert load_dataset(space, data).status == "loaded"


def test_allow_shrink_loads_a_shrunken_dataset(small_district, tmp_path):
    space = init_workspace(tmp_path / "space")
    first = load_dataset(space, small_district)
    data = _copy(small_district, tmp_path)
    _keep(data, "attendance", 0.2)
    result = load_dataset(space, data, allow_shrink=True)
    assert result.status == "loaded" and result.load_id == first.load_id + 1
    assert result.rows_loaded["attendance"] < first.rows_loaded["attendance"] / 2


def test_monitors_that_fail_leave_the_load_standing_with_a_note(
    small_district, tmp_path, monkeypatch
):
    import duckdb

    import homeroom.quality

    def out_of_memory(*args: object, **kwargs: object) -> list:
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")

    monkeypatch.setattr(homeroom.quality, "run_monitors", out_of_memory)
    space = init_workspace(tmp_path / "space")
    result = load_dataset(space, small_district)
    assert result.status == "loaded" and result.monitors == ()
    assert any("monitors could not run" in note for note in result.notes)
    assert _counts(space.root)[0] == result.load_id
    con = connect(space, read_only=True)
    try:
        message = con.execute("SELECT message FROM load_history").fetchall()[-1][0]
    finally:
        con.close()
    assert "monitors could not run" in message
