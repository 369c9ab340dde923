"""The facts the rules read: whole months completed (the `pace` clock)."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from homeroom.signals.facts import months_completed


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# --- months between two dates -------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "day", "months"),
    [
        ("2025-01-26", "2025-02-24", 0),
        ("2025-01-26", "2025-02-25", 1),  # a month from the 26th ends on the 25th
        ("2025-01-31", "2025-02-27", 0),
        ("2025-01-31", "2025-02-28", 1),  # no 31 February: the month ends on its last day
        ("2024-01-30", "2024-02-28", 0),
        ("2024-01-30", "2024-02-29", 1),  # leap year
        ("2024-01-29", "2024-02-28", 1),
        ("2024-12-31", "2025-02-27", 1),
        ("2024-12-31", "2025-02-28", 2),
        ("2024-09-01", "2024-09-30", 1),
        ("2024-09-02", "2024-09-30", 0),
        ("2024-09-02", "2024-10-01", 1),
        ("2024-09-02", "2025-06-13", 9),
        ("2024-09-02", "2024-09-02", 0),
    ],
)
def test_whole_months_completed(first: str, day: str, months: int) -> None:
    frame = pd.DataFrame({"first": [d(first)], "day": [d(day)]})
    t = ibis.memtable(frame)
    expr = months_completed(t["first"].cast("date"), t["day"].cast("date"))
    assert ibis.duckdb.connect().execute(expr)[0] == months
