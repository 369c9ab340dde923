"""Time load and all metrics from a district to a state, against hand-written DuckDB SQL.

    .venv/bin/python benchmarks/scale.py                       # 10k, 100k, 1M, 6M students
    .venv/bin/python benchmarks/scale.py --sizes 10000,100000  # a quick run

For each size (one full school year) it makes a synthetic dataset once (kept under
benchmarks/data/), then runs each step in a fresh process so peak memory is that step's own:

- load:     validate the files and load them into a workspace's DuckDB file (`homeroom load`);
- metrics:  every level from the loaded workspace, written to Parquet — students per school and
            per district, schools, districts, the state, and districts by grade and by race;
- hand SQL: the best plain DuckDB SQL we could write for the student-per-school rows over the
            same loaded tables (calendar day numbers, no expansion to days), the yardstick for
            the metrics engine's overhead.

Results go to benchmarks/results.json and are printed as a Markdown table for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

# Run as a script, this folder is on sys.path: the shared helpers sit beside it.
import steps
from steps import Clock, ensure_data, gnu_timed, peak_mib, shape

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "results.json"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000, 6_000_000)


# -- the steps, each run in its own process ------------------------------------------------------
def step_load(data_dir: Path, workspace: Path) -> dict:
    import shutil

    from homeroom.warehouse import init_workspace, load_dataset

    shutil.rmtree(workspace, ignore_errors=True)
    space = init_workspace(workspace)
    clock = Clock()
    result = load_dataset(space, data_dir, progress=clock)
    clock("done")
    return {
        "seconds": clock.total(),
        "cpu_seconds": time.process_time(),
        "steps": clock.steps,
        "quarantined": result.rows_quarantined,
        "rows_loaded": result.rows_loaded,
    }


METRIC_REQUESTS = {
    "students per school": {"level": "student", "per": "school"},
    "students per district": {"level": "student", "per": "district"},
    "schools": {"level": "school"},
    "districts": {"level": "district"},
    "state": {"level": "state"},
    "districts by grade": {"level": "district", "by": ("grade_level",)},
    "districts by race": {"level": "district", "by": ("race_ethnicity",)},
}


def step_metrics(workspace: Path, out: Path) -> dict:
    from homeroom.engine import duckdb_tables
    from homeroom.pipeline import MetricsSession
    from homeroom.resolver import require_compatible_load
    from homeroom.warehouse import connect, open_workspace

    space = open_workspace(workspace)
    definition = space.definition()
    con = connect(space, read_only=True)
    units = require_compatible_load(con, space, definition).units_per_day
    out.mkdir(parents=True, exist_ok=True)
    timings = {}
    started = time.perf_counter()
    # One session: the pass over attendance is made once and shared by every level, and the
    # per-district and per-state roll-ups once by every district and state request.
    with MetricsSession(duckdb_tables(con, units), definition, keep_rolled=True) as session:
        for name, request in METRIC_REQUESTS.items():
            begun = time.perf_counter()
            session.expression(**request).to_parquet(out / f"{name.replace(' ', '_')}.parquet")
            timings[name] = time.perf_counter() - begun
    return {"seconds": time.perf_counter() - started, "each": timings}


HAND_SQL = """
COPY (
WITH numbered AS (
    SELECT calendar_id, school_year, date, instructional::INT AS is_instructional,
           sum(instructional::INT) OVER (
               PARTITION BY calendar_id, school_year ORDER BY date) AS through
    FROM calendar),
bounds AS (
    SELECT calendar_id, school_year, min(date) AS first_date, max(date) AS last_date
    FROM calendar GROUP BY ALL),
stay AS (
    SELECT e.student_id, e.school_id, s.district_id, e.school_year, e.grade_level,
           e.entry_date, s.calendar_id,
           greatest(e.entry_date, b.first_date) AS start_date,
           least(coalesce(e.last_day, b.last_date), b.last_date) AS end_date
    FROM enrollments e JOIN schools s USING (school_id)
    JOIN bounds b USING (calendar_id, school_year)),
enrolled AS (
    SELECT st.school_year, st.district_id, st.school_id, st.student_id,
           arg_max(st.grade_level, st.entry_date) AS grade_level,
           sum(e.through - s.through + s.is_instructional) AS days_enrolled
    FROM stay st
    JOIN numbered s ON s.calendar_id = st.calendar_id AND s.school_year = st.school_year
                   AND s.date = st.start_date
    JOIN numbered e ON e.calendar_id = st.calendar_id AND e.school_year = st.school_year
                   AND e.date = st.end_date
    WHERE st.start_date <= st.end_date
    GROUP BY ALL HAVING sum(e.through - s.through + s.is_instructional) > 0),
absent AS (
    SELECT school_year, school_id, student_id,
           -- The default definition's absences: late arrivals and early departures are not.
           sum(CASE WHEN category IN ('excused', 'unexcused', 'suspension')
                    THEN absent_units ELSE 0 END) AS units,
           sum(CASE WHEN category = 'excused' THEN absent_units ELSE 0 END) AS excused,
           sum(CASE WHEN category = 'unexcused' THEN absent_units ELSE 0 END) AS unexcused,
           sum(CASE WHEN category = 'suspension' THEN absent_units ELSE 0 END) AS suspended,
           count(*) FILTER (WHERE category = 'unexcused' AND absent_units > 0) AS unexcused_days
    FROM attendance GROUP BY ALL),
joined AS (
    SELECT e.*, coalesce(a.units, 0) AS units, coalesce(a.excused, 0) AS excused,
           coalesce(a.unexcused, 0) AS unexcused, coalesce(a.suspended, 0) AS suspended,
           coalesce(a.unexcused_days, 0) AS unexcused_absences,
           e.days_enrolled * {units} AS enrolled_units
    FROM enrolled e LEFT JOIN absent a USING (school_year, school_id, student_id))
SELECT school_year, district_id, school_id, student_id, grade_level, days_enrolled,
       units / {units} AS days_absent, excused / {units} AS days_excused,
       unexcused / {units} AS days_unexcused, suspended / {units} AS days_suspended,
       units / enrolled_units AS absence_rate,
       days_enrolled >= 10 AS eligible,
       days_enrolled >= 10 AND units * 10 >= enrolled_units AS chronically_absent,
       CASE WHEN days_enrolled < 10 THEN NULL
            WHEN units * 5 >= enrolled_units THEN 'severe_chronic'
            WHEN units * 10 >= enrolled_units THEN 'moderate_chronic'
            WHEN units * 20 >= enrolled_units THEN 'at_risk'
            ELSE 'satisfactory' END AS tier,
       unexcused_absences, unexcused_absences >= 10 AS truant
FROM joined
ORDER BY school_year, district_id, school_id, student_id
) TO '{out}' (FORMAT parquet)
"""


def step_hand_sql(workspace: Path, out: Path) -> dict:
    from homeroom.warehouse import connect, current_load, open_workspace

    space = open_workspace(workspace)
    con = connect(space, read_only=True)
    units = current_load(con).units_per_day
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con.execute(HAND_SQL.format(units=units, out=out / "hand_students_per_school.parquet"))
    return {"seconds": time.perf_counter() - started}


def step_ours_students(workspace: Path, out: Path) -> dict:
    """The engine's student-per-school rows alone, to set beside the hand SQL."""
    from homeroom.engine import duckdb_tables
    from homeroom.pipeline import metrics_expression
    from homeroom.resolver import require_compatible_load
    from homeroom.warehouse import connect, open_workspace

    space = open_workspace(workspace)
    definition = space.definition()
    con = connect(space, read_only=True)
    tables = duckdb_tables(con, require_compatible_load(con, space, definition).units_per_day)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    expr = metrics_expression(tables, definition, level="student", per="school")
    expr.to_parquet(out / "ours_students_per_school.parquet")
    return {"seconds": time.perf_counter() - started}


