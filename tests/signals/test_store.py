"""The run store: runs kept under <workspace>/signals, and who is newly flagged."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from homeroom.signals.history import SignalsError
from homeroom.signals.store import (
    RunParts,
    load_run,
    new_by_rule,
    newly_flagged,
    previous_run,
    runs,
    save_run,
    signals_folder,
)
from homeroom.warehouse import Workspace, init_workspace


def flags(*rows: tuple[str, str, str, int | None]) -> pd.DataFrame:
    """Flag rows (student, school, rule, tier) with a reason and one evidence column."""
    frame = pd.DataFrame(
        {
            "student_id": [r[0] for r in rows],
            "school_id": [r[1] for r in rows],
            "rule": [r[2] for r in rows],
            "suggested_tier": pd.array([r[3] for r in rows], dtype="Int64"),
            "reason": [f"{r[2]} for {r[0]}" for r in rows],
            "first_day": [dt.date(2024, 9, 2)] * len(rows),
        }
    )
    return frame


@pytest.fixture
def space(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "ws", definition="edfacts")


def test_no_runs_yet(space: Workspace) -> None:
    assert runs(space).empty
    assert list(runs(space).columns) == [
        "run_id",
        "run_at",
        "as_of",
        "definition",
        "definition_version",
        "load_id",
        "rows",
        "students",
    ]
    with pytest.raises(SignalsError, match="no signals runs are saved"):
        newly_flagged(space)


def test_save_and_load_a_run(space: Workspace) -> None:
    first = flags(("A", "S1", "pace", 2), ("A", "S1", "consecutive", None), ("B", "S2", "pace", 2))
    run_id = save_run(space, first, dt.date(2025, 1, 10), load_id=4)
    assert run_id == 1
    kept = load_run(space, 1)
    pd.testing.assert_frame_equal(kept, first, check_dtype=False)
    assert kept["suggested_tier"].dtype == "Int64" and pd.isna(kept["suggested_tier"][1])
    assert kept["first_day"][0] == dt.date(2024, 9, 2)
    index = runs(space)
    columns = ["run_id", "as_of", "definition", "load_id", "rows", "students"]
    # The workspace's definition when none is given; 3 rows of 2 students.
    assert index.loc[0, columns].tolist() == [1, dt.date(2025, 1, 10), "edfacts", 4, 3, 2]
    assert (signals_folder(space) / "run-000001.parquet").exists()
    line = json.loads((signals_folder(space) / "runs.jsonl").read_text().splitlines()[0])
    assert line["as_of"] == "2025-01-10"


def test_newly_flagged_against_the_run_before(space: Workspace) -> None:
    save_run(space, flags(("A", "S1", "pace", 2), ("B", "S2", "pace", 2)), dt.date(2025, 1, 10))
    latest = save_run(
        space,
        flags(
            ("A", "S1", "pace", 2),  # flagged before for pace: not new
            ("A", "S1", "ytd_chronic", 2),  # a new rule for A
            ("C", "S1", "pace", 2),  # a new student
            ("B", "S3", "pace", 2),  # moved school, same rule: not new
        ),
        dt.date(2025, 1, 17),
    )
    new = newly_flagged(space)
    assert sorted(zip(new["student_id"], new["rule"], strict=True)) == [
        ("A", "ytd_chronic"),
        ("C", "pace"),
    ]
    assert list(newly_flagged(space, latest, school_id="S1")["student_id"]) == ["A", "C"]
    assert newly_flagged(space, latest, school_id="S3").empty
    # The first run has nothing before it: all of it is new.
    assert len(newly_flagged(space, 1)) == 2
    # Counted from the files: the students of those rows, by rule.
    assert new_by_rule(space, latest) == {"ytd_chronic": 1, "pace": 1}
    assert new_by_rule(space, 1) == {"pace": 2}


def test_the_run_before_is_by_as_of_date(space: Workspace) -> None:
    save_run(space, flags(("A", "S1", "pace", 2)), dt.date(2025, 1, 10))  # run 1
    save_run(space, flags(("B", "S1", "pace", 2)), dt.date(2025, 1, 17))  # run 2
    # Someone re-runs an old date: it is compared with nothing earlier than it...
    save_run(space, flags(("C", "S1", "pace", 2)), dt.date(2024, 10, 1))  # run 3
    save_run(space, flags(("B", "S1", "pace", 2)), dt.date(2025, 1, 24))  # run 4
    assert previous_run(space, 3) is None
    # ...and does not become the baseline of the next regular run.
    assert previous_run(space, 4) == 2
    assert newly_flagged(space, 4).empty
    # Two runs of the same date: the later one is compared with the earlier one.
    save_run(space, flags(("B", "S1", "pace", 2), ("D", "S1", "pace", 2)), dt.date(2025, 1, 24))
    assert previous_run(space, 5) == 4
    assert list(newly_flagged(space, 5)["student_id"]) == ["D"]
    assert new_by_rule(space, 5) == {"pace": 1} and new_by_rule(space, 4) == {}


def test_unknown_run_and_bad_frames(space: Workspace) -> None:
    save_run(space, flags(("A", "S1", "pace", 2)), dt.date(2025, 1, 10))
    with pytest.raises(SignalsError, match="no signals run 9; saved runs: 1"):
        load_run(space, 9)
    with pytest.raises(SignalsError, match="not flag rows"):
        save_run(space, pd.DataFrame({"student_id": ["A"]}), dt.date(2025, 1, 10))


def test_a_run_kept_in_parts_is_the_run_kept_whole(space: Workspace) -> None:
    import pyarrow as pa

    from homeroom.signals.flags import COLUMNS, FLAG_SCHEMA

    rows = flags(("A", "S1", "pace", 2), ("A", "S1", "consecutive", None), ("B", "S2", "pace", 2))
    given = {pa.int64(): 3, pa.float64(): 0.25, pa.string(): "x", pa.date32(): dt.date(2025, 1, 6)}
    for field in FLAG_SCHEMA:
        if field.name not in rows.columns:
            rows[field.name] = given[field.type]
    rows = rows.loc[:, list(COLUMNS)]
    with RunParts(space) as run:
        run.write(rows.iloc[:2])
        run.write(rows.iloc[2:])
        run_id = run.finish(dt.date(2025, 1, 10), load_id=4)
    assert run_id == 1
    pd.testing.assert_frame_equal(load_run(space, 1), rows, check_dtype=False)
    columns = ["run_id", "as_of", "definition", "load_id", "rows", "students"]
    assert runs(space).loc[0, columns].tolist() == [1, dt.date(2025, 1, 10), "edfacts", 4, 3, 2]
    assert sorted(p.name for p in signals_folder(space).iterdir()) == [
        ".lock", "run-000001.parquet", "runs.jsonl",
    ]  # fmt: skip
    with pytest.raises(RuntimeError), RunParts(space) as stopped:
        stopped.write(rows)
        raise RuntimeError("stopped")
    assert len(runs(space)) == 1 and not list(signals_folder(space).glob("pending-*"))
