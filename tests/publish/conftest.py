"""A small synthetic state (two districts, a few schools, two school years) and its public site,
built once for the publish tests by the `homeroom publish` command itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner


@dataclass(frozen=True)
class Site:
    workspace: Path
    out: Path
    stderr: str


def publish_app() -> typer.Typer:
    """The command on an app of its own (the `homeroom` app registers it in cli/app.py)."""
    from homeroom.cli import publish

    app = typer.Typer()
    publish.register(app)

    @app.callback()
    def _group() -> None:  # a group, so the command is called by its name
        pass

    return app


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    from homeroom.synth import generate
    from homeroom.warehouse import init_workspace, load_dataset

    root = tmp_path_factory.mktemp("publish")
    generate(root / "data", students=400, schools=5, years=2, seed=5, districts=2)
    workspace = init_workspace(root / "ws", name="Publish test state")
    load_dataset(workspace, root / "data")
    out = root / "site"
    outcome = CliRunner().invoke(
        publish_app(), ["publish", "--workspace", str(root / "ws"), "--out", str(out)]
    )
    assert outcome.exit_code == 0, outcome.output
    return Site(root / "ws", out, outcome.output)
