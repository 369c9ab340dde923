"""The student page's hand-written SVG charts: valid, accessible SVG, a cell per day with its
class, the threshold line, a label per tier, and the very sentences and tables of charts.py."""

from __future__ import annotations

import datetime as dt
import inspect
import re
import xml.etree.ElementTree as ET

import pytest

from homeroom.reports import charts, student_charts
from homeroom.reports.charts import CalendarDay, RunningRate, TierSnapshot

SVG = "{http://www.w3.org/2000/svg}"


def assert_accessible(chart: charts.Chart) -> ET.Element:
    # Plain <svg> with the SVG namespace as default, which inline HTML draws.
    assert chart.svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    root = ET.fromstring(chart.svg)
    assert root.tag == f"{SVG}svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["id"] == chart.chart_id
    assert root.attrib["aria-labelledby"] == f"{chart.chart_id}-title {chart.chart_id}-desc"
    title, desc = root[0], root[1]
    assert (title.tag, title.attrib["id"], title.text) == (
        f"{SVG}title",
        f"{chart.chart_id}-title",
        chart.title,
    )
    assert (desc.tag, desc.attrib["id"], desc.text) == (
        f"{SVG}desc",
        f"{chart.chart_id}-desc",
        chart.desc,
    )
    # Natural size and a viewBox of the same size, so CSS can scale it down.
    assert root.attrib["viewBox"] == f"0 0 {root.attrib['width']} {root.attrib['height']}"
    assert root.attrib["font-family"].startswith("'DejaVu Sans'")
    ids = [e.attrib["id"] for e in root.iter() if "id" in e.attrib]
    assert all(i == chart.chart_id or i.startswith(f"{chart.chart_id}-") for i in ids)
    assert len(ids) == len(set(ids))
    # Nothing to fetch and nothing to run: the SVG namespace is the only URL.
    assert re.findall(r"https?://[^\s\"'<>)]+", chart.svg) == ["http://www.w3.org/2000/svg"]
    assert "<script" not in chart.svg and "href" not in chart.svg and "url(" not in chart.svg
    return root


def texts(root: ET.Element, css_class: str | None = None) -> list[str]:
    return [
        "".join(t.itertext())
        for t in root.iter(f"{SVG}text")
        if css_class is None or t.attrib.get("class") == css_class
    ]


def by_class(root: ET.Element, css_class: str) -> list[ET.Element]:
    return [e for e in root.iter() if css_class in e.attrib.get("class", "").split()]


@pytest.mark.parametrize("name", ["calendar_heatmap", "running_rate_chart", "tier_history_chart"])
def test_same_call_signature_as_the_vega_lite_chart(name):
    assert inspect.signature(getattr(student_charts, name)) == inspect.signature(
        getattr(charts, name)
    )


# -- calendar ---------------------------------------------------------------------------------
def calendar_days() -> list[CalendarDay]:
    """Two weeks of September 2024 (Mon 2 to Fri 13) and a Monday in October.

    Enrolled from Wed 4 Sep; absent (unexcused) Fri 6, half a day (tardy) Tue 10, an excused
    day Mon 7 Oct; Mon 2 Sep is a holiday (not a membership day), Tue 3 before enrolment."""
    absences = {
        dt.date(2024, 9, 6): (1.0, "unexcused"),
        dt.date(2024, 9, 10): (0.5, "tardy"),
        dt.date(2024, 10, 7): (1.0, "excused"),
    }
    days = []
    for date in [dt.date(2024, 9, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)] + [
        dt.date(2024, 10, 7)
    ]:
        amount, category = absences.get(date, (0.0, None))
        days.append(CalendarDay(date, date >= dt.date(2024, 9, 4), amount, category))
    return days


