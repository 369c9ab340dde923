"""Student data files are private: a workspace is 0700 and every file in it 0600, whatever the
shell's umask (issue 12, point 8)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_helpers import run
from homeroom.warehouse.workspace import init_workspace, private_files


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _modes(root: Path) -> dict[str, str]:
    """Every path under ROOT (and ROOT) whose mode is not the private one."""
    wrong = {}
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        want = 0o700 if path.is_dir() else 0o600
        if mode != want:
            wrong[str(path.relative_to(root.parent))] = oct(mode)
    return wrong


def test_private_files_restores_the_umask(permissive_umask, tmp_path):
    with private_files():
        (tmp_path / "inside").write_text("x")
    (tmp_path / "after").write_text("x")
    assert stat.S_IMODE((tmp_path / "inside").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "after").stat().st_mode) == 0o644


def test_init_makes_a_private_folder_and_settings(permissive_umask, tmp_path):
    space = init_workspace(tmp_path / "space")
    assert _modes(space.root) == {}


def test_every_file_of_a_used_workspace_is_private(
    permissive_umask, small_district, tmp_path, capsys, monkeypatch
):
    from homeroom.warehouse import open_workspace
    from homeroom.web.snapshot.prepare import prepare_serving

    monkeypatch.delenv("HOMEROOM_CASEBOOK_URL", raising=False)
    root = tmp_path / "space"
    assert run(capsys, "init", root).exit_code == 0
    outcome = run(capsys, "load", small_district, "--workspace", root)
    assert outcome.exit_code == 0, outcome.stderr
    prepare_serving(open_workspace(root))
    outcome = run(capsys, "signals", "--workspace", root, "--out", tmp_path / "flags.csv")
    assert outcome.exit_code == 0, outcome.stderr
    names = {p.name for p in root.rglob("*")}
    # The run files, the access log and the casebook it records into were all written.
    assert {"access.jsonl", "casebook.sqlite", "warehouse.duckdb"} <= names, names
    assert any(p.parent.name == "signals" for p in root.rglob("*")), names
    assert _modes(root) == {}
