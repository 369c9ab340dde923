"""Time `homeroom metrics --data DIR` against the plain pandas script, in one run.

    .venv/bin/python benchmarks/metrics_files.py                        # 100,000 and 300,000
    .venv/bin/python benchmarks/metrics_files.py --sizes 10000,1000000  # other sizes
    .venv/bin/python benchmarks/metrics_files.py --all-metrics WORKSPACE  # see all_metrics

For each size (one school year of the synthetic state, made once under benchmarks/data/ as
benchmarks/scale.py makes it) it runs, each in a fresh process under `/usr/bin/time -v` (wall
time and peak resident memory are the process's own, start-up included):

- homeroom: `homeroom metrics --data DIR --level student --out x.parquet` (validation of every
  row included);
- pandas:   `benchmarks/pandas_baseline.py DIR --out y.parquet`, the script a district analyst
  would write (no validation);
- where the time goes: the same request in-process (`pipeline.metrics_parquet`, as the command
  runs it), with validation's own steps timed (its progress messages), then the metrics
  written to the file.

It checks the two files hold the same rows (counts, sums, and row by row), prints a Markdown
table with the ratio, and writes benchmarks/metrics-files-results.json with the machine, the
date and the load average (`os.getloadavg`) before and after each timed run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

# Run as a script, this folder is on sys.path: the shared helpers sit beside it.
from steps import Clock, ensure_data, gnu_timed, peak_mib, shape

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "metrics-files-results.json"
DEFAULT_SIZES = (100_000, 300_000)
HOMEROOM = Path(sys.executable).parent / "homeroom"
PANDAS_SCRIPT = HERE / "pandas_baseline.py"
PANDAS_MAX = 1_000_000  # the pandas script expands stays into days: ~14 GiB at 1 M students


# -- where the time goes, in a child process ----------------------------------------------------
def breakdown(data_dir: Path, out: Path) -> dict:
    """Validation's steps, the metrics and the writing of the file, timed in-process."""
    started = time.perf_counter()
    from homeroom.pipeline import metrics_parquet
    from homeroom.resolver import resolve

    imports = time.perf_counter() - started
    clock = Clock()
    with resolve(data=data_dir, progress=clock) as request:
        clock("as-of date and stale schools")
        validation = dict(clock.steps)
        begun = time.perf_counter()
        metrics_parquet(request, out, "student")  # as the command writes --out FILE.parquet
        written = time.perf_counter()
    return {
        "imports": imports,
        "validation": sum(validation.values()),
        "validation_steps": validation,
        "metrics_and_write": written - begun,
        "peak_mib": peak_mib(),
    }


def all_metrics(workspace: Path, out: Path, keep_rolled: bool) -> dict:
    """scale.py's "metrics" step (every level from a loaded workspace, one MetricsSession), with
    or without the session keeping its per-district and per-state roll-ups."""
    from scale import METRIC_REQUESTS

    from homeroom.engine import duckdb_tables
    from homeroom.pipeline import MetricsSession
    from homeroom.resolver import require_compatible_load
    from homeroom.warehouse import connect, open_workspace

    space = open_workspace(workspace)
    definition = space.definition()
    con = connect(space, read_only=True)
    units = require_compatible_load(con, space, definition).units_per_day
    out.mkdir(parents=True, exist_ok=True)
    each = {}
    started = time.perf_counter()
    tables = duckdb_tables(con, units)
    with MetricsSession(tables, definition, keep_rolled=keep_rolled) as session:
        for name, request in METRIC_REQUESTS.items():
            begun = time.perf_counter()
            session.expression(**request).to_parquet(out / f"{name.replace(' ', '_')}.parquet")
            each[name] = time.perf_counter() - begun
    return {"seconds": time.perf_counter() - started, "each": each, "peak_mib": peak_mib()}