def test_calendar_has_a_cell_per_day_with_its_class_colour_and_words():
    chart = student_charts.calendar_heatmap(calendar_days(), title="Attendance, 2024-25")
    root = assert_accessible(chart)
    cells = {c.attrib["data-date"]: c for c in by_class(root, "day")}
    assert all(c.tag == f"{SVG}rect" for c in cells.values())
    # Every weekday of September and October 2024 has a cell: 21 + 23.
    assert len(cells) == len(by_class(root, "day")) == 44
    kind = {date: c.attrib["class"] for date, c in cells.items()}
    member = {d.date.isoformat() for d in calendar_days() if d.membership}
    assert {d for d, k in kind.items() if k != "day day-none"} == member
    assert len(by_class(root, "day-present")) == 6
    assert kind["2024-09-06"] == "day day-absent"
    assert kind["2024-09-10"] == "day day-partial"
    assert kind["2024-10-07"] == "day day-absent"
    assert kind["2024-09-05"] == "day day-present"
    assert kind["2024-09-02"] == kind["2024-09-03"] == kind["2024-09-30"] == "day day-none"
    for date, k in kind.items():
        assert cells[date].attrib["fill"] == charts.DAY_COLORS[k.removeprefix("day day-")]
    assert cells["2024-09-06"].find(f"{SVG}title").text == (
        "6 September 2024 (Fri): absent (unexcused)"
    )
    assert cells["2024-09-10"].find(f"{SVG}title").text == (
        "10 September 2024 (Tue): partly absent, 0.5 of the day (tardy)"
    )
    assert cells["2024-09-03"].find(f"{SVG}title").text == (
        "3 September 2024 (Tue): not a membership day"
    )
    assert cells["2024-10-31"].find(f"{SVG}title").text == (
        "31 October 2024 (Thu): not a membership day"
    )
    # Weekday rows, week columns: Fri 6 and Fri 13 share a row; Mon 9 starts Fri 13's week.
    x = {d: float(c.attrib["x"]) for d, c in cells.items()}
    y = {d: float(c.attrib["y"]) for d, c in cells.items()}
    assert y["2024-09-06"] == y["2024-09-13"] and x["2024-09-13"] - x["2024-09-06"] == 17
    assert x["2024-09-09"] == x["2024-09-13"] and y["2024-09-13"] - y["2024-09-09"] == 4 * 17
    # October sits to the right of September, in the same row of months.
    assert x["2024-10-01"] > x["2024-09-30"] and y["2024-10-07"] == y["2024-09-09"]


def test_calendar_labels_months_weekdays_and_the_legend():
    root = student_charts.calendar_heatmap(calendar_days())
    words = texts(ET.fromstring(root.svg))
    assert words[:5] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert "Sep 2024" in words and "Oct 2024" in words
    assert words[-4:] == ["Present", "Partly absent", "Absent", "No school, or not enrolled"]
    swatches = by_class(ET.fromstring(root.svg), "legend-swatch")
    assert [s.attrib["fill"] for s in swatches] == list(charts.DAY_COLORS.values())


def test_calendar_sentence_and_table_are_the_vega_lite_charts():
    days = calendar_days()
    mine = student_charts.calendar_heatmap(days, title="Attendance, 2024-25")
    theirs = charts.calendar_heatmap(days, title="Attendance, 2024-25")
    assert (
        mine.desc
        == theirs.desc
        == (
            "9 membership days from 4 September 2024 to 7 October 2024: absent on 2, "
            "partly absent on 1; "
            "2.5 days absent in all (27.8%)."
        )
    )
    assert mine.table == theirs.table
    assert mine.table.rows[1] == ("October 2024", "1", "1", "7 (absent (excused))")
    assert (mine.chart_id, mine.title) == ("calendar", "Attendance, 2024-25")


def test_calendar_shows_weekend_rows_only_for_weekend_school_days():
    days = calendar_days()
    assert ">Sat<" not in student_charts.calendar_heatmap(days).svg
    saturday = student_charts.calendar_heatmap([*days, CalendarDay(dt.date(2024, 9, 14), True)])
    assert ">Sat<" in saturday.svg and ">Sun<" in saturday.svg
    # September and October have 30 + 31 days, every one of them now a cell.
    assert len(by_class(assert_accessible(saturday), "day")) == 61


def test_calendar_of_a_whole_year_is_two_rows_of_months():
    days, day = [], dt.date(2024, 8, 26)
    while day <= dt.date(2025, 6, 13):
        if day.weekday() < 5:
            days.append(CalendarDay(day, True))
        day += dt.timedelta(days=1)
    root = assert_accessible(student_charts.calendar_heatmap(days))
    words = texts(root)
    months = [w for w in words if re.fullmatch(r"[A-Z][a-z]{2} 20\d\d", w)]
    assert months[0] == "Aug 2024" and months[-1] == "Jun 2025" and len(months) == 11
    assert words.count("Mon") == 2  # weekday labels once per row of six months
    # Mon 26 Aug to Fri 13 Jun: 41 weeks and 5 days, 210 weekdays.
    assert len(by_class(root, "day-present")) == len(days) == 210


# -- running rate -----------------------------------------------------------------------------
def running_points() -> list[RunningRate]:
    """Ten school days from Mon 2 Sep 2024: absent on days 1 and 6, so 1/1 ... 2/10."""
    dates = [dt.date(2024, 9, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)]
    absent, points = 0, []
    for n, date in enumerate(dates, start=1):
        absent += n in (1, 6)
        points.append(RunningRate(date, absent / n))
    return points


