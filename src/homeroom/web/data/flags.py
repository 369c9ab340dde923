"""The early-warning flags the casework pages show: the latest saved `homeroom signals` run,
ranked (homeroom.signals.ranking), with the date each student was first flagged this school
year (the earliest saved run of that year that flagged them).

Read once per saved run and kept (runs are written whole and never change); callers scope the
rows themselves: a school's queue keeps its school, a student page its student.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from homeroom.signals.ranking import rank_students
from homeroom.warehouse import Workspace


@dataclass(frozen=True)
class FlagSet:
    run_id: int
    as_of: dt.date
    definition: str
    flags: pd.DataFrame  # the run's flag rows (homeroom.signals.flags.COLUMNS)
    ranked: pd.DataFrame  # rank_students(flags) + first_flagged_on, days_since_flagged

    def student_flags(self, student_id: str) -> pd.DataFrame:
        """The student's flag rows (every school), main rule first."""
        rows = self.flags[self.flags["student_id"] == str(student_id)]
        return rows.sort_values(["suggested_tier", "rule"], ascending=[False, True])

    def student_rank(self, student_id: str) -> pd.DataFrame:
        return self.ranked[self.ranked["student_id"] == str(student_id)]

    def school(self, school_id: str) -> pd.DataFrame:
        return self.ranked[self.ranked["school_id"] == str(school_id)].reset_index(drop=True)


_cache: dict[tuple[str, int], FlagSet] = {}
_lock = threading.Lock()


def latest_flags(workspace: Workspace) -> FlagSet | None:
    """The latest saved run's flags, ranked; None before the first run."""
    from homeroom.signals.history import SignalsError
    from homeroom.signals.store import runs

    try:
        known = runs(workspace)
    except SignalsError:
        return None
    if known.empty:
        return None
    latest = known.iloc[-1]
    key = (str(workspace.root), int(latest["run_id"]))
    with _lock:
        found = _cache.get(key)
        if found is None:
            found = _read(workspace, known)
            _cache.clear()  # only the latest run of a workspace is ever asked for
            _cache[key] = found
    return found


def _read(workspace: Workspace, known: pd.DataFrame) -> FlagSet:
    from homeroom.signals.store import load_run

    latest = known.iloc[-1]
    run_id = int(latest["run_id"])
    flags = load_run(workspace, run_id)
    ranked = rank_students(flags)
    first = _first_flagged(workspace, known, flags)
    ranked = ranked.merge(first, on=["student_id", "school_year"], how="left")
    as_of: dt.date = latest["as_of"]
    ranked["first_flagged_on"] = ranked["first_flagged_on"].fillna(as_of)
    ranked["days_since_flagged"] = [(as_of - d).days for d in ranked["first_flagged_on"]]
    return FlagSet(run_id, as_of, f"{latest['definition']} {latest['definition_version']}",
                   flags, ranked)  # fmt: skip


def _first_flagged(workspace: Workspace, known: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """(student, school year) -> the as-of date of the earliest saved run that flagged them."""
    from homeroom.signals.store import run_file

    files = pd.DataFrame(
        {
            "filename": [str(run_file(workspace, int(r))) for r in known["run_id"]],
            "as_of": list(known["as_of"]),
        }
    )
    files = files[[Path(f).exists() for f in files["filename"]]]
    years = sorted({int(y) for y in flags["school_year"].dropna()})
    if files.empty or not years:
        return pd.DataFrame({"student_id": [], "school_year": [], "first_flagged_on": []})
    with duckdb.connect() as con:
        con.register("run_dates", files)
        found = con.execute(
            "SELECT CAST(f.student_id AS VARCHAR) AS student_id, "
            "CAST(f.school_year AS BIGINT) AS school_year, min(d.as_of) AS first_flagged_on "
            "FROM read_parquet($files, filename = true) f JOIN run_dates d USING (filename) "
            "WHERE f.school_year IN (SELECT UNNEST($years)) GROUP BY 1, 2",
            {"files": list(files["filename"]), "years": years},
        ).df()
    found["first_flagged_on"] = [pd.Timestamp(d).date() for d in found["first_flagged_on"]]
    return found
