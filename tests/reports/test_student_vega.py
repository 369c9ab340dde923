"""The student charts as Vega-Lite (student_vega.py): calendar, running rate, tier history."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from test_charts import SVG, assert_accessible, marks, parse, texts

from homeroom.reports import charts
from homeroom.reports.charts import CalendarDay, RunningRate, TierSnapshot


# -- calendar ---------------------------------------------------------------------------------
def calendar_days() -> list[CalendarDay]:
    """Two weeks of September 2024 (Mon 2 to Fri 13) and a Monday in October.

    Enrolled from Wed 4 Sep; absent (unexcused) Fri 6, half a day (tardy) Tue 10, an excused
    day Mon 7 Oct; Mon 2 Sep is a holiday (not instructional), Tue 3 before enrolment."""
    absences = {
        dt.date(2024, 9, 6): (1.0, "unexcused"),
        dt.date(2024, 9, 10): (0.5, "tardy"),
        dt.date(2024, 10, 7): (1.0, "excused"),
    }
    days = []
    for date in [dt.date(2024, 9, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)] + [
        dt.date(2024, 10, 7)
    ]:
        member = date >= dt.date(2024, 9, 4)
        amount, category = absences.get(date, (0.0, None))
        days.append(CalendarDay(date, member, amount, category))
    return days


def test_calendar_has_a_cell_per_membership_day_with_its_colour_class():
    chart = charts.calendar_heatmap(calendar_days(), title="Attendance, 2024-25")
    root = assert_accessible(chart)
    cells = {c.attrib["data-date"]: c for c in root.iter(f"{SVG}path") if "data-date" in c.attrib}
    kind = {date: c.attrib["class"] for date, c in cells.items()}
    # Every weekday of September and October 2024 has a cell: 21 + 23.
    assert len(cells) == 44
    member = {d.date.isoformat() for d in calendar_days() if d.membership}
    assert {d for d, k in kind.items() if k != "day day-none"} == member
    assert kind["2024-09-06"] == "day day-absent"
    assert kind["2024-09-10"] == "day day-partial"
    assert kind["2024-10-07"] == "day day-absent"
    assert kind["2024-09-05"] == "day day-present"
    assert kind["2024-09-02"] == kind["2024-09-03"] == kind["2024-09-30"] == "day day-none"
    fill = {k: cells[d].attrib["fill"] for d, k in kind.items()}
    assert fill["day day-absent"] == charts.DAY_COLORS["absent"]
    assert fill["day day-partial"] == charts.DAY_COLORS["partial"]
    assert fill["day day-present"] == charts.DAY_COLORS["present"]
    assert fill["day day-none"] == charts.DAY_COLORS["none"]
    # Each cell says its date and category when pointed at.
    assert cells["2024-09-06"].find(f"{SVG}title").text == (
        "6 September 2024 (Fri): absent (unexcused)"
    )
    assert cells["2024-09-10"].find(f"{SVG}title").text == (
        "10 September 2024 (Tue): partly absent, 0.5 of the day (tardy)"
    )
    assert cells["2024-09-03"].find(f"{SVG}title").text == (
        "3 September 2024 (Tue): not a membership day"
    )
    # Each day sits in its weekday row and week column of its month.
    x6, y6 = _cell_origin(cells["2024-09-06"])
    x13, y13 = _cell_origin(cells["2024-09-13"])
    x9, _ = _cell_origin(cells["2024-09-09"])
    assert y6 == y13 and x13 > x6 and x9 == x13


def _cell_origin(cell: ET.Element) -> tuple[float, float]:
    x, y = re.match(r"M([\d.]+),([\d.]+)", cell.attrib["d"]).groups()
    return float(x), float(y)


def test_calendar_sentence_and_table_count_the_days():
    chart = charts.calendar_heatmap(calendar_days())
    assert chart.desc == (
        "9 membership days from 4 September 2024 to 7 October 2024: absent on 2, "
        "partly absent on 1; "
        "2.5 days absent in all (27.8%)."
    )
    assert chart.table.rows == (
        (
            "September 2024",
            "8",
            "1.5",
            "6 (absent (unexcused)); 10 (partly absent, 0.5 of the day (tardy))",
        ),
        ("October 2024", "1", "1", "7 (absent (excused))"),
    )


def test_calendar_shows_weekend_rows_only_for_weekend_school_days():
    days = calendar_days()
    plain = charts.calendar_heatmap(days)
    assert ">Sat<" not in plain.svg
    saturday = charts.calendar_heatmap([*days, CalendarDay(dt.date(2024, 9, 14), True)])
    assert ">Sat<" in saturday.svg and ">Sun<" in saturday.svg


# -- running rate and tier history ------------------------------------------------------------
def running_points() -> list[RunningRate]:
    """Ten school days from Mon 2 Sep 2024: absent on days 1 and 6, so 1/1 ... 2/10."""
    dates = [dt.date(2024, 9, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)]
    absent = 0
    points = []
    for n, date in enumerate(dates, start=1):
        absent += n in (1, 6)
        points.append(RunningRate(date, absent / n))
    return points


def test_running_rate_has_the_threshold_line_and_says_when_it_was_crossed():
    chart = charts.running_rate_chart(running_points(), threshold=0.10)
    root = assert_accessible(chart)
    (line,) = marks(root, "threshold")
    assert line.attrib["stroke-dasharray"]
    assert texts(root, "threshold_label") == ["Chronic absence: 10%"]
    # 2/10 = 20.0% on the last day; at or above 10% on every day (the lowest is 1/5 = 20%).
    assert chart.desc == (
        "The absence rate was 20.0% on 13 September 2024, after 10 membership days, "
        "at or above the "
        "10% line since 2 September 2024."
    )
    assert chart.table.rows == (("13 September 2024", "10", "20.0%"),)


def test_running_rate_below_the_line_names_its_highest_point():
    points = [RunningRate(dt.date(2024, 9, 2 + i), r) for i, r in enumerate((0.0, 0.08, 0.05))]
    chart = charts.running_rate_chart(points, threshold=0.10)
    assert chart.desc.endswith("below the 10% line (highest 8.0% on 3 September 2024).")
    # A days-based definition (no share) draws no line.
    assert not marks(parse(charts.running_rate_chart(points, threshold=None)), "threshold")


def test_tier_history_names_each_change_of_tier():
    snapshots = [
        TierSnapshot(dt.date(2024, 9, 30), "satisfactory", 0.03),
        TierSnapshot(dt.date(2024, 10, 31), "at_risk", 0.06),
        TierSnapshot(dt.date(2024, 11, 29), "at_risk", 0.08),
        TierSnapshot(dt.date(2024, 12, 20), "moderate_chronic", 0.11),
    ]
    chart = charts.tier_history_chart(snapshots)
    root = assert_accessible(chart)
    assert chart.desc == (
        "Satisfactory on 30 September 2024, at risk from 31 October 2024 and moderate chronic from "
        "20 December 2024 (4 snapshots to 20 December 2024)."
    )
    fills = [p.attrib["fill"] for p in marks(root, "tiers")]
    assert fills == [
        charts.TIER_COLORS[t] for t in ("satisfactory", "at_risk", "at_risk", "moderate_chronic")
    ]
    assert chart.table.rows[3] == ("20 December 2024", "Moderate chronic", "11.0%")
