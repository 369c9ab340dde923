"""A tiny synthetic district as CSV files, made once per module (the loads copy it)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def small_district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from homeroom.synth import generate

    folder = tmp_path_factory.mktemp("district") / "data"
    generate(folder, students=60, schools=2, years=1, seed=3, fmt="csv")
    return folder
