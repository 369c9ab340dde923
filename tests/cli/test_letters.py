"""`homeroom letters` on the hand-made school (tests/outreach/families.py): the PDF, its
sidecar, the summary, each letter logged on the casebook and audited, the 30-day rule, the
mail-merge file and a wrong kind."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from cli_helpers import run
from homeroom.casebook import open_workspace_store
from homeroom.casebook.actions import student_actions
from homeroom.warehouse import open_workspace
from outreach.families import family_workspace


@pytest.fixture(scope="module")
def space(tmp_path_factory) -> Path:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("HOMEROOM_CASEBOOK_URL", raising=False)
        yield family_workspace(tmp_path_factory.mktemp("letters"))


def _letters_logged(space: Path) -> dict[str, list[str | None]]:
    store = open_workspace_store(open_workspace(space))
    try:
        found = {s: student_actions(store, s) for s in ("A1", "B2", "C3", "D4", "E5", "F6")}
    finally:
        store.close()
    return {s: [a.outcome for a in acts if a.kind == "letter"] for s, acts in found.items()}


def test_nudge_letters_are_printed_logged_audited_and_not_printed_twice(space, capsys):
    out = space.parent / "nudge.pdf"
    done = run(capsys, "letters", "--workspace", space, "--kind", "nudge", "--out", out)
    assert done.exit_code == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    about = json.loads((space.parent / "nudge.pdf.about.json").read_text())
    assert (about["rows"], about["as_of"]) == (3, "2024-09-27")
    said = re.sub(r"\s+", " ", done.stderr)
    assert re.search(r"letters in en \W+ 2 ", said) and re.search(r"letters in es \W+ 1 ", said)
    assert re.search(r"in English: no catalog for fr \W+ 1 ", said)
    assert re.search(r"skipped: no contact \W+ 1 ", said)
    assert "Wrote 3 nudge letters to" in said
    printed = ["nudge letter printed"]
    assert _letters_logged(space) == {
        "A1": printed, "B2": printed, "C3": printed, "D4": [], "E5": [], "F6": []
    }  # fmt: skip
    audit = (space / "audit" / "access.jsonl").read_text().splitlines()
    views = [json.loads(line) for line in audit if '"letters_rows"' in line]
    assert [(v["rows"], v["kind"], v["school"]) for v in views] == [(3, "nudge", "all")]

    again = run(capsys, "letters", "--workspace", space, "--kind", "nudge", "--out", out)
    assert again.exit_code == 0, again.stderr
    assert re.search(r"skipped: sent in the last 30 days \W+ 3 ", re.sub(r"\s+", " ", again.stderr))
    assert _letters_logged(space)["A1"] == printed  # nothing printed the second time


def test_a_mail_merge_file_instead(space, capsys):
    out = space.parent / "merge.csv"
    done = run(capsys, "letters", "--workspace", space, "--kind", "recognition",
               "--school", "S1", "--format", "csv", "--out", out)  # fmt: skip
    assert done.exit_code == 0, done.stderr
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert frame[["student_id", "language", "contact_name"]].values.tolist() == [
        ["F6", "es", "Fred Fox"]
    ]
    assert (space.parent / "merge.csv.about.json").exists()
    assert _letters_logged(space)["F6"] == ["recognition letter printed"]


def test_a_wrong_kind_is_a_usage_error(space, capsys):
    done = run(capsys, "letters", "--workspace", space, "--kind", "warning", "--out", "x.pdf")
    assert done.exit_code == 2
    assert "--kind must be one of recognition, nudge, invitation, intensive" in done.stderr


def test_help_gives_an_example(capsys):
    done = run(capsys, "letters", "--help")
    assert done.exit_code == 0
    said = re.sub(r"\s+", " ", done.stdout)
    assert "homeroom letters --workspace district --kind nudge" in said and "--format" in said
