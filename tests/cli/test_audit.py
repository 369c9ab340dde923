"""`homeroom audit list|export|verify`: the audit log from the command line, filtered,
exported and its hash chain checked."""

from __future__ import annotations

import csv
import getpass
import sqlite3
from pathlib import Path

import pytest

from casebook.support import sqlite_url
from cli_helpers import run
from homeroom.casebook import (
    audit_entries,
    open_store,
    record,
)

CLI_USER = f"cli:{getpass.getuser()}"


def _store(space: Path):
    return open_store(sqlite_url(space))


def test_audit_list_filters_and_export(capsys, space, tmp_path):
    with _store(space) as store:
        for who, student in [("rivera", "S0001"), ("lee", "S0002"), ("rivera", "S0002")]:
            record(
                store,
                username=who,
                role="school_staff",
                action="student_viewed",
                subject_type="student",
                subject_id=student,
            )
    outcome = run(capsys, "audit", "list", "--user", "rivera", "--student", "S0002", "-w", space)
    assert outcome.exit_code == 0
    assert "S0002" in outcome.stdout and "S0001" not in outcome.stdout
    assert "lee" not in outcome.stdout
    outcome = run(capsys, "audit", "list", "--limit", "1", "-w", space)
    assert outcome.exit_code == 0 and "Showing the latest 1" in outcome.stderr
    nothing = run(capsys, "audit", "list", "--user", "x", "-w", space)
    assert "No audit entries match" in nothing.stdout
    bad = run(capsys, "audit", "list", "--since", "last week", "-w", space)
    assert bad.exit_code == 2 and "--since must be a date" in bad.stderr

    target = tmp_path / "audit.csv"
    outcome = run(capsys, "audit", "export", "--out", target, "--user", "rivera", "-w", space)
    assert outcome.exit_code == 0, outcome.stderr
    assert "Wrote 2 audit entries" in outcome.stderr
    with target.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["username"], r["subject_id"]) for r in rows] == [
        ("rivera", "S0001"),
        ("rivera", "S0002"),
    ]
    with _store(space) as store:
        [exported] = audit_entries(store, action="audit_exported")
    assert exported.username == CLI_USER
    assert exported.detail == {"rows": 2, "out": str(target), "username": "rivera"}
    assert run(capsys, "audit", "export", "--out", tmp_path / "a.xlsx", "-w", space).exit_code == 2


def test_student_views_from_the_cli_show_in_audit_list(capsys, loaded_space):
    outcome = run(capsys, "metrics", "--level", "student", "--workspace", loaded_space)
    assert outcome.exit_code == 0, outcome.stderr
    with _store(loaded_space) as store:
        [entry] = audit_entries(store)
    assert (entry.username, entry.action, entry.subject_type) == (
        CLI_USER,
        "student_metrics",
        "student_rows",
    )
    assert entry.detail["rows"] > 0 and entry.detail["out"] == "screen"
    outcome = run(capsys, "audit", "list", "--action", "student_metrics", "-w", loaded_space)
    assert outcome.exit_code == 0
    assert f"rows={entry.detail['rows']}" in outcome.stdout


def test_audit_list_finds_every_student_of_a_list_view(capsys, space):
    with _store(space) as store:
        record(
            store,
            username="lee",
            role="school_staff",
            action="student_list_viewed",
            subject_type="school",
            subject_id="0412",
            detail={"students": ["S0101", "S0102", "S0103"]},
        )
    for student in ("S0101", "S0102", "S0103"):
        outcome = run(capsys, "audit", "list", "--student", student, "-w", space)
        assert outcome.exit_code == 0
        assert "No audit entries match" not in outcome.stdout, student
        assert "0412" in outcome.stdout and "lee" in outcome.stdout
    assert (
        "No audit entries match"
        in run(capsys, "audit", "list", "--student", "S0104", "-w", space).stdout
    )
    target = space / "s.csv"
    outcome = run(capsys, "audit", "export", "--out", target, "--student", "S0102", "-w", space)
    assert "Wrote 1 audit entries" in outcome.stderr


def _tamper(space: Path, *statements: str) -> None:
    connection = sqlite3.connect(space / "casebook.sqlite")
    for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
        connection.execute(f"DROP TRIGGER {name}")
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()


def _three(space: Path) -> None:
    with _store(space) as store:
        for student in ("S0001", "S0002", "S0003"):
            record(
                store,
                username="rivera",
                role="school_staff",
                action="student_viewed",
                subject_type="student",
                subject_id=student,
            )


def test_audit_verify_says_a_whole_chain_is_whole(capsys, space):
    _three(space)
    outcome = run(capsys, "audit", "verify", "-w", space)
    assert outcome.exit_code == 0, outcome.stderr
    assert "the chain of 3 entries is whole" in outcome.stdout


@pytest.mark.parametrize(
    ("statements", "broken", "why"),
    [
        (["UPDATE audit_log SET reason = 'x' WHERE id = 2"], "entry 2", "changed"),
        (["DELETE FROM audit_log WHERE id = 2"], "entry 3", "removed"),
        (
            [
                "DELETE FROM audit_log WHERE id = 3",
                "INSERT INTO audit_log (id, at, username, role, action, subject_type) "
                "VALUES (3, '2025-01-06 08:00:00', 'x', 'x', 'x', 'x')",
            ],
            "entry 3",
            "inserted",
        ),
    ],
)
def test_audit_verify_names_the_first_broken_entry(capsys, space, statements, broken, why):
    _three(space)
    _tamper(space, *statements)
    outcome = run(capsys, "audit", "verify", "-w", space)
    assert outcome.exit_code == 4
    assert broken in outcome.stdout + outcome.stderr
    assert why in outcome.stdout + outcome.stderr
    assert "S000" not in outcome.stdout + outcome.stderr  # no student ids in the message
