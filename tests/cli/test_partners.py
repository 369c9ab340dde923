"""`homeroom partners`, run as a person types them: add (the id alone on stdout), list."""

from __future__ import annotations

import getpass
import io
import subprocess
import sys
from pathlib import Path

import pytest

from casebook.support import PASSPHRASE, sqlite_url
from cli_helpers import run
from homeroom.casebook import audit_entries, open_store
from homeroom.casebook.partners import list_partners

CLI_USER = f"cli:{getpass.getuser()}"


def _store(space: Path):
    return open_store(sqlite_url(space))


def test_every_command_has_help_with_an_example(capsys):
    assert run(capsys, "partners", "--help").exit_code == 0
    for command in ("add", "list"):
        outcome = run(capsys, "partners", command, "--help")
        assert outcome.exit_code == 0, command
        assert "Example" in outcome.stdout, command
        assert "--workspace" in outcome.stdout, command


def test_add_prints_the_id_alone_on_stdout_and_is_audited(capsys, space):
    first = run(capsys, "partners", "add", "Eastside Health Clinic", "--kind", "health",
                "--workspace", space)  # fmt: skip
    assert first.exit_code == 0, first.stderr
    assert first.stdout == "1\n"
    assert "Added partner 1: Eastside Health Clinic." in first.stderr
    assert "--role partner --partner 1" in " ".join(first.stderr.split())
    second = run(capsys, "partners", "add", "Big Brothers", "-w", space)
    assert second.stdout == "2\n"
    with _store(space) as store:
        assert [(p.id, p.name, p.kind, p.active) for p in list_partners(store)] == [
            (2, "Big Brothers", None, True),
            (1, "Eastside Health Clinic", "health", True),
        ]
        entries = [(e.username, e.role, e.action, e.subject_type, e.subject_id, e.detail)
                   for e in audit_entries(store)]  # fmt: skip
    assert entries == [
        (CLI_USER, "cli", "partner_added", "partner", "1", {"name": "Eastside Health Clinic"}),
        (CLI_USER, "cli", "partner_added", "partner", "2", {"name": "Big Brothers"}),
    ]


def test_a_script_reads_the_id_from_the_real_command(tmp_path: Path, space: Path):
    """What docs/cli.md shows: ID=$(homeroom partners add ...)."""
    command = [sys.executable, "-m", "homeroom.cli", "partners", "add", "Clinic", "-w", str(space)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    assert int(done.stdout.splitlines()[0]) == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["Clinic", "--kind", "hospital"], "--kind must be one of health, housing"),
        (["   "], "name is required"),
        (["x" * 201], "name is longer than 200 characters"),
    ],
)
def test_bad_partners_exit_2_and_write_nothing(capsys, space, args, says):
    outcome = run(capsys, "partners", "add", *args, "-w", space)
    assert outcome.exit_code == 2
    assert says in " ".join(outcome.stderr.split())
    assert outcome.stdout == ""
    with _store(space) as store:
        assert list_partners(store, include_inactive=True) == []
        assert audit_entries(store) == []


def test_a_second_partner_of_the_same_name_is_refused(capsys, space):
    assert run(capsys, "partners", "add", "Eastside Clinic", "-w", space).exit_code == 0
    outcome = run(capsys, "partners", "add", "EASTSIDE clinic", "-w", space)
    assert outcome.exit_code == 2
    assert "a partner named 'EASTSIDE clinic' already exists" in outcome.stderr


def test_list_shows_kind_active_and_accounts(capsys, monkeypatch, space):
    assert run(capsys, "partners", "list", "-w", space).stdout.startswith("No partners yet")
    run(capsys, "partners", "add", "Eastside [Health] Clinic", "--kind", "health", "-w", space)
    run(capsys, "partners", "add", "Northside Housing", "--kind", "housing", "-w", space)
    for username in ("jo", "amir"):
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSPHRASE + "\n"))
        outcome = run(capsys, "users", "add", username, "--role", "partner", "--partner", "1",
                      "--password-stdin", "-w", space)  # fmt: skip
        assert outcome.exit_code == 0, outcome.stderr
    with _store(space) as store:
        from homeroom.casebook import CliActor
        from homeroom.casebook.partners import set_partner_active

        set_partner_active(store, 2, False, by=CliActor("cli:test"))
    outcome = run(capsys, "partners", "list", "-w", space)
    assert outcome.exit_code == 0
    rows = [line for line in outcome.stdout.splitlines() if line.startswith("│")]
    cells = [[cell.strip() for cell in row.strip("│").split("│")] for row in rows]
    assert cells == [
        ["1", "Eastside [Health] Clinic", "health", "yes", "amir, jo"],
        ["2", "Northside Housing", "housing", "no", ""],
    ]