def test_running_rate_has_a_dashed_threshold_line_over_a_tinted_band():
    chart = student_charts.running_rate_chart(running_points(), threshold=0.10)
    root = assert_accessible(chart)
    # The rate reaches 1/1 = 100%: the axis runs 0-100% in steps of 20.
    ticks = [t for t in texts(root) if re.fullmatch(r"\d+%", t)]
    assert ticks == ["0%", "20%", "40%", "60%", "80%", "100%"]
    (line,) = by_class(root, "threshold")
    assert line.attrib["stroke-dasharray"] == "6 4"
    # The plot runs from y=14 (100%) to y=204 (0%): 10% is 19 px above the bottom.
    assert float(line.attrib["y1"]) == pytest.approx(185.0)
    assert texts(root, "threshold-label") == ["Chronic absence: 10%"]
    (band,) = by_class(root, "above-line")
    assert float(band.attrib["y"]) == 14 and float(band.attrib["height"]) == pytest.approx(171)
    # One vertex per day, left to right; the latest rate written at the end.
    (path,) = by_class(root, "rate")
    vertices = re.findall(r"[ML]([\d.]+) ([\d.]+)", path.attrib["d"])
    assert len(vertices) == 10
    assert [float(x) for x, _ in vertices] == sorted(float(x) for x, _ in vertices)
    assert float(vertices[0][1]) == pytest.approx(14.0)  # 100% on the first day
    assert texts(root, "latest") == ["20.0%"]


def test_running_rate_sentence_and_table_are_the_vega_lite_charts():
    points = running_points()
    mine = student_charts.running_rate_chart(points, threshold=0.10)
    theirs = charts.running_rate_chart(points, threshold=0.10)
    assert (
        mine.desc
        == theirs.desc
        == (
            "The absence rate was 20.0% on 13 September 2024, after 10 membership days, "
            "at or above the "
            "10% line since 2 September 2024."
        )
    )
    assert mine.table == theirs.table
    assert mine.table.rows == (("13 September 2024", "10", "20.0%"),)


def test_running_rate_below_the_line_and_without_a_line():
    points = [RunningRate(dt.date(2024, 9, 2 + i), r) for i, r in enumerate((0.0, 0.08, 0.05))]
    chart = student_charts.running_rate_chart(
        points, threshold=0.10, threshold_label="chronic absence: 10% of enrolled days"
    )
    root = assert_accessible(chart)
    assert chart.desc == charts.running_rate_chart(points, threshold=0.10).desc
    assert chart.desc.endswith("below the 10% line (highest 8.0% on 3 September 2024).")
    # Highest 8% or the line at 10%, times 1.15, rounds up to a 15% axis in steps of 5.
    assert [t for t in texts(root) if re.fullmatch(r"\d+%", t)] == [
        "0%",
        "5%",
        "10%",
        "15%",
    ]
    assert texts(root, "threshold-label") == ["chronic absence: 10% of enrolled days"]
    # A days-based definition (no share) draws no line and no band.
    plain = assert_accessible(student_charts.running_rate_chart(points, threshold=None))
    assert not by_class(plain, "threshold") and not by_class(plain, "threshold-label")
    assert not by_class(plain, "above-line")
    assert texts(plain, "latest") == ["5.0%"]


def test_running_rate_of_one_day():
    chart = student_charts.running_rate_chart([RunningRate(dt.date(2024, 9, 3), 0.0)])
    root = assert_accessible(chart)
    assert chart.desc.startswith(
        "The absence rate was 0.0% on 3 September 2024, after 1 membership"
    )
    assert "Sep" in texts(root)


# -- tier history -----------------------------------------------------------------------------
def snapshots() -> list[TierSnapshot]:
    return [
        TierSnapshot(dt.date(2024, 10, 31), "at_risk", 0.06),
        TierSnapshot(dt.date(2024, 9, 30), "satisfactory", 0.03),  # out of order on purpose
        TierSnapshot(dt.date(2024, 11, 29), "at_risk", 0.08),
        TierSnapshot(dt.date(2024, 12, 20), "moderate_chronic", 0.11),
    ]


