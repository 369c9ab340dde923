"""The web's data layer on its own: prepare_serving, then each page's query, single-threaded.

    .venv/bin/python benchmarks/web_data.py --workspace WS            # a loaded workspace
    .venv/bin/python benchmarks/web_data.py --workspace WS --prepare  # also time prepare_serving

Each query function runs CALLS times (different schools, students and filters in turn) on one
thread; the median and 95th percentile are printed as a Markdown table and written to
benchmarks/web-data-results.json. Page handlers add templates and charts on top of these.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "web-data-results.json"


def timed(calls: int, run: Callable[[int], object], forget: Callable[[], None]) -> dict:
    """Wall-clock median, p95 and max of the first view of a page (kept results dropped before
    each call), the median CPU time of the process (DuckDB's threads included; on a shared
    machine the steadier figure), and the median of a repeated view (a kept result)."""
    run(0)  # compiles and warms what a running app keeps for its whole life
    times, cpu, again = [], [], []
    for i in range(calls):
        forget()
        started, started_cpu = time.perf_counter(), time.process_time()
        run(i)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        started = time.perf_counter()
        run(i)
        again.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "repeat_median_ms": round(statistics.median(again), 1),
    }


def main() -> None:
    from homeroom.warehouse import open_workspace
    from homeroom.web import data as web
    from homeroom.web.scope import Scope
    from homeroom.web.snapshot import find_serving, open_serving, prepare_serving

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--prepare", action="store_true", help="time prepare_serving (force)")
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    workspace = open_workspace(args.workspace)
    figures: dict[str, object] = {
        "machine": platform.platform(),
        "calls": args.calls,
        "load_average_at_start": os.getloadavg()[0],
    }
    if args.prepare:
        started, started_cpu = time.perf_counter(), time.process_time()
        path = prepare_serving(workspace, force=True, progress=lambda m: None)
        figures["prepare_seconds"] = round(time.perf_counter() - started, 1)
        figures["prepare_cpu_seconds"] = round(time.process_time() - started_cpu, 1)
        figures["load_average_after_prepare"] = os.getloadavg()[0]
        figures["serving_mb"] = round(path.stat().st_size / 1e6, 1)
    path = find_serving(workspace)
    if path is None:
        raise SystemExit("no serving file: run with --prepare")
    serving = open_serving(path)
    admin = Scope.of("admin", "district_admin")
    schools = sorted(serving.school_names)
    staff = Scope.of("staff", "school_staff", schools[:2])
    with serving.cursor() as cur:
        students = [
            r[0]
            for r in cur.execute(
                "SELECT student_id FROM district_rows WHERE as_of = ? "
                "ORDER BY hash(student_id) LIMIT 60",
                [serving.latest_date],
            ).fetchall()
        ]
        names = [
            r[0]
            for r in cur.execute(
                "SELECT DISTINCT lower(last_name[:3]) FROM roster WHERE last_name IS NOT NULL "
                "ORDER BY 1 LIMIT 60"
            ).fetchall()
        ]
    snapshots = [s.as_of for s in serving.snapshots() if s.kind in ("month_end", "year_end")]
    tiers = ("at_risk", "moderate_chronic", "severe_chronic", None)
    sorts = ("absence_rate", "name", "days_absent", "grade_level")
    month_back = serving.latest_date - dt.timedelta(days=31)
    queries: dict[str, Callable[[int], object]] = {
        "district_overview": lambda i: web.district_overview(serving, admin),
        "district_overview (a month end)": lambda i: web.district_overview(
            serving, admin, snapshots[i % len(snapshots)]
        ),
        "school_overview": lambda i: web.school_overview(serving, admin, schools[i % len(schools)]),
        "student_list (district, page 1)": lambda i: web.student_list(
            serving, admin, tier=tiers[i % 4], sort=sorts[i % 4]
        ),
        "student_list (school, page 3)": lambda i: web.student_list(
            serving, admin, school_id=schools[i % len(schools)], page=3
        ),
        "student_list (staff, group)": lambda i: web.student_list(
            serving, staff, group=("sex", "F" if i % 2 else "M")
        ),
        "student_list (newly at risk)": lambda i: web.student_list(
            serving, admin, newly_at_risk_since=month_back
        ),
        "student_detail": lambda i: web.student_detail(serving, admin, students[i % len(students)]),
        "student_search": lambda i: web.student_search(serving, admin, names[i % len(names)]),
        "equity (district)": lambda i: web.equity(serving, admin),
        "equity (school)": lambda i: web.equity(
            serving, admin, school_id=schools[i % len(schools)]
        ),
        "data_page": lambda i: web.data_page(serving, admin),
    }
    # The month-back date is computed on demand once; its time is reported on its own.
    started = time.perf_counter()
    web.student_list(serving, admin, newly_at_risk_since=month_back)
    figures["on_demand_snapshot_seconds"] = round(time.perf_counter() - started, 1)
    results = {
        name: timed(args.calls, run, serving.forget_results) for name, run in queries.items()
    }
    figures["queries"] = results
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print("| query | median ms | p95 ms | max ms | CPU median ms | repeated view ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, r in results.items():
        cells = [r[k] for k in ("median_ms", "p95_ms", "max_ms", "cpu_median_ms")]
        print(f"| {name} | {' | '.join(map(str, cells))} | {r['repeat_median_ms']} |")
    keys = ("prepare_seconds", "prepare_cpu_seconds", "serving_mb", "on_demand_snapshot_seconds")
    for key in keys:
        if key in figures:
            print(f"{key}: {figures[key]}")


if __name__ == "__main__":
    main()