def child(argv: list[str]) -> None:
    step, *paths = argv
    functions = {
        "load": step_load,
        "metrics": step_metrics,
        "hand_sql": step_hand_sql,
        "ours_students": step_ours_students,
    }
    result = functions[step](*map(Path, paths))
    result["peak_mib"] = peak_mib()
    print(json.dumps(result))


# -- the driver -----------------------------------------------------------------------------------
def run_step(*args: str) -> dict:
    return steps.run_step(__file__, *args)


def run_command(*args: str) -> dict:
    """A `homeroom` command as a user types it, timed with GNU time: wall seconds, peak memory."""
    # 3: rows were quarantined, the command still ran.
    timed = gnu_timed([str(Path(sys.executable).with_name("homeroom")), *args], ok=(0, 3))
    return {
        "command": "homeroom " + " ".join(args[:1]) + (" --data" if "--data" in args else ""),
        "seconds": timed["seconds"],
        "cpu_seconds": timed["cpu_seconds"],
        "peak_mib": timed["peak_mib"],
        "load_average_before": timed["load_before"][0],
        "load_average_after": timed["load_after"][0],
    }


def commands(data_dir: Path, workspace: Path, out: Path) -> list[dict]:
    """The metrics from the files (validated in memory) and from the workspace, each bounded."""
    out.mkdir(parents=True, exist_ok=True)
    runs = [
        ("metrics", "--data", str(data_dir), "--level", "school", "--out", str(out / "d.parquet")),
        ("metrics", "--workspace", str(workspace), "--level", "school",
         "--out", str(out / "w.parquet")),
    ]  # fmt: skip
    results = []
    for args in runs:
        results.append(run_command(*args))
        r = results[-1]
        print(f"   {r['command']}: {r['seconds']:.1f} s, {r['peak_mib']:.0f} MiB", flush=True)
    return results


