"""Shared fixtures of the command tests: a synthetic district, loaded workspaces (with and
without a load, for the casebook commands) and the web tests' served district."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli_helpers import run

# The web tests' district, prepared to serve (for `homeroom serve`), as a fixture of its own name.
from web.conftest import district as served  # noqa: F401


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    """A small synthetic district made through the command itself (two school years)."""
    from homeroom.synth import generate

    folder = tmp_path_factory.mktemp("district") / "data"
    generate(folder, students=600, schools=5, years=2, seed=3)
    return folder


@pytest.fixture
def workspace(tmp_path, district, capsys) -> Path:
    space = tmp_path / "space"
    assert run(capsys, "init", space).exit_code == 0
    outcome = run(capsys, "load", district, "--workspace", space)
    assert outcome.exit_code == 0, outcome.stderr
    return space


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with one load of a small synthetic district (schools D01-E01, -M01, -H01)."""
    from homeroom.synth import generate
    from homeroom.warehouse import init_workspace, load_dataset

    folder = tmp_path_factory.mktemp("district")
    generate(folder / "data", students=60, schools=2, years=1, seed=3)
    space = init_workspace(folder / "space")
    load_dataset(space, folder / "data")
    return space.root


@pytest.fixture
def space(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty workspace (nothing loaded), its casebook in the folder."""
    from homeroom.warehouse import init_workspace

    monkeypatch.delenv("HOMEROOM_CASEBOOK_URL", raising=False)
    return init_workspace(tmp_path / "space").root


@pytest.fixture
def loaded_space(loaded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("HOMEROOM_CASEBOOK_URL", raising=False)
    return Path(shutil.copytree(loaded, tmp_path / "loaded"))
