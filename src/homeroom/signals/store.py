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
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from homeroom.contract.tableparts import FrameParts
from homeroom.definitions import Definition
from homeroom.signals.flags import COLUMNS, FLAG_SCHEMA, empty_flags
from homeroom.signals.history import SignalsError
from homeroom.warehouse import Workspace, private_files
from homeroom.warehouse.memory import memory_connection

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
    pending = signals_folder(workspace) / f"pending-{uuid.uuid4().hex[:12]}.parquet"
    pending.parent.mkdir(parents=True, exist_ok=True)
    try:
        flags.reset_index(drop=True).to_parquet(pending, index=False)
        students = int(flags["student_id"].nunique())
        return _keep(workspace, pending, as_of, definition, load_id, len(flags), students)
    finally:
        pending.unlink(missing_ok=True)  # (renamed into place unless something failed)


class RunParts:
    """A run's flags kept part by part (flags.flag_parts), for a watch list too large to hold:
    the parts go to a file of their own, which becomes the run under the lock in `finish`.

        with RunParts(workspace) as run:
            for part in parts:
                run.write(part)
            run_id = run.finish(as_of, definition=..., load_id=...)
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        with private_files():
            signals_folder(workspace).mkdir(parents=True, exist_ok=True)
        pending = signals_folder(workspace) / f"pending-{uuid.uuid4().hex[:12]}.parquet"
        self._file = FrameParts(pending, FLAG_SCHEMA)

    def __enter__(self) -> RunParts:
        self._file.__enter__()
        return self

    def write(self, part: pd.DataFrame) -> None:
        with private_files():  # run files hold student rows: 0600 in a 0700 folder
            self._file.write(part)

    @private_files()
    def finish(
        self, as_of: dt.date, *, definition: Definition | None = None, load_id: int | None = None
    ) -> int:
        """The run's id: its rows kept as the next run."""
        rows = self._file.finish(empty_flags())
        pending = self._file.path
        students = pq.read_table(pending, columns=["student_id"]).column("student_id")
        return _keep(self.workspace, pending, as_of, definition, load_id, rows,
                     pc.count_distinct(students).as_py())  # fmt: skip

    def __exit__(self, *exc: object) -> None:
        self._file.__exit__(None, None, None)
        self._file.path.unlink(missing_ok=True)


def _keep(
    workspace: Workspace, written: Path, as_of: dt.date, definition: Definition | None,
    load_id: int | None, rows: int, students: int,
) -> int:  # fmt: skip
    """A written run file renamed the next run, and its line in the index; returns its id."""
    definition = definition or workspace.definition()
    with _locked(workspace) as folder:
        known = runs(workspace)
        run_id = int(known["run_id"].max()) + 1 if len(known) else 1
        os.replace(written, run_file(workspace, run_id))
        entry = {
            "run_id": run_id,
            "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "as_of": as_of.isoformat(),
            "definition": definition.name,
            "definition_version": definition.version,
            "load_id": load_id,
            "rows": rows,
            "students": students,
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


def new_by_rule(workspace: Workspace, run_id: int) -> dict[str, int]:
    """How many students each rule flags in a run that the run before did not (the students of
    `newly_flagged`'s rows, by rule), read from the run files in bounded memory."""
    current = str(run_file(workspace, run_id))
    before = previous_run(workspace, run_id)
    sql = "SELECT rule, count(DISTINCT student_id) FROM read_parquet(?) AS now"
    params = [current]
    if before is not None:
        sql += (
            " ANTI JOIN (SELECT DISTINCT student_id, rule FROM read_parquet(?)) AS earlier"
            " USING (student_id, rule)"
        )
        params.append(str(run_file(workspace, before)))
    with memory_connection() as con:
        counted = con.execute(sql + " GROUP BY rule", params).fetchall()
    return {str(rule): int(students) for rule, students in counted}
