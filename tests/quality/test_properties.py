"""Random valid datasets: the monitors never fail, and the load comparison matches a plain
pandas comparison of the two loads row by row (which the per-day checksums only shortcut)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import hypothesis.strategies as st
import pandas as pd
from hypothesis import HealthCheck, given, settings

from datasets import datasets, write_dataset
from homeroom.contract import CATEGORIES, validate_dataset
from homeroom.definitions import load_definition
from homeroom.quality import STATUSES, PreviousLoad, run_monitors

DEFAULT = load_definition("default")
KEYS = ["student_id", "school_id", "date"]


def _expected(old: pd.DataFrame, new: pd.DataFrame, years: set[int]) -> list[tuple]:
    if old.empty:
        return []
    last = old["date"].max()
    both = old.merge(new, on=KEYS, how="outer", suffixes=("_old", "_new"), indicator="side")
    found = []
    for row in both.itertuples(index=False):
        if row.side == "both":
            changed = row.category_old != row.category_new or row.absent_units_old != (
                row.absent_units_new
            )
            kind = "re-coded" if changed else None
        elif row.side == "left_only":
            late = row.date < last and int(row.school_year_old) in years
            kind = "disappeared" if late else None
        else:
            kind = "appeared" if row.date < last else None
        if kind:
            found.append((kind, row.student_id, row.school_id, pd.Timestamp(row.date).date()))
    return sorted(found)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=datasets(DEFAULT), edits=st.data())
def test_monitors_run_and_compare_loads_like_pandas(data, edits):
    with tempfile.TemporaryDirectory() as folder:
        write_dataset(Path(folder), data)
        con = duckdb.connect()
        report = validate_dataset(Path(folder), con, definition=DEFAULT)
        new = con.execute("SELECT * FROM attendance").df()
        # The previous load: this one with rows re-coded, removed and moved to other dates.
        old = new.copy()
        n = len(old)
        if n:
            picks = edits.draw(st.lists(st.integers(0, n - 1), max_size=n, unique=True))
            for i in picks:
                action = edits.draw(st.sampled_from(["category", "amount", "drop", "move"]))
                if action == "category":
                    old.loc[i, "category"] = edits.draw(st.sampled_from(CATEGORIES))
                elif action == "amount":
                    old.loc[i, "absent_units"] = edits.draw(st.integers(0, report.units_per_day))
                elif action == "move":
                    old.loc[i, "date"] = old.loc[i, "date"] + pd.Timedelta(days=1)
            dropped = [i for i in picks if edits.draw(st.booleans())]
            old = old.drop(index=dropped).drop_duplicates(KEYS)
        con.register("old_frame", old)
        con.execute("CREATE TABLE old_attendance AS SELECT * FROM old_frame")
        previous = PreviousLoad("old_attendance", report.units_per_day)
        found = run_monitors(
            con,
            quarantine=report.quarantine,
            previous=previous,
            units_per_day=report.units_per_day,
        )
        for monitor in found:
            assert monitor.status in STATUSES
            assert (monitor.status == "ok") == (monitor.count == 0 and monitor.rows.empty) or (
                monitor.status == "info"
            )
        changed = found[-1]
        years = set(report.school_years)
        got = sorted(
            (r.change, r.student_id, r.school_id, r.date) for r in changed.rows.itertuples()
        )
        assert got == _expected(old, new, years)
        same = run_monitors(
            con, previous=PreviousLoad("attendance", report.units_per_day), quarantine=None
        )[-1]
        assert same.status in ("ok", "info") and same.count == 0  # a load equals itself
        con.close()
