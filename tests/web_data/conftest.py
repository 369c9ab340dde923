"""Fixtures: the hand-made district of district.py, loaded and prepared once for the package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from homeroom.warehouse import Workspace, open_workspace
from homeroom.web.snapshot import ServingData, open_serving, prepare_serving
from web_data.district import make_workspace


@pytest.fixture(scope="package")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return open_workspace(make_workspace(tmp_path_factory.mktemp("hand")))


@pytest.fixture(scope="package")
def serving_path(workspace: Workspace) -> Path:
    return prepare_serving(workspace)


@pytest.fixture(scope="package")
def serving(serving_path: Path) -> Iterator[ServingData]:
    data = open_serving(serving_path)
    yield data
    data.close()
