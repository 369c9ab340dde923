"""Year totals placed on made-up dates: stays, calendars, absences, the last day marked."""

from __future__ import annotations

import hypothesis.strategies as st
import pandas as pd
from hypothesis import given, settings

from homeroom.interop.totals import UNITS, Piece, place, place_in_batches

PIECES = [Piece("excused", "excused", "E")]


def _rows(*students: tuple[str, int, int]) -> pd.DataFrame:
    """(student, days enrolled, whole days excused) at school A in 2025."""
    return pd.DataFrame(
        {
            "_line": range(2, 2 + len(students)),
            "student_id": [s for s, _, _ in students],
            "school_id": "A",
            "school_year": 2025,
            "days": [d for _, d, _ in students],
            "excused": [e * UNITS for _, _, e in students],
        }
    )


def test_the_last_day_is_marked_as_recorded_when_no_absence_falls_on_it():
    # 10 days with 1 absence: on stay day floor(10/2) = 5, not the last (day 9).
    stays, calendar, attendance = place(_rows(("1", 10, 1), ("2", 4, 0)), PIECES)
    last_day = calendar["date"].max()
    marks = attendance[attendance["category"] == "present"]
    assert marks[["student_id", "date", "absent_fraction"]].values.tolist() == [
        ["1", last_day, "0"]
    ]
    assert (attendance["category"] == "excused").sum() == 1
    assert stays.loc[stays["student_id"] == "1", "exit_date"].item() == last_day


def test_no_mark_is_needed_when_an_absence_is_recorded_on_the_last_day():
    # 1 day enrolled and absent: the absence is on the only (last) day.
    _stays, calendar, attendance = place(_rows(("1", 1, 1)), PIECES)
    assert attendance["category"].tolist() == ["excused"]
    assert attendance["date"].max() == calendar["date"].max()


@st.composite
def _many(draw: st.DrawFn) -> pd.DataFrame:
    """Rows of a few students at two schools and years, movers and part days among them."""
    rows = []
    for line in range(draw(st.integers(1, 12))):
        days = draw(st.integers(1, 30))
        excused = draw(st.integers(0, days * UNITS // 2))
        rows.append(
            {
                "_line": line + 2,
                "student_id": draw(st.sampled_from(["1", "2", "3", "4"])),
                "school_id": draw(st.sampled_from(["A", "B"])),
                "school_year": draw(st.sampled_from([2024, 2025])),
                "days": days,
                "excused": excused - excused % (UNITS // 4),
                "unexcused": draw(st.integers(0, days - (excused + UNITS - 1) // UNITS)) * UNITS,
            }
        )
    return pd.DataFrame(rows)


@settings(max_examples=40, deadline=None)
@given(rows=_many(), batch=st.sampled_from([1, 2, 3, 7]))
def test_placing_in_batches_gives_the_rows_of_placing_at_once(rows, batch):
    pieces = [Piece("excused", "excused", "E"), Piece("unexcused", "unexcused", "U")]
    stays, calendar, absences = place(rows, pieces)
    b_stays, b_calendar, batches = place_in_batches(rows, pieces, batch=batch)
    pd.testing.assert_frame_equal(b_stays, stays)
    pd.testing.assert_frame_equal(b_calendar, calendar)
    together = pd.concat(list(batches), ignore_index=True)
    pd.testing.assert_frame_equal(together.astype(object), absences.astype(object))
