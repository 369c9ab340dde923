"""Every connection is bounded: a memory limit and a spill folder, from homeroom.toml or the
environment (warehouse/memory.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from homeroom.warehouse import connect, init_workspace, open_workspace
from homeroom.warehouse.memory import DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_ENV, memory_connection


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])


def _as_duckdb_says(limit: str) -> str:
    with duckdb.connect(config={"memory_limit": limit}) as con:
        return _limit(con)


def test_a_new_workspace_is_bounded_at_3gb_and_spills_beside_its_file(tmp_path: Path) -> None:
    space = init_workspace(tmp_path / "space")
    text = space.config_path.read_text()
    assert 'memory_limit = "3GB"' in text and 'temp_directory = ""' in text
    assert DEFAULT_MEMORY_LIMIT == "3GB"
    con = connect(space)
    try:
        assert _limit(con) == _as_duckdb_says("3GB")
        spill = con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
        assert Path(spill) == space.warehouse.with_name("warehouse.duckdb.tmp")
    finally:
        con.close()


def test_the_limit_and_spill_folder_are_settable(tmp_path: Path) -> None:
    space = init_workspace(tmp_path / "space")
    text = space.config_path.read_text()
    text = text.replace('memory_limit = "3GB"', 'memory_limit = "1GB"')
    text = text.replace('temp_directory = ""', 'temp_directory = "scratch/spill"')
    space.config_path.write_text(text)
    space = open_workspace(space.root)
    assert space.spill_directory == space.root / "scratch" / "spill"
    con = connect(space)
    try:
        assert _limit(con) == _as_duckdb_says("1GB")
        spill = con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
        assert Path(spill) == space.root / "scratch" / "spill"
    finally:
        con.close()


def test_files_validated_in_memory_are_bounded_by_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with memory_connection() as con:
        assert _limit(con) == _as_duckdb_says("3GB")
        folder = Path(con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0])
        assert folder.is_dir() and folder.stat().st_mode & 0o077 == 0  # private: student data
    assert not folder.exists()  # removed with the connection
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "500MB")
    with memory_connection() as con:
        assert _limit(con) == _as_duckdb_says("500MB")