def compare_all_metrics(workspace: Path) -> None:
    """`--all-metrics WORKSPACE`: the step without and with kept roll-ups, fresh processes."""
    found = {}
    for keep in ("plain", "keep_rolled"):
        before = os.getloadavg()
        completed = subprocess.run(
            [sys.executable, __file__, "--all-child", str(workspace), keep],
            capture_output=True,
            text=True,
            check=True,
        )
        found[keep] = json.loads(completed.stdout.strip().splitlines()[-1])
        found[keep]["load_before"] = before
        print(f"{keep}: {found[keep]['seconds']:.1f} s, load {before[0]:.1f}", flush=True)
        for name, seconds in found[keep]["each"].items():
            print(f"   {seconds:6.2f} s  {name}", flush=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[f"all metrics {workspace.name}"] = {**found, **machine(), "date": _now()}
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


# -- the driver -----------------------------------------------------------------------------------
SUMS = (
    "SELECT count(*) AS rows, sum(days_enrolled) AS days_enrolled,"
    " round(sum(days_absent), 3) AS days_absent, round(sum(days_excused), 3) AS days_excused,"
    " round(sum(days_unexcused), 3) AS days_unexcused,"
    " round(sum(days_suspended), 3) AS days_suspended, sum(eligible::INT) AS eligible,"
    " sum(chronically_absent::INT) AS chronic, count(tier) AS with_tier,"
    " sum((tier = 'severe_chronic')::INT) AS severe FROM '{}'"
)
DIFFERENT = """
SELECT count(*) FROM '{ours}' AS a FULL JOIN '{theirs}' AS b
    USING (school_year, school_id, student_id)
WHERE a.days_enrolled IS DISTINCT FROM b.days_enrolled
   OR a.district_id IS DISTINCT FROM b.district_id
   OR a.grade_level IS DISTINCT FROM b.grade_level
   OR a.days_absent IS NULL OR b.days_absent IS NULL
   OR abs(a.days_absent - b.days_absent) > 1e-6
   OR abs(a.days_excused - b.days_excused) > 1e-6
   OR abs(a.days_unexcused - b.days_unexcused) > 1e-6
   OR abs(a.days_suspended - b.days_suspended) > 1e-6
   OR a.eligible IS DISTINCT FROM b.eligible
   OR a.chronically_absent IS DISTINCT FROM b.chronically_absent
   OR a.tier IS DISTINCT FROM b.tier
"""


def same_rows(ours: Path, theirs: Path) -> dict:
    """The two files agree in counts and sums, and row by row."""
    import duckdb

    with duckdb.connect() as con:
        sums = [con.execute(SUMS.format(path)).fetchall()[0] for path in (ours, theirs)]
        different = con.execute(DIFFERENT.format(ours=ours, theirs=theirs)).fetchall()[0][0]
    if sums[0] != sums[1] or different:
        raise SystemExit(
            f"homeroom and pandas disagree: {sums[0]} vs {sums[1]}, {different} rows differ"
        )
    return {"sums": list(sums[0]), "rows_different": different}


def run_size(students: int, seed: int, with_pandas: bool) -> dict:
    data_dir, synth = ensure_data(students, seed)
    out = DATA / f"metrics-files-{students}"
    out.mkdir(parents=True, exist_ok=True)
    ours_file, pandas_file = out / "homeroom.parquet", out / "pandas.parquet"
    startup = gnu_timed([str(HOMEROOM), "--help"])
    ours = gnu_timed(
        [str(HOMEROOM), "metrics", "--data", str(data_dir), "--level", "student"]
        + ["--out", str(ours_file)]
    )
    print(f"   homeroom {ours['seconds']:.1f} s, {ours['peak_mib']:.0f} MiB", flush=True)
    result = {"shape": shape(students), "synth": synth, "startup": startup, "homeroom": ours}
    if with_pandas:
        theirs = gnu_timed(
            [sys.executable, str(PANDAS_SCRIPT), str(data_dir), "--out", str(pandas_file)]
        )
        print(f"   pandas {theirs['seconds']:.1f} s, {theirs['peak_mib']:.0f} MiB", flush=True)
        result["pandas"] = theirs
        result["ratio"] = theirs["seconds"] / ours["seconds"]
        result["agree"] = same_rows(ours_file, pandas_file)
    completed = subprocess.run(
        [sys.executable, __file__, "--child", str(data_dir), str(out / "breakdown.parquet")],
        capture_output=True,
        text=True,
        check=True,
    )
    result["breakdown"] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def machine() -> dict:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "python": platform.python_version(),
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(breakdown(Path(sys.argv[2]), Path(sys.argv[3]))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--all-child":
        space = Path(sys.argv[2])
        result = all_metrics(space, DATA / f"all-metrics-{space.name}", sys.argv[3] != "plain")
        print(json.dumps(result))
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--all-metrics":
        compare_all_metrics(Path(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for students in (int(s) for s in args.sizes.split(",")):
        print(f"== {students:,} students", flush=True)
        result = run_size(students, args.seed, with_pandas=students <= PANDAS_MAX)
        result.update(machine())
        result["date"] = _now()
        results[str(students)] = result
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print_table(results)


def print_table(results: dict) -> None:
    print(
        "| students | attendance rows | homeroom --data | peak | pandas script | peak | pandas ÷"
        " homeroom | of which validation | metrics + write | start-up | load average |"
    )
    print("|" + " --- |" * 11)
    for key in sorted((k for k in results if k.isdigit()), key=int):  # not --all-metrics runs
        r = results[key]
        ours, parts = r["homeroom"], r["breakdown"]
        theirs = r.get("pandas")
        pandas_cells = (
            f"{theirs['seconds']:.1f} s | {theirs['peak_mib'] / 1024:.2f} GiB | {r['ratio']:.1f}×"
            if theirs
            else "— | — | —"
        )
        load = max(ours["load_before"][0], (theirs or ours)["load_before"][0])
        print(
            f"| {int(key):,} | {r['synth']['attendance_rows']:,} | {ours['seconds']:.1f} s"
            f" | {ours['peak_mib'] / 1024:.2f} GiB | {pandas_cells}"
            f" | {parts['validation']:.1f} s | {parts['metrics_and_write']:.1f} s"
            f" | {r['startup']['seconds']:.2f} s | {load:.1f} |"
        )


if __name__ == "__main__":
    main()
