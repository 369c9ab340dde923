"""The `homeroom` app as a whole: every command's help, and bad requests exit 2 with a message."""

from __future__ import annotations

from cli_helpers import run
from homeroom.cli import app


def test_every_command_has_help_with_an_example(capsys):
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert {"init", "load", "check", "metrics", "definitions", "synth", "report"} <= set(commands)
    for command in commands:
        if command == "version":
            continue
        outcome = run(capsys, command, "--help")
        assert outcome.exit_code == 0
        assert "Example" in outcome.stdout, command


def test_bad_requests_exit_2_with_a_message(capsys, district, tmp_path):
    assert run(capsys, "metrics", "--data", district, "--level", "county").exit_code == 2
    outcome = run(capsys, "metrics", "--data", district, "--out", tmp_path / "x.txt")
    assert outcome.exit_code == 2 and ".csv" in outcome.stderr
    outcome = run(capsys, "metrics", "--data", district, "--as-of", "31/01/2025")
    assert outcome.exit_code == 2
    outcome = run(capsys, "metrics", "--data", district, "--definition", "nowhere")
    assert outcome.exit_code == 2 and "default" in outcome.stderr
    outcome = run(capsys, "metrics", "--workspace", tmp_path / "none")
    assert outcome.exit_code == 2 and "homeroom init" in outcome.stderr
