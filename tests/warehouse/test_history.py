"""The load history: a refused load is kept as `failed` with its reason, and the current load
stays the last successful one."""

from __future__ import annotations

import shutil

import pytest

from homeroom.warehouse import (
    ShrinkRefused,
    connect,
    current_load,
    init_workspace,
    load_dataset,
    load_history,
)


def test_a_refused_load_is_kept_as_failed_and_the_current_load_stays(small_district, tmp_path):
    space = init_workspace(tmp_path / "space")
    first = load_dataset(space, small_district)
    data = tmp_path / "data"
    shutil.copytree(small_district, data)
    (data / "students.csv").write_text((data / "students.csv").read_text().splitlines()[0] + "\n")
    with pytest.raises(ShrinkRefused):
        load_dataset(space, data)
    con = connect(space, read_only=True)
    try:
        history = load_history(con)
        current = current_load(con)
    finally:
        con.close()
    assert list(history["status"]) == ["loaded", "failed"]
    assert "students would be empty" in history["message"].iloc[-1]
    assert current is not None and current.load_id == first.load_id
    assert current.rows_loaded == first.rows_loaded
