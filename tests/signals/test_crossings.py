"""The day each student crossed the line, on a hand-made district (model_district.py), and the
line itself from a features frame, exactly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from datasets import Builder
from homeroom.definitions import load_definition
from homeroom.engine import to_frame
from homeroom.signals.crossings import crossing_days, on_the_line
from signals.model_district import YEAR, calendar, day, tables_of

DEFINITION = load_definition("default")


def test_on_the_line_is_exact() -> None:
    """Units of 1/100 day. Default: 10 of 100 days is the line; 9.99 is not; 9 days enrolled is
    under the minimum of 10. CRDC: 15 days absent or more, from 1 day enrolled."""
    frame = pd.DataFrame(
        {"absent_units": [1000, 999, 100, 1500, 1499], "days_enrolled": [100, 100, 9, 20, 20]}
    )
    assert on_the_line(frame, DEFINITION, 100)[:3].tolist() == [True, False, False]
    crdc = load_definition("crdc")
    assert on_the_line(frame, crdc, 100)[3:].tolist() == [True, False]


# -- the day each student crossed the line -------------------------------------------------
def district() -> Builder:
    """X absent days 3 and 12: day 3 is 1 of 3 but not eligible; on day 10 (eligible) 1 of 10 =
    10%: crosses day 10. Y absent days 15, 25, 26: 1/15, 2/25 = 8%, then 3/26: crosses day 26.
    M at S1 days 1-10 with half a day on day 5, at S2 from day 11, absent 20 and 21: day 10 is
    0.5/10, day 20 1.5/20 = 7.5%, day 21 2.5/21: crosses day 21 (at S2). L arrives day 21,
    absent day 22: its 10th day is day 30, 1 of 10: crosses day 30. N is never absent."""
    b = Builder()
    b.school("S1", "D1", calendar_id="C1")
    b.school("S2", "D1", calendar_id="C1")
    calendar(b, YEAR, [day(n) for n in range(1, 41)])
    for student in ("X", "Y", "N"):
        b.stay(student, "S1", YEAR, day(1))
    for n in (3, 12):
        b.absent("X", "S1", day(n), "unexcused")
    for n in (15, 25, 26):
        b.absent("Y", "S1", day(n), "excused")
    b.stay("M", "S1", YEAR, day(1), day(10))
    b.stay("M", "S2", YEAR, day(11))
    b.absent("M", "S1", day(5), "excused", fraction="0.5")
    b.absent("M", "S2", day(20), "unexcused")
    b.absent("M", "S2", day(21), "unexcused")
    b.stay("L", "S2", YEAR, day(21))
    b.absent("L", "S2", day(22), "unexcused")
    return b


def test_crossing_days(tmp_path) -> None:
    tables, con = tables_of(district(), tmp_path, DEFINITION)
    try:
        frame = to_frame(crossing_days(tables, DEFINITION, YEAR)).set_index("student_id")
    finally:
        con.close()
    assert sorted(frame.index) == ["L", "M", "X", "Y"]
    assert frame["crossed_number"].to_dict() == {"X": 10, "Y": 26, "M": 21, "L": 30}
    assert frame.loc["X", "crossed_on"] == day(10)
    assert frame.loc["L", "crossed_on"] == day(30)


def test_the_day_they_crossed_to_stay(tmp_path: Path) -> None:
    """Over 40 school days. Z: absent day 10 (1 of 10 on the day it is eligible: crosses day
    10), then under (1 of 29 on day 29), absent 30, 31, 32 (2/30, 3/31, then 4/32 = 12.5%:
    over), 38 (4/37 = 10.8% the day before, still over): crossed to stay on day 32, ends at
    5/40. X (absent 3 and 12) last crossed on day 12 (1/11 the day before, 2/12 on it) and falls
    back under: the settled day is only "to stay" for a student who ends over the line. Y (15,
    25, 26): 2/25 = 8% the day before 26, 3/26 on it: 26, the same as its first crossing."""
    b = district()
    b.stay("Z", "S1", YEAR, day(1))
    for n in (10, 30, 31, 32, 38):
        b.absent("Z", "S1", day(n), "unexcused")
    tables, con = tables_of(b, tmp_path, DEFINITION)
    try:
        frame = to_frame(crossing_days(tables, DEFINITION, YEAR)).set_index("student_id")
    finally:
        con.close()
    assert frame.loc["Z", "crossed_number"] == 10
    assert frame.loc["Z", "settled_number"] == 32
    assert frame.loc["Z", "settled_on"] == day(32)
    assert frame.loc["X", "settled_number"] == 12
    assert frame.loc["Y", "settled_number"] == 26
    assert (frame["settled_number"] >= frame["crossed_number"]).all()
