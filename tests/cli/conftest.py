"""Shared fixtures of the command tests: a small synthetic district and a loaded workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import run


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
