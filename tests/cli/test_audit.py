"""`homeroom audit list|export`: the audit log from the command line, filtered and exported."""

from __future__ import annotations

import csv
import getpass
from pathlib import Path

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
