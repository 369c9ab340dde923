"""The peak memory of every data command at a state's size, each as a state would type it.

    .venv/bin/python benchmarks/peaks.py --students 6000000
    .venv/bin/python benchmarks/peaks.py --students 100000 --only load,publish   # a quick look

Issue 17 asks every command to stay under 4 GiB at any size by default. This runs each command
that reads data, on the synthetic state of benchmarks/scale.py (one school year, kept under
benchmarks/data/), in its own process under GNU time, and records its wall time and maximum
resident set. The workspace is the script's own (`peaks-workspace-N`), made by the `load` step.
Results go to benchmarks/peaks-results.json and are printed as a Markdown table.

Left out, and why: `signals train` and `signals evaluate` (the model trains on several earlier
school years; the state here has one), `letters` (a letter a student: a mail merge, not a
state-wide job), `awareness` without --school (a PDF for each of 11,000 schools: minutes of
PDF rendering, each sheet's memory its own) and `serve` (a server: benchmarks/web.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import time
from pathlib import Path

from steps import DATA, HOMEROOM, ensure_data, run_homeroom

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "peaks-results.json"
LIMIT_GIB = 4.0


def commands(data: Path, workspace: Path, out: Path, school: str) -> dict[str, list[str]]:
    """Each step's name and arguments, in the order they must run (load first)."""
    ws = ["--workspace", str(workspace)]
    metrics = ["metrics", *ws]
    return {
        "check": ["check", str(data)],
        "load": ["load", str(data), *ws],
        "metrics --level school": [*metrics, "--level", "school", "--out", str(out / "s.parquet")],
        "metrics --level district": [*metrics, "--level", "district"],
        "metrics --level state": [*metrics, "--level", "state"],
        "metrics --level student": [
            *metrics, "--level", "student", "--out", str(out / "students.parquet"),
        ],
        "metrics --level school --by race_ethnicity": [
            *metrics, "--level", "school", "--by", "race_ethnicity", "--out",
            str(out / "race.parquet"),
        ],
        "metrics --data (files, validated)": [
            "metrics", "--data", str(data), "--level", "school", "--out",
            str(out / "files.parquet"),
        ],
        "quality": ["quality", *ws],
        "report": ["report", *ws, "--out", str(out / "report.html")],
        "signals (rules)": ["signals", *ws, "--no-save", "--out", str(out / "watch.csv")],
        "signals queue": [
            "signals", "queue", *ws, "--no-save", "--capacity", "0.1", "--out",
            str(out / "queue.csv"),
        ],
        "publish": ["publish", *ws, "--out", str(out / "site")],
        "export fs195": ["export", "fs195", *ws, "--state", "CA", "--out", str(out / "fs195")],
        "awareness --school": [
            "awareness", *ws, "--school", school, "--language", "es", "--out",
            str(out / "awareness"),
        ],
    }  # fmt: skip


def run(args: list[str]) -> dict[str, object]:
    """One command: wall seconds, its own peak and, when it failed, the end of what it said."""
    done, seconds, peak = run_homeroom(*args)
    figures: dict[str, object] = {"seconds": round(seconds, 1), "exit_code": done.returncode}
    figures["peak_gib"] = round(peak, 2) if peak is not None else None
    if done.returncode not in (0, 3):  # 3: findings to read (check, quality), not a failure
        figures["error"] = done.stderr[-2000:]
    return figures


def first_school(data: Path) -> str:
    import duckdb

    found = duckdb.sql(f"SELECT min(school_id) FROM '{data / 'schools.parquet'}'").fetchall()
    return str(found[0][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=6_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="Comma-separated step names (load runs first).")
    args = parser.parse_args()
    data, _summary = ensure_data(args.students, args.seed)
    workspace = DATA / f"peaks-workspace-{args.students}"
    out = DATA / f"peaks-out-{args.students}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    steps = commands(data, workspace, out, first_school(data))
    wanted = {s.strip() for s in args.only.split(",") if s.strip()} or set(steps)
    if "load" in wanted or not (workspace / "homeroom.toml").exists():
        shutil.rmtree(workspace, ignore_errors=True)
        subprocess.run([HOMEROOM, "init", str(workspace)], check=True, capture_output=True)
        wanted.add("load")
    before = os.getloadavg()[0]
    figures: dict[str, dict[str, object]] = {}
    for name, step in steps.items():
        if name not in wanted:
            continue
        figures[name] = run(step)
        peak = figures[name]["peak_gib"]
        print(f"{name:45} {figures[name]['seconds']:>7} s  {peak} GiB", flush=True)
    record = {
        "students": args.students,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "load_average_before_after": [before, os.getloadavg()[0]],
        "steps": figures,
    }
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[str(args.students)] = record
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n| command | seconds | peak memory | under {LIMIT_GIB:.0f} GiB |")
    print("| --- | --- | --- | --- |")
    for name, f in figures.items():
        peak = f["peak_gib"]
        under = "yes" if isinstance(peak, float) and peak < LIMIT_GIB else "**no**"
        print(f"| `homeroom {name}` | {f['seconds']} | {peak} GiB | {under} |")


if __name__ == "__main__":
    main()
