"""The work queue's order once a ranked queue is saved (queue_rows's SAVED): its rank orders
the flagged rows it holds, the rest follow in need order, the unflagged with something due
come last, and the same students are in the queue as without it."""

from __future__ import annotations

import pandas as pd

from homeroom.web.data.queue import queue_rows
from web.data.test_queue import TODAY, follow_up, plan, ranked


def saved(*rows: tuple[str, int, float | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "student_id": [r[0] for r in rows],
            "queue_rank": pd.array([r[1] for r in rows], dtype="Int64"),
            "chance_chronic": [float("nan") if r[2] is None else r[2] for r in rows],
        }
    )


def test_the_saved_rank_orders_the_flagged_and_the_rest_follow() -> None:
    flags = ranked(
        ("A", 3, "05"), ("B", 2, "05"), ("C", 2, "06"), ("D", None, "06"), ("E", 2, "05")
    )
    plans = [plan(1, "E"), plan(2, "G", review=TODAY)]  # E: planned, out; G: review due
    due = [follow_up(10, "H", TODAY)]
    # C, A, B by the saved rank; D (not in it) next; G and H, unflagged, last as before.
    chances = saved(("C", 1, 0.8), ("A", 2, 0.6), ("B", 5, None), ("E", 3, 0.5), ("H", 4, 0.4))
    rows = queue_rows(flags, plans, due, TODAY, capacity=2, saved=chances)
    assert list(rows["student_id"]) == ["C", "A", "B", "D", "G", "H"]
    assert list(rows["queue_rank"].astype(object).where(rows["queue_rank"].notna(), None)) == [
        1, 2, 5, None, None, 4
    ]  # fmt: skip
    assert rows["chance_chronic"].tolist()[:2] == [0.8, 0.6]
    assert rows["chance_chronic"].iloc[2:4].isna().all()
    assert list(rows["this_week"]) == [True, True, False, False, False, False]
    without = queue_rows(flags, plans, due, TODAY, capacity=2)
    assert sorted(without["student_id"]) == sorted(rows["student_id"])
    assert list(without["student_id"]) == ["A", "B", "C", "D", "G", "H"]
    assert without["chance_chronic"].isna().all() and without["queue_rank"].isna().all()
