"""`homeroom users`, run as a person types them: add, list, disable, enable, password, role."""

from __future__ import annotations

import getpass
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casebook.support import PASSPHRASE, sqlite_url
from cli_helpers import run
from homeroom.casebook import (
    add_user,
    audit_entries,
    authenticate,
    get_user,
    open_store,
    start_session,
)
from homeroom.cli import app

CLI_USER = f"cli:{getpass.getuser()}"


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _store(space: Path):
    return open_store(sqlite_url(space))


def test_every_command_has_help_with_an_example(capsys):
    for group, commands in {
        "users": ["add", "list", "disable", "enable", "password", "schools", "role"],
        "audit": ["list", "export"],
    }.items():
        assert run(capsys, group, "--help").exit_code == 0
        for command in commands:
            outcome = run(capsys, group, command, "--help")
            assert outcome.exit_code == 0, (group, command)
            assert "Example" in outcome.stdout, (group, command)
            assert "--workspace" in outcome.stdout, (group, command)


def test_add_with_password_on_stdin_then_sign_in(capsys, monkeypatch, space):
    _stdin(monkeypatch, PASSPHRASE + "\n")
    outcome = run(
        capsys, "users", "add", "Rivera", "--role", "school_staff", "--school", "0042",
        "--name", "Ana Rivera", "--email", "arivera@district.org", "--password-stdin",
        "--workspace", space,
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    assert "Added rivera (school_staff, schools 0042)" in outcome.stdout
    with _store(space) as store:
        assert authenticate(store, "rivera", PASSPHRASE).display_name == "Ana Rivera"
        [entry] = audit_entries(store)
    assert (entry.username, entry.role, entry.action, entry.subject_id) == (
        CLI_USER,
        "cli",
        "user_added",
        "rivera",
    )
    assert entry.detail["schools"] == ["0042"]


def test_add_asks_for_the_password_twice_without_echo(space: Path):
    result = CliRunner().invoke(
        app,
        ["users", "add", "kim", "--role", "district_viewer", "--workspace", str(space)],
        input=f"{PASSPHRASE}\n{PASSPHRASE}\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") == 1 and "Repeat for confirmation" in result.output
    assert PASSPHRASE not in result.output
    with _store(space) as store:
        assert authenticate(store, "kim", PASSPHRASE).role == "district_viewer"


def test_an_sso_only_user_has_no_password(capsys, space):
    outcome = run(
        capsys, "users", "add", "chen", "--role", "district_admin", "--oidc",
        "--email", "MChen@district.org", "--workspace", space,
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    assert "signs in with SSO by email" in outcome.stdout
    with _store(space) as store:
        user = get_user(store, "chen")
    assert user.password_hash is None and user.email == "mchen@district.org"


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["--role", "boss"], "", "--role must be one of district_admin"),
        (["--role", "district_admin", "--oidc"], "", "--oidc needs --email"),
        (["--role", "district_admin", "--password-stdin"], "short\n", "at least 12 characters"),
        (["--role", "district_admin", "--password-stdin"], "\n", "empty line"),
        (
            ["--role", "district_viewer", "--school", "0042", "--password-stdin"],
            PASSPHRASE + "\n",
            "schools apply to school_staff only",
        ),
    ],
)
def test_bad_requests_exit_2_with_a_message(capsys, monkeypatch, space, args, stdin, says):
    _stdin(monkeypatch, stdin)
    outcome = run(capsys, "users", "add", "kim", *args, "--workspace", space)
    assert outcome.exit_code == 2
    assert says in " ".join(outcome.stderr.split())
    with _store(space) as store:
        assert get_user(store, "kim") is None


def test_schools_must_be_in_the_latest_load(capsys, monkeypatch, loaded_space):
    _stdin(monkeypatch, PASSPHRASE + "\n")
    outcome = run(
        capsys, "users", "add", "kim", "--role", "school_staff", "--school", "D01-E01",
        "--school", "NOPE-1", "--password-stdin", "--workspace", loaded_space,
    )  # fmt: skip
    assert outcome.exit_code == 2
    assert "no school NOPE-1 in the workspace's latest load" in " ".join(outcome.stderr.split())
    _stdin(monkeypatch, PASSPHRASE + "\n")
    outcome = run(
        capsys, "users", "add", "kim", "--role", "school_staff", "--school", "D01-E01",
        "--password-stdin", "--workspace", loaded_space,
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    outcome = run(capsys, "users", "schools", "kim", "--school", "D01-X99", "-w", loaded_space)
    assert outcome.exit_code == 2
    outcome = run(
        capsys, "users", "schools", "kim", "--school", "D01-M01", "--school", "D01-H01",
        "-w", loaded_space,
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    assert "kim now sees schools D01-H01, D01-M01" in outcome.stdout
    with _store(loaded_space) as store:
        assert get_user(store, "kim").school_ids == frozenset({"D01-M01", "D01-H01"})


def test_list_disable_enable_password_and_role(capsys, monkeypatch, space):
    with _store(space) as store:
        kim = add_user(store, "kim", "school_staff", password=PASSPHRASE, schools=["1"])
        add_user(store, "lee", "district_viewer", password=PASSPHRASE)
        token, _ = start_session(store, kim)
    outcome = run(capsys, "users", "list", "--workspace", space)
    assert outcome.exit_code == 0
    assert "kim" in outcome.stdout and "lee" in outcome.stdout and "never" in outcome.stdout

    assert run(capsys, "users", "disable", "kim", "-w", space).exit_code == 0
    assert "disabled" in run(capsys, "users", "list", "-w", space).stdout
    with _store(space) as store:
        assert get_user(store, "kim").disabled
        from homeroom.casebook import session_for

        assert session_for(store, token) is None
    assert run(capsys, "users", "enable", "kim", "-w", space).exit_code == 0

    _stdin(monkeypatch, "a fresh long passphrase\n")
    outcome = run(capsys, "users", "password", "kim", "--password-stdin", "-w", space)
    assert outcome.exit_code == 0, outcome.stderr
    outcome = run(capsys, "users", "role", "kim", "district_admin", "-w", space)
    assert outcome.exit_code == 0, outcome.stderr
    with _store(space) as store:
        user = authenticate(store, "kim", "a fresh long passphrase")
        assert user.role == "district_admin" and user.school_ids == frozenset()
        actions = [(e.action, e.subject_id) for e in audit_entries(store)]
    assert actions == [
        ("user_disabled", "kim"),
        ("user_enabled", "kim"),
        ("password_set", "kim"),
        ("role_set", "kim"),
    ]


def test_changing_an_unknown_user_exits_2(capsys, space):
    for args in (["disable", "ghost"], ["enable", "ghost"], ["password", "ghost"]):
        outcome = run(capsys, "users", *args, "-w", space)
        assert outcome.exit_code == 2, args
        assert "no user named 'ghost'" in outcome.stderr
