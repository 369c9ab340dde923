"""Time the early-warning rules (`flag_students`) as of one date, from a district to a state.

    .venv/bin/python benchmarks/signal_rules.py --sizes 100000,1000000
    .venv/bin/python benchmarks/signal_rules.py --workspace /path/to/ws --as-of 2025-01-31

For each size it makes a synthetic dataset of two school years once (the rules need last
year), loads it into a workspace (both kept under benchmarks/data/), then runs the rules in a
fresh process (so peak memory is their own) `--repeat` times and keeps the median. Timed:
the whole call (DuckDB work, Arrow to pandas, the reasons), with the time of each step.

Results go to benchmarks/signal-rules-results.json and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

# Run as a script, this folder is on sys.path: the shared helpers sit beside it.
import steps
from steps import Clock, peak_mib, shape

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "signal-rules-results.json"
DEFAULT_SIZES = (100_000, 1_000_000)
DEFAULT_AS_OF = "2025-01-31"  # mid-year of the synthetic 2024-25: five months of absences


def step_rules(workspace: str, as_of: str) -> dict:
    import datetime as dt

    from homeroom.resolver import engine_tables, require_compatible_load
    from homeroom.signals.flags import flag_students
    from homeroom.warehouse import connect, open_workspace

    space = open_workspace(Path(workspace))
    definition = space.definition()
    con = connect(space, read_only=True)
    try:
        current = require_compatible_load(con, space, definition)
        enrolled = con.execute(
            "SELECT count(DISTINCT student_id) FROM enrollments WHERE school_year = ?",
            [dt.date.fromisoformat(as_of).year + (dt.date.fromisoformat(as_of).month >= 8)],
        ).fetchall()[0][0]
        absence_rows = con.execute("SELECT count(*) FROM attendance").fetchall()[0][0]
        with engine_tables(con, current.units_per_day) as tables:
            clock = Clock()
            flags = flag_students(tables, definition, dt.date.fromisoformat(as_of), progress=clock)
            clock("done")
    finally:
        con.close()
    return {
        "seconds": clock.total(),
        "steps": clock.steps,
        "students_this_year": int(enrolled),
        "attendance_rows_all_years": int(absence_rows),
        "flags": len(flags),
        "students_flagged": int(flags["student_id"].nunique()),
        "by_rule": {k: int(v) for k, v in flags.groupby("rule").size().items()},
    }


def step_load(data_dir: str, workspace: str) -> dict:
    import shutil

    from homeroom.warehouse import init_workspace, load_dataset

    shutil.rmtree(workspace, ignore_errors=True)
    space = init_workspace(Path(workspace))
    clock = Clock()
    load_dataset(space, Path(data_dir), progress=clock)
    clock("done")
    return {"seconds": clock.total()}


def child(argv: list[str]) -> None:
    step, *args = argv
    result = {"rules": step_rules, "load": step_load}[step](*args)
    result["peak_mib"] = peak_mib()
    print(json.dumps(result))


def run_step(*args: str) -> dict:
    return steps.run_step(__file__, *args)


def ensure_workspace(students: int, seed: int) -> Path:
    from homeroom.synth import generate

    folder = DATA / f"signals-students-{students}"
    workspace = DATA / f"signals-workspace-{students}"
    if not (folder / "summary.json").exists():
        summary = generate(folder, **shape(students), years=2, seed=seed)
        (folder / "summary.json").write_text(json.dumps({"stays": summary.stays}))
    if not (workspace / "warehouse.duckdb").exists():
        load = run_step("load", str(folder), str(workspace))
        print(f"   loaded in {load['seconds']:.0f} s", flush=True)
    return workspace


def measure(label: str, workspace: Path, as_of: str, repeat: int) -> dict:
    runs = [run_step("rules", str(workspace), as_of) for _ in range(repeat)]
    best = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    best["all_seconds"] = [round(r["seconds"], 2) for r in runs]
    best["median_seconds"] = statistics.median(r["seconds"] for r in runs)
    best["as_of"] = as_of
    best["machine"] = f"{platform.machine()}, {platform.processor() or 'cpu'}"
    best["date"] = time.strftime("%Y-%m-%d")
    print(
        f"   {label}: {best['median_seconds']:.1f} s (runs {best['all_seconds']}), "
        f"{best['peak_mib']:.0f} MiB, {best['flags']:,} flags for "
        f"{best['students_flagged']:,} of {best['students_this_year']:,} students",
        flush=True,
    )
    for step, seconds in best["steps"].items():
        print(f"      {seconds:6.1f} s  {step}", flush=True)
    return best


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--workspace", action="append", default=[], help="Time this one too.")
    parser.add_argument("--as-of", default=DEFAULT_AS_OF)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    targets = [(str(Path(w).resolve()), Path(w)) for w in args.workspace]
    if not args.workspace:
        for students in (int(s) for s in args.sizes.split(",") if s):
            print(f"== {students:,} students", flush=True)
            targets.append((str(students), ensure_workspace(students, args.seed)))
    for label, workspace in targets:
        measured = measure(label, workspace, args.as_of, args.repeat)
        results[str(measured["students_this_year"])] = measured
        RESULTS.write_text(json.dumps(results, indent=1))
    print_table(results)


def print_table(results: dict) -> None:
    print("| students this year | flags (students) | rules as of one date | peak memory |")
    print("| --- | --- | --- | --- |")
    for r in sorted(results.values(), key=lambda r: r["students_this_year"]):
        print(
            f"| {r['students_this_year']:,} | {r['flags']:,} ({r['students_flagged']:,})"
            f" | {r['median_seconds']:.1f} s | {r['peak_mib'] / 1024:.2f} GiB |"
        )


if __name__ == "__main__":
    main()
