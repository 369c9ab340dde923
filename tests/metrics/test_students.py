"""Student rows carry the school's name and the school year as people write it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from datasets import Builder
from homeroom.metrics import STUDENT_COLUMNS

from .helpers import START, by_student, day


def test_student_rows_name_the_school_and_the_year(tmp_path: Path) -> None:
    # P1 in 2024-25 at S1 then S2 (latest), P2 in 2009-10 at S1: the year 2010 is `2009-10`.
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.school("S2", "D1", calendar_id="C1")
    b.calendar("C1", 2025, START, 10)
    b.calendar("C1", 2010, dt.date(2009, 9, 1), 10)
    b.stay("P1", "S1", 2025, day(0), day(3))
    b.stay("P1", "S2", 2025, day(4))
    b.stay("P2", "S1", 2010, dt.date(2009, 9, 1))
    assert {"school_name", "school_year_label"} <= set(STUDENT_COLUMNS)
    rows = by_student(tmp_path, b, per="district")
    assert (rows["P1"]["school_year_label"], rows["P1"]["school_name"]) == ("2024-25", "School S2")
    assert (rows["P2"]["school_year_label"], rows["P2"]["school_name"]) == ("2009-10", "School S1")
