"""Preparing the serving file: what it holds, reuse, pruning, a definition the load cannot serve."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from datasets import write_dataset
from homeroom.warehouse import load_dataset, open_workspace
from homeroom.web.snapshot import (
    find_serving,
    open_serving,
    prepare_serving,
)
from web.data.district import LATEST as LATEST_DATE
from web.data.district import district, make_workspace


def test_the_serving_file_says_what_it_holds(serving, serving_path):
    assert serving.definition.name == "web"
    assert serving.definition.minimum_group_size == 3
    assert serving.workspace_name == "Hand district"
    assert serving.load_id == 1
    assert serving.school_names == {"S1": "School S1", "S2": "School S2"}
    assert serving.district_name == "District D1"
    assert serving.school_years == (2024, 2025)
    assert serving.student_ids() == sorted(
        ["A01", "A02", "A03", "A04", "A05", "A06", "M01", "B01", "B02", "B03"]
    )
    assert serving_path.parent.name == "serving"
    assert serving_path.name.startswith("serving-load000001-web-")


def test_prepare_reuses_the_file_of_the_same_load_and_keeps_the_newest_two(tmp_path):
    workspace = open_workspace(make_workspace(tmp_path))
    first = prepare_serving(workspace)
    built = first.stat().st_mtime_ns
    assert prepare_serving(workspace) == first
    assert first.stat().st_mtime_ns == built  # reused, not rebuilt
    assert find_serving(workspace) == first

    # A new load while the web reads the old file: the warehouse is not held open.
    with open_serving(first) as old:
        load_dataset(workspace, write_dataset(tmp_path / "data2", district(recoded=True).data()))
        second = prepare_serving(workspace)
        assert second != first and second.name.startswith("serving-load000002-web-")
        assert old.resolve().as_of == LATEST_DATE  # the old file still answers
    stale = second.parent / "serving-load000000-web-2026.1-00000000.duckdb"
    stale.write_bytes(b"")
    past = time.time() - 3600
    os.utime(stale, (past, past))
    os.utime(first, (past + 60, past + 60))
    assert prepare_serving(workspace) == second
    assert sorted(p.name for p in second.parent.glob("serving-*.duckdb")) == sorted(
        [first.name, second.name]
    )
    rebuilt = prepare_serving(workspace, force=True)
    assert rebuilt == second and not list(Path(second.parent).glob(".*.tmp"))


def test_a_definition_with_another_exit_rule_than_the_load_is_refused(tmp_path):
    from homeroom.definitions import load_definition
    from homeroom.warehouse import WorkspaceError

    workspace = open_workspace(make_workspace(tmp_path))
    exclusive = tmp_path / "exclusive.toml"
    exclusive.write_text(
        'extends = "default"\n\n[definition]\nname = "x"\n\n[enrollment]\nexit_date = "exclusive"\n'
    )
    with pytest.raises(WorkspaceError, match="exit_date"):
        prepare_serving(workspace, definition=load_definition(exclusive))


def _serving_rows(path: Path) -> dict[str, list[str]]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        tables = [row[0] for row in con.execute("SHOW TABLES").fetchall()]
        rows = {
            t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"').fetchall())) for t in tables
        }
    rows.pop("serving_meta")  # when and how long the build took
    return rows


def test_sql_kept_from_an_earlier_file_gives_the_same_serving_file(serving, tmp_path, monkeypatch):
    # Another workspace's file is made with the SQL the session's file compiled (same
    # signature, other data), then again with nothing kept: every table must be equal.
    from homeroom.web.snapshot import compute

    assert compute._SHARED  # the session's serving file kept its SQL
    second = open_workspace(make_workspace(tmp_path))
    load_dataset(second, write_dataset(tmp_path / "data2", district(recoded=True).data()))
    compiled = dict(compute._SHARED)
    kept = _serving_rows(prepare_serving(second))
    assert compiled == compute._SHARED  # nothing compiled again: the kept SQL was used
    monkeypatch.setattr(compute, "_SHARED", {})
    fresh = _serving_rows(prepare_serving(second, force=True))
    assert {"student_rows", "district_rows", "aggregates"} <= set(fresh)
    assert fresh["aggregates"] and fresh == kept
