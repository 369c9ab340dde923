"""The latest ranked queue kept in the workspace: written whole, read back, one student's row,
replaced by the next, and private."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pandas as pd

from homeroom.definitions import load_definition
from homeroom.signals.queue_store import (
    load_queue,
    queue_path,
    save_queue,
    student_chance,
)
from homeroom.warehouse import init_workspace

DAY = dt.date(2024, 10, 1)


def queue(chances: list[float | None]) -> pd.DataFrame:
    n = len(chances)
    return pd.DataFrame(
        {
            "student_id": [f"S{i}" for i in range(1, n + 1)],
            "school_id": ["E01"] * n,
            "rank": range(1, n + 1),
            "suggested_tier": pd.array([3] + [None] * (n - 1), dtype="Int64"),
            "chance_chronic": chances,
            "main_reason": ["Severely chronically absent last year"] + ["No rule fires"] * (n - 1),
            "rules": ["prior_year_severe"] + [""] * (n - 1),
            "main_factors": ["chronically absent last year (22%)"] + [""] * (n - 1),
        }
    )


def test_saved_read_back_and_replaced(tmp_path: Path) -> None:
    space = init_workspace(tmp_path / "ws")
    assert load_queue(space) is None and student_chance(load_queue(space), "S1") is None
    definition = load_definition("default")
    save_queue(space, queue([0.81, 0.2, 0.05]), DAY, definition, "chronic")
    saved = load_queue(space)
    assert saved is not None and saved.as_of == DAY and saved.model == "chronic"
    first = student_chance(saved, "S1")
    assert first is not None
    assert (first.rank, first.students, first.chance, first.suggested_tier) == (1, 3, 0.81, 3)
    assert first.main_factors == "chronically absent last year (22%)"
    assert student_chance(saved, "S9") is None  # not enrolled on the queue's date
    assert stat.S_IMODE(queue_path(space).stat().st_mode) == 0o600
    # The next run replaces it: rules alone, no chance.
    save_queue(space, queue([None, None]).drop(columns="main_factors"), DAY, definition, None)
    again = load_queue(space)
    assert again is not None and again.model is None and len(again.rows) == 2
    alone = student_chance(again, "S2")
    assert alone is not None and alone.chance is None and alone.main_factors == ""
