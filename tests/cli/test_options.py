"""The shared options: inside a workspace its definition is the default."""

from __future__ import annotations

from cli_helpers import run


def test_inside_a_workspace_its_definition_is_the_default(capsys, district, tmp_path, monkeypatch):
    space = tmp_path / "crdc-space"
    assert run(capsys, "init", space, "--definition", "crdc").exit_code == 0
    monkeypatch.chdir(space)
    outcome = run(capsys, "check", district)
    assert outcome.exit_code == 0
    assert "(definition crdc)" in outcome.stdout
    monkeypatch.chdir(tmp_path)
    assert "(definition default)" in run(capsys, "check", district).stdout