def same_answer(out: Path) -> str:
    """The yardstick only counts if it computes the same rows: '' when it does, else how not."""
    import duckdb

    query = (
        "SELECT count(*), sum(days_enrolled), round(sum(days_absent), 4),"
        " sum(chronically_absent::INT), count(DISTINCT tier) FROM '{}'"
    )
    with duckdb.connect() as con:
        ours = con.execute(query.format(out / "ours_students_per_school.parquet")).fetchall()
        hand = con.execute(query.format(out / "hand_students_per_school.parquet")).fetchall()
    return f"hand SQL and the engine disagree: {ours} vs {hand}" if ours != hand else ""


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--commands",
        action="store_true",
        help="also time `homeroom metrics --data` and `--workspace` with GNU time (peak memory)",
    )
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for students in (int(s) for s in args.sizes.split(",")):
        print(f"== {students:,} students", flush=True)
        data_dir, synth = ensure_data(students, args.seed)
        workspace = DATA / f"workspace-{students}"
        out = DATA / f"out-{students}"
        load_average = os.getloadavg()
        load = run_step("load", str(data_dir), str(workspace))
        results[f"{students}-load-only"] = {"load": load, "load_average": load_average}
        RESULTS.write_text(json.dumps(results, indent=1))  # kept should a later step fail
        print(
            f"   load {load['seconds']:.1f} s ({load['cpu_seconds']:.1f} s CPU), "
            f"{load['peak_mib']:.0f} MiB; load average {load_average[0]:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after",
            flush=True,
        )
        for step, seconds in sorted(load["steps"].items(), key=lambda item: -item[1])[:5]:
            print(f"      {seconds:5.1f} s  {step}", flush=True)
        metrics = run_step("metrics", str(workspace), str(out))
        print(f"   metrics {metrics['seconds']:.1f} s, {metrics['peak_mib']:.0f} MiB", flush=True)
        hand = run_step("hand_sql", str(workspace), str(out))
        ours = run_step("ours_students", str(workspace), str(out))
        disagree = same_answer(out)
        if disagree:  # said and kept with the figures, the ratio then compares unlike work
            print(f"   WARNING: {disagree}", flush=True)
        print(
            f"   students per school: ours {ours['seconds']:.2f} s, hand SQL "
            f"{hand['seconds']:.2f} s",
            flush=True,
        )
        results[str(students)] = {
            "shape": shape(students),
            "synth": synth,
            "load": load,
            "metrics": metrics,
            "hand_sql": hand,
            "ours_students": ours,
            "hand_sql_disagrees": disagree,
            "commands": commands(data_dir, workspace, out) if args.commands else [],
            "load_average": {"before": load_average, "after": os.getloadavg()},
            "memory_limit": "default (homeroom.toml as `homeroom init` writes it)",
            "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
            "date": time.strftime("%Y-%m-%d"),
        }
        results.pop(f"{students}-load-only", None)
        RESULTS.write_text(json.dumps(results, indent=1))
    print_table(results)


def print_table(results: dict) -> None:
    print(
        "| students | student-days | attendance rows | synth | load | all metrics | load + metrics"
        " | peak memory | student-days/s | students/school: ours vs hand SQL |"
    )
    print("|" + " --- |" * 10)
    for key in sorted((k for k in results if k.isdigit()), key=int):
        r = results[key]
        days = r["synth"]["student_days"]
        total = r["load"]["seconds"] + r["metrics"]["seconds"]
        peak = max(r["load"]["peak_mib"], r["metrics"]["peak_mib"]) / 1024
        ratio = r["ours_students"]["seconds"] / max(r["hand_sql"]["seconds"], 1e-9)
        print(
            f"| {int(key):,} | {days:,} | {r['synth']['attendance_rows']:,}"
            f" | {r['synth']['seconds']:.1f} s | {r['load']['seconds']:.1f} s"
            f" | {r['metrics']['seconds']:.1f} s | {total:.1f} s | {peak:.2f} GiB"
            f" | {days / total:,.0f} | {r['ours_students']['seconds']:.2f} s vs"
            f" {r['hand_sql']['seconds']:.2f} s ({ratio:.2f}×) |"
        )


if __name__ == "__main__":
    main()
