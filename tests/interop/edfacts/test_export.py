"""`homeroom export fs195` through its command function in a tiny Typer app (the lead registers
it in cli/interop.py): a workspace loaded under `default` still gets the `edfacts` numbers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from homeroom.cli.export_fs195 import EPILOG, export_fs195
from homeroom.warehouse import init_workspace, load_dataset
from interop.edfacts.district import LAST_DAY, write_state


def app() -> typer.Typer:
    tiny = typer.Typer()
    tiny.command(epilog=EPILOG)(export_fs195)
    return tiny


def test_export_fs195_from_a_workspace(tmp_path: Path) -> None:
    space = init_workspace(tmp_path / "space", definition="default")
    load_dataset(space, write_state(tmp_path / "data"))
    out = tmp_path / "fs195"
    args = ["--workspace", str(space.root), "--as-of", LAST_DAY.isoformat(), "--out", str(out)]
    result = CliRunner().invoke(app(), args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "CASCHCHRONABSENTv1.csv",
        "counts.csv",
        "counts.csv.about.json",
    ]
    lines = (out / "CASCHCHRONABSENTv1.csv").read_bytes().decode().split("\r\n")
    header = lines[0].split(",")
    assert header[0] == "SCH CHRON ABSENT" and header[1] == "71" and header[4] == "2024-2025"
    assert header[2] == "CASCHCHRONABSENTv1.csv" and header[3].startswith("195-")
    assert len(lines) == 1 + 71 + 1 and lines[-1] == ""  # CR LF after the last record
    with (out / "counts.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["level", "lea_id", "school_id", "category", "value", "student_count"]
    s1 = {(r["category"], r["value"]): r["student_count"] for r in rows if r["school_id"] == "S1"}
    # The edfacts half-day rule, not the workspace's default: H (half days) in, Q (0.4 days) out.
    assert s1[("Racial Ethnic", "BL7")] == "1" and s1[("Racial Ethnic", "WH7")] == "0"
    assert [r["student_count"] for r in rows if r["category"] == "total"] == [
        "4", "4", "1", "4", "0", "1",
    ]  # fmt: skip
    about = json.loads((out / "counts.csv.about.json").read_text())
    assert about["definition"] == "edfacts" and about["as_of"] == LAST_DAY.isoformat()


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(app(), ["--help"])
    assert result.exit_code == 0 and "homeroom export fs195" in result.output


def test_no_state_no_file(tmp_path: Path) -> None:
    from datasets import write_dataset
    from homeroom.cli.output import UsageProblem
    from interop.edfacts.district import state

    data = state().data()
    for school in data["schools"]:
        school["state"] = ""
    folder = write_dataset(tmp_path / "data", data)
    out = tmp_path / "fs195"
    args = ["--data", str(folder), "--as-of", LAST_DAY.isoformat(), "--out", str(out)]
    result = CliRunner().invoke(app(), args)
    assert isinstance(result.exception, UsageProblem)
    assert "schools.state" in str(result.exception)
    assert not out.exists() or not any(out.iterdir())  # nothing half-written
    named = CliRunner().invoke(app(), [*args, "--state", "ca"])  # synthetic data: name the state
    assert named.exit_code == 0, named.output
    assert (out / "CASCHCHRONABSENTv1.csv").read_text().startswith("SCH CHRON ABSENT,71,")
