"""Each student's chance of ending the year chronically absent, from the latest ranked queue.

`homeroom signals queue --workspace W` keeps the whole district's ranked queue, with the
model's chance and main factors, in the workspace (homeroom.signals.queue_store). The student
page, the work queue and the API show that run's figures with its date: the web app never
scores a student itself, so every page agrees with the queue the data team saved.

The file is read once per version (its size and modification time, and the note beside it)
and kept; a new `signals queue` run replaces the file, and the next request reads the new one.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import pandas as pd

from homeroom.formats import percent_text
from homeroom.signals import queue_store
from homeroom.signals.queue_store import SavedQueue, StudentChance
from homeroom.warehouse import Workspace

NO_QUEUE = "no_queue"  # `signals queue` never saved a queue in this workspace
NO_MODEL = "no_model"  # a queue saved without a trained model: ranked by the rules alone
NOT_IN_QUEUE = "not_in_queue"  # not enrolled on the queue's date
SHOWN = "shown"

_cache: dict[tuple[str, int, int, int], SavedQueue] = {}
_lock = threading.Lock()


def latest_queue(workspace: Workspace) -> SavedQueue | None:
    """The latest saved queue, or None before the first `homeroom signals queue`."""
    path = queue_store.queue_path(workspace)
    try:
        stat = path.stat()
        about = path.with_name(queue_store.ABOUT_FILE).stat()
    except FileNotFoundError:
        return None
    key = (str(workspace.root), stat.st_mtime_ns, stat.st_size, about.st_mtime_ns)
    with _lock:
        found = _cache.get(key)
        if found is None:
            try:
                found = queue_store.load_queue(workspace)
            except FileNotFoundError:  # replaced between the look and the read
                found = None
            if found is None:
                return None
            # Only a workspace's latest file is ever asked for; other workspaces keep theirs.
            for old in [k for k in _cache if k[0] == key[0]]:
                del _cache[old]
            _cache[key] = found
    return found


def student_chance(workspace: Workspace, student_id: str) -> StudentChance | None:
    """The student's row of the latest saved queue (None: no queue, or not enrolled on its date)."""
    return queue_store.student_chance(latest_queue(workspace), str(student_id))


def queue_ranks(saved: SavedQueue | None, school_id: str | None = None) -> pd.DataFrame:
    """student_id, queue_rank, chance_chronic of a saved queue (latest_queue), one row a
    student (a school's rows only when SCHOOL_ID is given); no rows without a saved queue."""
    if saved is None:
        return pd.DataFrame(
            {"student_id": pd.Series(dtype=object), "queue_rank": pd.Series(dtype="Int64"),
             "chance_chronic": pd.Series(dtype=float)}
        )  # fmt: skip
    rows = saved.rows
    if school_id is not None:
        rows = rows[rows["school_id"] == str(school_id)]
    found = pd.DataFrame(
        {
            "student_id": rows["student_id"].astype(str),
            "queue_rank": rows["rank"].astype("Int64"),
            "chance_chronic": rows["chance_chronic"].astype(float),
        }
    )
    # One row a student: the best rank, should a student have two schools' rows.
    return found.sort_values("queue_rank").drop_duplicates("student_id").reset_index(drop=True)


@dataclass(frozen=True)
class ChanceShown:
    """What the student page says about the chance: `state` is SHOWN, NO_MODEL, NOT_IN_QUEUE
    or NO_QUEUE; the figures are there when the student has a row in the saved queue."""

    state: str
    as_of: dt.date | None = None
    chance: float | None = None
    rank: int | None = None
    students: int = 0
    factors: tuple[str, ...] = ()
    main_reason: str = ""

    @property
    def chance_text(self) -> str:
        return chance_text(self.chance)


def chance_shown(workspace: Workspace, student_id: str) -> ChanceShown:
    saved = latest_queue(workspace)
    if saved is None:
        return ChanceShown(NO_QUEUE)
    found = queue_store.student_chance(saved, str(student_id))
    if found is None:
        return ChanceShown(NOT_IN_QUEUE, as_of=saved.as_of, students=len(saved.rows))
    return ChanceShown(
        SHOWN if found.chance is not None else NO_MODEL,
        as_of=found.as_of,
        chance=found.chance,
        rank=found.rank,
        students=found.students,
        factors=factor_list(found.main_factors),
        main_reason=found.main_reason,
    )


def factor_list(main_factors: str) -> tuple[str, ...]:
    """The saved '; '-joined factors in words, one item each."""
    return tuple(f.strip() for f in str(main_factors or "").split(";") if f.strip())


def chance_text(chance: float | None) -> str:
    """A whole percentage ("34%"), or an em dash without a chance: the model's chance is an
    estimate, and a tenth of a point would claim more than it knows."""
    if chance is not None and 0 < chance < 0.005:
        return "under 1%"  # never "0%": the model does not rule anyone out
    return percent_text(chance, digits=0)


__all__ = [
    "NOT_IN_QUEUE",
    "NO_MODEL",
    "NO_QUEUE",
    "SHOWN",
    "ChanceShown",
    "chance_shown",
    "chance_text",
    "factor_list",
    "latest_queue",
    "queue_ranks",
    "student_chance",
]
