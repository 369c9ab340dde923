"""How long each chart takes to draw (Altair spec -> vl-convert SVG -> accessible SVG), and the
printable report from a hand-made summary.

    .venv/bin/python benchmarks/charts.py [--runs 20]

Each chart is drawn once to warm vl-convert up (its first call starts the JavaScript engine:
~0.6 s), then `--runs` times; the median and the slowest are printed, with the share of the
time spent inside vl-convert. Then the student page's hand-written SVG versions of the calendar,
running rate and tier history (homeroom.reports.student_charts) on the same data, `--student-runs`
times each (median and slowest); `--students-only` times just those.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import vl_convert

from homeroom.reports import charts, student_charts
from homeroom.reports.summary import LevelCount, TierShare


def student_data() -> tuple[
    list[charts.CalendarDay], list[charts.RunningRate], list[charts.TierSnapshot]
]:
    """A school year of one student: 210 weekdays, 8% absent and 3% half days; 10 snapshots."""
    rng = random.Random(7)
    days, day = [], dt.date(2024, 8, 26)
    while day <= dt.date(2025, 6, 13):
        if day.weekday() < 5:
            roll = rng.random()
            amount = 1.0 if roll < 0.08 else 0.5 if roll < 0.11 else 0.0
            days.append(charts.CalendarDay(day, True, amount, "unexcused" if amount else None))
        day += dt.timedelta(days=1)
    running, absent = [], 0.0
    for n, d in enumerate(days, start=1):
        absent += d.absent
        running.append(charts.RunningRate(d.date, absent / n))
    month_ends = [dt.date(2024, m, 28) for m in (9, 10, 11, 12)] + [
        dt.date(2025, m, 28) for m in range(1, 7)
    ]
    history = [
        charts.TierSnapshot(d, ("satisfactory", "at_risk", "moderate_chronic")[min(i // 3, 2)])
        for i, d in enumerate(month_ends)
    ]
    return days, running, history


def inputs() -> dict[str, Callable[[], charts.Chart]]:
    trend = [
        charts.MonthRate(year, month, 0.12 + 0.01 * i + 0.02 * (year - 2023))
        for year in (2023, 2024, 2025)
        for i, month in enumerate(charts.SCHOOL_MONTHS[:11])
    ]
    tiers = [
        TierShare("satisfactory", "Satisfactory", 1407, 0.464),
        TierShare("at_risk", "At risk", 833, 0.274),
        TierShare("moderate_chronic", "Moderate chronic", 529, 0.174),
        TierShare("severe_chronic", "Severe chronic", 266, 0.088),
    ]
    levels = [
        LevelCount(k, k.capitalize(), n)
        for k, n in zip(charts.LEVEL_COLORS, (1, 3, 4, 2, 0), strict=True)
    ]
    grades = [
        charts.RateRow(f"Grade {g}", 0.1 + 0.02 * g, 200, level="significant") for g in range(1, 13)
    ]
    grades.append(charts.RateRow("Grade 13", None, None, "fewer than 10 students"))
    days, running, history = student_data()
    reference = charts.Reference(0.262, "District 26.2%")
    return {
        "trend_chart (3 years x 11 months)": lambda: charts.trend_chart(trend),
        "tier_chart": lambda: charts.tier_chart(tiers),
        "level_chart": lambda: charts.level_chart(levels),
        "rate_bars (13 grades, 1 suppressed)": lambda: charts.rate_bars(
            grades, title="By grade", reference=reference
        ),
        "calendar_heatmap (one school year)": lambda: charts.calendar_heatmap(days),
        "running_rate_chart (180 days)": lambda: charts.running_rate_chart(running),
        "tier_history_chart (10 snapshots)": lambda: charts.tier_history_chart(history),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--student-runs", type=int, default=50)
    parser.add_argument("--students-only", action="store_true")
    args = parser.parse_args()
    if args.students_only:
        student_page(args.student_runs)
        return
    inside = [0.0]
    convert = vl_convert.vegalite_to_svg

    def timed_convert(*a: object, **k: object) -> str:
        start = time.perf_counter()
        try:
            return convert(*a, **k)
        finally:
            inside[0] += time.perf_counter() - start

    vl_convert.vegalite_to_svg = timed_convert  # the module reports.vega draws with
    start = time.perf_counter()
    charts.tier_chart([TierShare("satisfactory", "Satisfactory", 1, 1.0)])
    print(f"first chart in the process (starts vl-convert): {time.perf_counter() - start:.2f} s")
    print(f"{'chart':40} {'median ms':>10} {'max ms':>8} {'vl-convert':>11} {'SVG kB':>7}")
    for name, draw in inputs().items():
        draw()
        times, converting = [], []
        for _ in range(args.runs):
            inside[0] = 0.0
            start = time.perf_counter()
            chart = draw()
            times.append(time.perf_counter() - start)
            converting.append(inside[0])
        share = sum(converting) / sum(times)
        print(
            f"{name:40} {statistics.median(times) * 1000:10.0f} {max(times) * 1000:8.0f} "
            f"{share:10.0%} {len(chart.svg) / 1024:7.1f}"
        )
    student_page(args.student_runs)
    sys.stdout.flush()
    report(Path("/tmp"))


def student_page(runs: int) -> None:
    """The student page's three charts, hand-written SVG (no vl-convert), on the same data."""
    days, running, history = student_data()
    drawings: dict[str, Callable[[], charts.Chart]] = {
        "student calendar_heatmap (one year)": lambda: student_charts.calendar_heatmap(days),
        "student running_rate_chart (210 days)": lambda: student_charts.running_rate_chart(running),
        "student tier_history_chart (10)": lambda: student_charts.tier_history_chart(history),
    }
    print(
        f"{'hand-written SVG, ' + str(runs) + ' runs':40} {'median ms':>10} {'max ms':>8} {'':>11} "
        f"{'SVG kB':>7}"
    )
    for name, draw in drawings.items():
        draw()
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            chart = draw()
            times.append(time.perf_counter() - start)
        print(
            f"{name:40} {statistics.median(times) * 1000:10.2f} {max(times) * 1000:8.2f} "
            f"{'':>11} {len(chart.svg) / 1024:7.1f}"
        )


def report(folder: Path) -> None:
    """The printable report of the hand-made Riverside summary (tests/reports/report_frames)."""
    sys.path[:0] = [str(Path(__file__).parents[1] / "tests" / "reports")]
    from report_frames import GROUPS, NAMES, FakeMetrics, district_frame, group_frame, school_frame

    from homeroom.definitions import load_definition
    from homeroom.reports import build_summary, pdf

    frames = {("district", ()): district_frame(), ("school", ()): school_frame()}
    for column in GROUPS:
        frames[("district", (column,))] = group_frame(column)
    summary = build_summary(FakeMetrics(frames), load_definition("default"), names=NAMES)
    trend = [
        charts.MonthRate(year, month, 0.2 + 0.01 * i)
        for year in (2024, 2025)
        for i, month in enumerate(charts.SCHOOL_MONTHS[1:11])
    ]
    for suffix in (".html", ".pdf"):
        start = time.perf_counter()
        pdf.write_report(summary, folder / f"homeroom-bench-report{suffix}", trend)
        print(f"printable report {suffix}: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