def test_tier_history_labels_every_tier_and_colours_each_snapshot():
    chart = student_charts.tier_history_chart(snapshots())
    root = assert_accessible(chart)
    assert texts(root, "tier-label") == [
        "Severe chronic",
        "Moderate chronic",
        "At risk",
        "Satisfactory",
    ]
    dots = by_class(root, "snapshot")
    assert [d.attrib["fill"] for d in dots] == [
        charts.TIER_COLORS[t] for t in ("satisfactory", "at_risk", "at_risk", "moderate_chronic")
    ]
    assert [d.find(f"{SVG}title").text for d in dots][::3] == [
        "30 September 2024: Satisfactory, 3.0% absent",
        "20 December 2024: Moderate chronic, 11.0% absent",
    ]
    # Worse tiers sit higher (smaller y); dates run left to right.
    ys = [float(d.attrib["cy"]) for d in dots]
    assert ys[0] > ys[1] == ys[2] > ys[3]
    xs = [float(d.attrib["cx"]) for d in dots]
    assert xs == sorted(xs)
    # Three steps join the four snapshots.
    (steps,) = by_class(root, "steps")
    assert steps.attrib["d"].count("M") == 3
    assert "Sep 30" in texts(root) and "Dec 20" in texts(root)


def test_tier_history_sentence_and_table_are_the_vega_lite_charts():
    mine = student_charts.tier_history_chart(snapshots())
    theirs = charts.tier_history_chart(snapshots())
    assert (
        mine.desc
        == theirs.desc
        == (
            "Satisfactory on 30 September 2024, at risk from 31 October 2024 and moderate "
            "chronic from 20 December 2024 (4 snapshots to 20 December 2024)."
        )
    )
    assert mine.table == theirs.table
    assert mine.table.rows[3] == ("20 December 2024", "Moderate chronic", "11.0%")


def test_tier_history_puts_snapshots_not_counted_in_their_own_lane_and_breaks_the_line():
    rows = [
        TierSnapshot(dt.date(2024, 9, 30), None),
        TierSnapshot(dt.date(2024, 10, 31), "at_risk", 0.06),
        TierSnapshot(dt.date(2024, 11, 29), None),
        TierSnapshot(dt.date(2024, 12, 20), "severe_chronic", 0.31),
    ]
    root = assert_accessible(student_charts.tier_history_chart(rows))
    assert texts(root, "tier-label")[-1] == "Not counted"
    hollow = by_class(root, "snapshot-none")
    assert len(hollow) == 2 and {h.attrib["fill"] for h in hollow} == {"#fff"}
    assert hollow[0].find(f"{SVG}title").text == "30 September 2024: Not counted"
    assert not by_class(root, "steps")  # no two counted snapshots in a row
    # Only counted ones get a step; all snapshots counted: no "Not counted" lane.
    assert "Not counted" not in texts(
        ET.fromstring(student_charts.tier_history_chart(snapshots()).svg)
    )


# -- shared -----------------------------------------------------------------------------------
def test_text_is_escaped_and_the_svg_stays_valid_xml():
    days = [
        CalendarDay(dt.date(2024, 9, 3), True, 1.0, "<b>odd & \x01category</b>"),
        CalendarDay(dt.date(2024, 9, 4), True),
    ]
    chart = student_charts.calendar_heatmap(days, title='Attendance "A" & <B>', chart_id="c1")
    root = assert_accessible(chart)
    assert root[0].text == 'Attendance "A" & <B>'
    (absent,) = by_class(root, "day-absent")
    assert (
        absent.find(f"{SVG}title").text == "3 September 2024 (Tue): absent (<b>odd & category</b>)"
    )
    assert "<b>" not in chart.svg
    points = [RunningRate(dt.date(2024, 9, 3), 0.2)]
    line = student_charts.running_rate_chart(points, threshold_label="line <10%> & up")
    assert texts(assert_accessible(line), "threshold-label") == ["line <10%> & up"]


def test_output_is_deterministic_and_ids_follow_the_chart_id():
    first = student_charts.tier_history_chart(snapshots(), chart_id="t-2024")
    second = student_charts.tier_history_chart(list(reversed(snapshots())), chart_id="t-2024")
    assert first.svg == second.svg
    assert 'id="t-2024-title"' in first.svg and 'id="t-2024-desc"' in first.svg
    assert first.figure().startswith('<figure class="chart" id="t-2024-figure">')


@pytest.mark.parametrize(
    ("draw", "data"),
    [
        (student_charts.calendar_heatmap, calendar_days()),
        (student_charts.running_rate_chart, running_points()),
        (student_charts.tier_history_chart, snapshots()),
    ],
)
def test_bad_chart_ids_and_empty_data_are_refused(draw, data):
    with pytest.raises(ValueError, match="plain name"):
        draw(data, chart_id='x" onload="alert(1)')
    with pytest.raises(ValueError, match="needs at least one"):
        draw([])
