"""The latest ranked queue, kept in the workspace for the web app's student page and work queue.

`homeroom signals queue --workspace W` (the whole district, no `--school`) keeps every enrolled
student's row, with the model's chance and main factors, in `<workspace>/signals/queue.parquet`
and what it was made from in `queue.json` (as-of date, definition, model, rows, when). Each run
replaces the one before: the page shows the latest chance, with its date. The file is written
whole and then moved into place, so a reader never sees half of it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from homeroom.definitions import Definition
from homeroom.signals.ranking import QUEUE_COLUMNS
from homeroom.signals.store import signals_folder
from homeroom.warehouse import Workspace, private_files

QUEUE_FILE = "queue.parquet"
ABOUT_FILE = "queue.json"
COLUMNS = (*QUEUE_COLUMNS, "main_factors")


@dataclass(frozen=True)
class SavedQueue:
    rows: pd.DataFrame  # COLUMNS, rank order
    as_of: dt.date
    definition: str
    model: str | None  # the model's name, None when the rules alone ranked it
    saved_at: str


@dataclass(frozen=True)
class StudentChance:
    """One student's row of the latest saved queue."""

    as_of: dt.date
    rank: int
    students: int  # enrolled, ranked
    chance: float | None  # None: no model was trained
    main_factors: str
    main_reason: str
    suggested_tier: int | None


def queue_path(workspace: Workspace) -> Path:
    return signals_folder(workspace) / QUEUE_FILE


@private_files()  # student rows: 0600 in a 0700 folder
def save_queue(
    workspace: Workspace,
    queue: pd.DataFrame,
    as_of: dt.date,
    definition: Definition,
    model: str | None,
) -> Path:
    """Keep the whole district's queue (every enrolled student) as the latest."""
    folder = signals_folder(workspace)
    folder.mkdir(parents=True, exist_ok=True)
    rows = queue.reindex(columns=list(COLUMNS))
    rows["main_factors"] = rows["main_factors"].fillna("")
    target = folder / QUEUE_FILE
    partial = target.with_suffix(".partial")
    rows.reset_index(drop=True).to_parquet(partial, index=False)
    about = {
        "as_of": as_of.isoformat(),
        "definition": definition.name,
        "definition_version": definition.version,
        "model": model,
        "rows": len(rows),
        "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    about_partial = folder / (ABOUT_FILE + ".partial")
    about_partial.write_text(json.dumps(about, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, target)
    os.replace(about_partial, folder / ABOUT_FILE)
    return target


def load_queue(workspace: Workspace) -> SavedQueue | None:
    """The latest saved queue, or None when none was saved."""
    folder = signals_folder(workspace)
    target, about_file = folder / QUEUE_FILE, folder / ABOUT_FILE
    if not target.exists() or not about_file.exists():
        return None
    about = json.loads(about_file.read_text(encoding="utf-8"))
    rows = pd.read_parquet(target)
    rows = rows.astype({"student_id": str, "school_id": str})
    return SavedQueue(
        rows=rows,
        as_of=dt.date.fromisoformat(about["as_of"]),
        definition=str(about["definition"]),
        model=about.get("model"),
        saved_at=str(about.get("saved_at", "")),
    )


def student_chance(saved: SavedQueue | None, student_id: str) -> StudentChance | None:
    """A student's row of the saved queue (None: no queue saved, or not enrolled on its date)."""
    if saved is None:
        return None
    found = saved.rows[saved.rows["student_id"] == str(student_id)]
    if found.empty:
        return None
    row = found.iloc[0]
    chance = row["chance_chronic"]
    tier = row["suggested_tier"]
    return StudentChance(
        as_of=saved.as_of,
        rank=int(row["rank"]),
        students=len(saved.rows),
        chance=None if pd.isna(chance) else float(chance),
        main_factors=str(row["main_factors"] or ""),
        main_reason=str(row["main_reason"] or ""),
        suggested_tier=None if pd.isna(tier) else int(tier),
    )
