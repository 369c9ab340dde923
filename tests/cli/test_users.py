"""`homeroom users`, run as a person types them: add (a partner's staff too), list, disable,
enable, password, role, and the API's bearer tokens (token, revoke-tokens)."""

from __future__ import annotations

import getpass
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casebook.support import PASSPHRASE, sqlite_url
from cli_helpers import run
from homeroom.casebook import (
    CliActor,
    add_user,
    audit_entries,
    authenticate,
    get_user,
    open_store,
    start_session,
)
from homeroom.casebook.partner_tables import ApiToken
from homeroom.casebook.partners import add_partner
from homeroom.casebook.tokens import user_for_token
from homeroom.cli import app

CLI_USER = f"cli:{getpass.getuser()}"


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _store(space: Path):
    return open_store(sqlite_url(space))


def test_every_command_has_help_with_an_example(capsys):
    for group, commands in {
        "users": [
            "add",
            "list",
            "disable",
            "enable",
            "password",
            "schools",
            "role",
            "token",
            "revoke-tokens",
        ],
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


# -- partner staff -----------------------------------------------------------------------------
def _partner(space: Path, name: str = "Eastside Health Clinic") -> int:
    with _store(space) as store:
        return add_partner(store, name, "health", by=CliActor("cli:test")).id


def test_a_partner_account_belongs_to_its_organisation(capsys, monkeypatch, space):
    partner_id = _partner(space)
    _stdin(monkeypatch, PASSPHRASE + "\n")
    outcome = run(capsys, "users", "add", "jo", "--role", "partner", "--partner", str(partner_id),
                  "--password-stdin", "-w", space)  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    assert "Added jo (partner, partner 1); signs in with password." in outcome.stdout
    assert "partner 1" in run(capsys, "users", "list", "-w", space).stdout
    with _store(space) as store:
        user = authenticate(store, "jo", PASSPHRASE)
        assert (user.role, user.partner_id, user.school_ids) == ("partner", 1, frozenset())
        entry = audit_entries(store, action="user_added")[0]
    assert (entry.username, entry.subject_id, entry.detail["partner"]) == (CLI_USER, "jo", 1)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--role", "partner"], "--role partner needs --partner PARTNER_ID"),
        (["--role", "school_staff", "--partner", "1"], "--partner goes with --role partner"),
        (["--role", "district_admin", "--partner", "1"], "--partner goes with --role partner"),
        (["--role", "partner", "--partner", "7"], "there is no active partner 7"),
        (["--role", "partner", "--partner", "one"], "Invalid value for '--partner'"),
    ],
)
def test_partner_options_that_do_not_fit_exit_2(capsys, monkeypatch, space, args, says):
    _partner(space)
    _stdin(monkeypatch, PASSPHRASE + "\n")
    outcome = run(capsys, "users", "add", "jo", *args, "--password-stdin", "-w", space)
    assert outcome.exit_code == 2
    assert says in " ".join(outcome.stderr.split())
    with _store(space) as store:
        assert get_user(store, "jo") is None


def test_an_inactive_partner_gets_no_new_accounts(capsys, monkeypatch, space):
    partner_id = _partner(space)
    with _store(space) as store:
        from homeroom.casebook.partners import set_partner_active

        set_partner_active(store, partner_id, False, by=CliActor("cli:test"))
    _stdin(monkeypatch, PASSPHRASE + "\n")
    outcome = run(capsys, "users", "add", "jo", "--role", "partner", "--partner", "1",
                  "--password-stdin", "-w", space)  # fmt: skip
    assert outcome.exit_code == 2
    assert "there is no active partner 1" in outcome.stderr


# -- API tokens --------------------------------------------------------------------------------
def test_a_token_is_printed_once_kept_as_a_hash_and_revoked(capsys, space):
    with _store(space) as store:
        add_user(store, "sis-sync", "district_admin", password=PASSPHRASE)
    outcome = run(capsys, "users", "token", "SIS-Sync", "--note", "nightly sync", "-w", space)
    assert outcome.exit_code == 0, outcome.stderr
    token = outcome.stdout.strip()
    assert outcome.stdout == token + "\n" and token.startswith("hr_") and len(token) > 40
    assert "only time the token is shown" in outcome.stderr
    assert "homeroom users revoke-tokens sis-sync" in " ".join(outcome.stderr.split())
    assert token not in outcome.stderr
    second = run(capsys, "users", "token", "sis-sync", "-w", space).stdout.strip()
    assert second != token
    with _store(space) as store:
        assert user_for_token(store, token).username == "sis-sync"
        with store.session(write=False) as session:
            rows = session.query(ApiToken).order_by(ApiToken.id).all()
        assert [row.note for row in rows] == ["nightly sync", None]
        assert all(token not in (row.token_sha256, row.note) for row in rows)
        assert [e.action for e in audit_entries(store)] == ["api_token_issued"] * 2

    outcome = run(capsys, "users", "revoke-tokens", "sis-sync", "-w", space)
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout == "Ended 2 API tokens of sis-sync.\n"
    again = run(capsys, "users", "revoke-tokens", "sis-sync", "-w", space)
    assert again.stdout == "Ended 0 API tokens of sis-sync.\n"
    with _store(space) as store:
        assert user_for_token(store, token) is None and user_for_token(store, second) is None
        last = audit_entries(store)[-2:]
    assert [(e.username, e.action, e.subject_id, e.detail) for e in last] == [
        (CLI_USER, "api_tokens_revoked", "sis-sync", {"tokens": 2}),
        (CLI_USER, "api_tokens_revoked", "sis-sync", {"tokens": 0}),
    ]


def test_tokens_for_unknown_or_disabled_accounts_exit_2(capsys, space):
    with _store(space) as store:
        add_user(store, "kim", "school_staff", password=PASSPHRASE, schools=["1"])
    assert run(capsys, "users", "disable", "kim", "-w", space).exit_code == 0
    outcome = run(capsys, "users", "token", "kim", "-w", space)
    assert outcome.exit_code == 2 and outcome.stdout == ""
    assert "kim is disabled; enable the account first" in outcome.stderr
    for command in ("token", "revoke-tokens"):
        outcome = run(capsys, "users", command, "ghost", "-w", space)
        assert outcome.exit_code == 2, command
        assert "no user named 'ghost'" in outcome.stderr
