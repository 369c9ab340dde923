"""`homeroom map FILE`: a proposed preset from headers and values, then an import with it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from openpyxl import Workbook

from cli_helpers import run
from homeroom.definitions import load_definition
from homeroom.interop.sis.preset import load_preset
from homeroom.interop.sis.propose import propose
from homeroom.pipeline import metrics_for_folder

EXPORT = """Stu ID;Building;Absence Date;Abs Code;Grade;Comment
1001;LIN;09/03/2024;A;3;
1002;LIN;09/03/2024;E;4;sick
1001;LIN;09/04/2024;T;3;
1003;LIN;09/05/2024;Q;5;
1002;LIN;09/10/2024;E;4;
1001;LIN;09/13/2024;A;3;
1003;LIN;09/13/2024;A;5;
1002;LIN;09/16/2024;E;4;
"""


def test_map_proposes_columns_and_formats(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="cp1252")
    proposal = propose(path)
    roles = {g.header: (g.role, g.confidence) for g in proposal.columns}
    assert roles["Stu ID"] == ("student_id", "high")
    assert roles["Absence Date"] == ("date", "high")
    assert roles["Abs Code"][0] == "code"
    assert roles["Grade"] == ("grade_level", "high")
    assert roles["Building"][0] == "school_id"
    assert roles["Comment"] == ("", "none")  # flagged as not placed
    assert proposal.roles["date"].date_format == "%m/%d/%Y"
    assert proposal.feeds == ["attendance"]
    assert proposal.table.delimiter == ";"


def test_map_writes_a_preset_that_imports(tmp_path, capsys):
    export = tmp_path / "export.csv"
    export.write_text(EXPORT, encoding="utf-8")
    preset = tmp_path / "district.toml"
    outcome = run(capsys, "map", export, "--out", preset, "--name", "district")
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    assert "Proposed mapping" in outcome.stdout and "not placed" in outcome.stdout
    text = preset.read_text()
    data = tomllib.loads(text)  # valid TOML, with review comments
    assert data["files"][0]["columns"]["date"] == "Absence Date"
    assert '# "Q" = "?"' in text  # an unknown code is flagged, not guessed
    assert load_preset(str(preset)).codes["A"].category == "unexcused"
    out = tmp_path / "data"
    outcome = run(capsys, "import", "sis", "--preset", preset, export, "--out", out)
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    frame = metrics_for_folder(out, definition=load_definition("default"))
    absent = dict(zip(frame["student_id"], frame["days_absent"], strict=True))
    # Calendar: weekdays 3-16 Sept (10 days); every student enrolled all of them.
    # 1001: A, T (tardy, no time missed), A = 2 days. 1002: E, E, E = 3 days.
    # 1003: Q (not in codes: quarantined), A = 1 day.
    assert absent == {"1001": 2.0, "1002": 3.0, "1003": 1.0}
    assert set(frame["days_enrolled"]) == {10}
    quarantine = (out / "import_quarantine.csv").read_text()
    assert "code 'Q' is not in codes" in quarantine and "export.csv,5" in quarantine


def test_map_reads_xlsx_and_refuses_to_overwrite(tmp_path, capsys):
    book = Workbook()
    sheet = book.active
    sheet.append(["StudentNumber", "SchoolCode", "AttDate", "Code"])
    sheet.append(["1", "9", "2024-09-03", "A"])
    sheet.append(["2", "9", "2024-09-04", "E"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    proposal = propose(path)
    assert proposal.roles["date"].header == "AttDate"
    assert proposal.roles["student_id"].header == "StudentNumber"
    taken = tmp_path / "taken.toml"
    taken.write_text("")
    outcome = run(capsys, "map", path, "--out", taken)
    assert outcome.exit_code == 2 and "exists" in " ".join(
        (outcome.stdout + outcome.stderr).split()
    )


def test_map_help_has_an_example(capsys):
    outcome = run(capsys, "map", "--help")
    assert outcome.exit_code == 0 and "Examples" in outcome.stdout
    assert "my-district.toml" in outcome.stdout


def test_map_of_a_missing_file_is_a_clear_error(tmp_path, capsys):
    outcome = run(capsys, "map", Path(tmp_path / "nope.csv"))
    assert outcome.exit_code == 2
    assert "does not exist" in " ".join((outcome.stdout + outcome.stderr).split())
