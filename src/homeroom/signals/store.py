"""The run store: each run's flags kept in the workspace, so a school can see who is new.

Layout under `<workspace>/signals/`: one Parquet file per run (`run-000001.parquet`, the rows of
`flag_students`) and `runs.jsonl`, one line per run (id, when, as-of date, definition, load).
Run ids count up from 1. Writes take a lock file, so the command line and a scheduled job
can save at the same time; a run's file is complete before its index line is written, so a
reader never sees half a run.

"Newly flagged" compares a run with the run before it: the saved run with the latest as-of
date before this one's (the latest saved, among runs of the same date), so re-running an old
date for a check does not become the baseline of today's list.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from homeroom.definitions import Definition
from homeroom.signals.flags import COLUMNS
from homeroom.signals.history import SignalsError
from homeroom.warehouse import Workspace, private_files

FOLDER = "signals"
INDEX = "runs.jsonl"
RUN_COLUMNS = (
    "run_id",
    "run_at",
    "as_of",
    "definition",
    "definition_version",
    "load_id",
    "rows",
    "students",
)


def signals_folder(workspace: Workspace) -> Path:
    return workspace.root / FOLDER


def run_file(workspace: Workspace, run_id: int) -> Path:
    """Where a saved run's flag rows are (the one place that names the file)."""
    return signals_folder(workspace) / f"run-{run_id:06d}.parquet"


@contextmanager
def _locked(workspace: Workspace) -> Iterator[Path]:
    folder = signals_folder(workspace)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@private_files()  # run files hold student rows: 0600 in a 0700 folder
def save_run(
    workspace: Workspace,
    flags: pd.DataFrame,
    as_of: dt.date,
    *,
    definition: Definition | None = None,
    load_id: int | None = None,
) -> int:
    """Keep a run's flags; returns its run id."""
    missing = [c for c in COLUMNS[:5] if c not in flags.columns]
    if missing:
        raise SignalsError(f"these are not flag rows: the columns {missing} are missing")
    definition = definition or workspace.definition()
    with _locked(workspace) as folder:
        known = runs(workspace)
        run_id = int(known["run_id"].max()) + 1 if len(known) else 1
        target = run_file(workspace, run_id)
        partial = target.with_suffix(".partial")
        flags.reset_index(drop=True).to_parquet(partial, index=False)
        os.replace(partial, target)
        entry = {
            "run_id": run_id,
            "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "as_of": as_of.isoformat(),
            "definition": definition.name,
            "definition_version": definition.version,
            "load_id": load_id,
            "rows": len(flags),
            "students": int(flags["student_id"].nunique()),
        }
        with (folder / INDEX).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
    return run_id


def runs(workspace: Workspace) -> pd.DataFrame:
    """The saved runs, oldest first (columns `RUN_COLUMNS`; `as_of` a date)."""
    index = signals_folder(workspace) / INDEX
    entries = []
    if index.exists():
        for line in index.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entries.append(json.loads(line))
    frame = pd.DataFrame(entries, columns=list(RUN_COLUMNS))
    frame["run_id"] = frame["run_id"].astype("int64")
    frame["as_of"] = [dt.date.fromisoformat(d) for d in frame["as_of"]]
    frame["load_id"] = frame["load_id"].astype("Int64")
    return frame.sort_values("run_id").reset_index(drop=True)


def _entry(workspace: Workspace, run_id: int | None) -> pd.Series:
    known = runs(workspace)
    if known.empty:
        raise SignalsError(
            f"no signals runs are saved in {workspace.root}; run `homeroom signals` first"
        )
    if run_id is None:
        return known.iloc[-1]
    chosen = known[known["run_id"] == int(run_id)]
    if chosen.empty:
        ids = ", ".join(map(str, known["run_id"]))
        raise SignalsError(f"no signals run {run_id}; saved runs: {ids}")
    return chosen.iloc[0]


def load_run(workspace: Workspace, run_id: int | None = None) -> pd.DataFrame:
    """A saved run's flag rows (default: the latest run)."""
    entry = _entry(workspace, run_id)
    return pd.read_parquet(run_file(workspace, int(entry["run_id"])))


def previous_run(workspace: Workspace, run_id: int) -> int | None:
    """The run a run is compared with: the latest (as-of date, run id) before its own."""
    known = runs(workspace)
    entry = _entry(workspace, run_id)
    key = (entry["as_of"], int(entry["run_id"]))
    earlier = [
        (as_of, rid)
        for as_of, rid in zip(known["as_of"], known["run_id"], strict=True)
        if (as_of, int(rid)) < key
    ]
    return int(max(earlier)[1]) if earlier else None


def newly_flagged(
    workspace: Workspace, run_id: int | None = None, *, school_id: str | None = None
) -> pd.DataFrame:
    """The flags of a run (default: the latest) whose student and rule were not flagged in the
    run before it (all of them when there is none), optionally for one school."""
    entry = _entry(workspace, run_id)
    current = load_run(workspace, int(entry["run_id"]))
    if school_id is not None:
        current = current[current["school_id"] == school_id]
    before = previous_run(workspace, int(entry["run_id"]))
    if before is None:
        return current.reset_index(drop=True)
    earlier = load_run(workspace, before).loc[:, ["student_id", "rule"]].drop_duplicates()
    marked = current.merge(earlier, on=["student_id", "rule"], how="left", indicator=True)
    fresh = marked[marked["_merge"] == "left_only"].drop(columns="_merge")
    return fresh.reset_index(drop=True)
