"""`homeroom report`: the terminal summary and the self-contained report (district, state)."""

from __future__ import annotations

import re

import pandas as pd

from cli_helpers import run


def test_report_prints_the_summary_and_writes_self_contained_html(capsys, workspace, tmp_path):
    html = tmp_path / "report.html"
    outcome = run(capsys, "report", "--workspace", workspace, "--html", html)
    assert outcome.exit_code == 0, outcome.stderr
    assert "ADA" in outcome.stdout
    text = html.read_text()
    assert "<svg" in text and "<script" not in text
    # Self-contained: nothing fetched from elsewhere (the definition's source is plain text).
    assert re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text) is None
    assert "url(" not in text and "@import" not in text


def test_a_state_report_covers_its_districts(capsys, tmp_path):
    from homeroom.synth import generate

    state = tmp_path / "state"
    generate(state, students=900, schools=8, years=1, seed=5, districts=2)
    html = tmp_path / "state.html"
    outcome = run(capsys, "report", "--data", state, "--html", html)
    assert outcome.exit_code == 0, outcome.stderr
    assert "State level" in outcome.stdout
    text = html.read_text()
    names = pd.read_parquet(state / "schools.parquet")["district_name"].unique()
    assert len(names) == 2 and all(name in text for name in names)
