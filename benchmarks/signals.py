"""Time the early-warning model: training on a district, scoring a state as of one date.

    .venv/bin/python benchmarks/signals.py                              # train 50k, score 1M-6M
    .venv/bin/python benchmarks/signals.py --train 50000 --score 1000000  # a shorter run
    .venv/bin/python benchmarks/signals.py --train 0 --score 6000000      # scoring only

Training: a synthetic district of `--train` students (one district, ~550 students a school,
three school years) is made and loaded once (kept under benchmarks/data/); the model is trained
on its first two years, as `homeroom signals train` does (features as of the first of each
month September-March, then the gradient boosting, the logistic regression and the two
calibrations), in a fresh process, once with every core and once with one (`--threads 1`).

Scoring: a synthetic state of each `--score` size over two school years (the features need
last year) is made and loaded once, sharing benchmarks/signal_rules.py's datasets (same shape,
years and seed). The district's model (trained above, or by an earlier run; failing both, one
trained on the state's first year) is copied into the state's workspace and the state is
scored as of `--as-of` in a fresh process: the features (one Ibis query on DuckDB), the
chance of every enrolled student, and the words for the `--explain` share of students with
the highest chance.

Each step reports wall time, CPU time (user + system; the machine is shared, so wall time
also shows how busy it was), peak memory (resident set of the step's own process) and the
load average around it. Results go to benchmarks/signals-results.json and print as Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import time
from pathlib import Path

# Run as a script, this folder is on sys.path: the shared helpers sit beside it.
import steps
from steps import Clock, peak_mib, shape

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "signals-results.json"
DEFAULT_TRAIN = 50_000
DEFAULT_SCORE = (1_000_000, 2_000_000, 6_000_000)
DEFAULT_AS_OF = "2025-01-31"  # as benchmarks/signal_rules.py: five months into 2024-25


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _tables(workspace: str):
    from homeroom.engine import duckdb_tables
    from homeroom.resolver import require_compatible_load
    from homeroom.warehouse import connect, open_workspace

    space = open_workspace(Path(workspace))
    definition = space.definition()
    con = connect(space, read_only=True)
    units = require_compatible_load(con, space, definition).units_per_day
    return space, definition, con, duckdb_tables(con, units)


# -- the steps, each run in its own process ------------------------------------------------------
def step_load(data_dir: str, workspace: str) -> dict:
    from homeroom.warehouse import init_workspace, load_dataset

    shutil.rmtree(workspace, ignore_errors=True)
    space = init_workspace(Path(workspace))
    clock = Clock()
    load_dataset(space, Path(data_dir), progress=clock)
    clock("done")
    return {"seconds": clock.total()}


def step_train(workspace: str, threads: str, years: str) -> dict:
    from homeroom.signals.model_store import save_model
    from homeroom.signals.training import train

    space, definition, con, tables = _tables(workspace)
    load = os.getloadavg()[0]
    cpu, started = cpu_seconds(), time.perf_counter()
    chosen = [int(y) for y in years.split(",")] if years else None
    model = train(tables, definition, chosen, threads=int(threads) if threads else None)
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - cpu
    con.close()
    save_model(model, space.root)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "steps": model.seconds,
        "rows": model.rows,
        "students": model.students,
        "years": list(model.years),
        "method": model.method,
        "candidates": model.candidates,
        "threads": threads or "all",
        "load_before": load,
        "load_after": os.getloadavg()[0],
    }


def step_score(workspace: str, as_of: str, explain: str) -> dict:
    import datetime as dt

    from homeroom.signals.features import school_year_at, student_features, student_history
    from homeroom.signals.model_store import load_model
    from homeroom.signals.scoring import score

    space, definition, con, tables = _tables(workspace)
    model = load_model(space.root)
    day = dt.date.fromisoformat(as_of)
    load = os.getloadavg()[0]
    timings: dict[str, float] = {}
    cpu, started = cpu_seconds(), time.perf_counter()
    year = school_year_at(tables, day)
    history = student_history(tables, definition, year)
    timings["earlier years"] = time.perf_counter() - started
    begun = time.perf_counter()
    features = student_features(tables, definition, day, year, history)
    timings["this year"] = time.perf_counter() - begun
    timings["features"] = time.perf_counter() - started
    begun = time.perf_counter()
    bare = score(tables, definition, day, model, explain=0.0, features=features)
    timings["chances"] = time.perf_counter() - begun
    scoring_cpu = cpu_seconds() - cpu
    peak_without_words = peak_mib()
    begun = time.perf_counter()
    share = float(explain)
    worded = score(tables, definition, day, model, explain=share, features=features)
    timings["chances and words"] = time.perf_counter() - begun
    con.close()
    explained = int((worded["top_factors"] != "").sum())
    return {
        "seconds": timings["features"] + timings["chances"],
        "cpu_seconds": scoring_cpu,
        "steps": timings,
        "students_scored": len(bare),
        "feature_rows": len(features),
        "explained": explained,
        "explain_share": share,
        "words_seconds": timings["chances and words"] - timings["chances"],
        "peak_mib_without_words": peak_without_words,
        "load_before": load,
        "load_after": os.getloadavg()[0],
        "as_of": as_of,
    }


def child(argv: list[str]) -> None:
    step, *args = argv
    functions = {"load": step_load, "train": step_train, "score": step_score}
    result = functions[step](*args)
    result["peak_mib"] = peak_mib()
    print(json.dumps(result))


# -- the driver -----------------------------------------------------------------------------------
def run_step(*args: str) -> dict:
    return steps.run_step(__file__, *args)


def ensure(folder: Path, workspace: Path, make) -> Path:
    """Make the dataset (marker summary.json) and load it into the workspace, once each."""
    if not (folder / "summary.json").exists():
        started = time.perf_counter()
        summary = make(folder)
        (folder / "summary.json").write_text(
            json.dumps(
                {
                    "stays": summary.stays,
                    "students": summary.students,
                    "attendance_rows": summary.attendance_rows,
                    "seconds": time.perf_counter() - started,
                }
            )
        )
    if not (workspace / "warehouse.duckdb").exists():
        load = run_step("load", str(folder), str(workspace))
        print(
            f"   loaded in {load['seconds']:.0f} s, {load['peak_mib'] / 1024:.1f} GiB", flush=True
        )
    return workspace


def training_workspace(students: int, seed: int) -> Path:
    from homeroom.synth import generate

    schools = max(4, students // 550)
    return ensure(
        DATA / f"signals-district-{students}",
        DATA / f"signals-district-workspace-{students}",
        lambda folder: generate(folder, students=students, schools=schools, years=3, seed=seed),
    )


def state_workspace(students: int, seed: int) -> Path:
    """The same datasets as benchmarks/signal_rules.py (two years, the state's shape)."""
    from homeroom.synth import generate

    return ensure(
        DATA / f"signals-students-{students}",
        DATA / f"signals-workspace-{students}",
        lambda folder: generate(folder, **shape(students), years=2, seed=seed),
    )


def stamp(result: dict) -> dict:
    result["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    result["date"] = time.strftime("%Y-%m-%d")
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=DEFAULT_TRAIN, help="0: skip training")
    parser.add_argument("--score", default=",".join(map(str, DEFAULT_SCORE)))
    parser.add_argument("--as-of", default=DEFAULT_AS_OF)
    parser.add_argument("--explain", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    # Scoring uses the model trained on the district (from an earlier run when --train 0).
    earlier = DATA / f"signals-district-workspace-{DEFAULT_TRAIN}"
    model_from = earlier if (earlier / "models" / "chronic.joblib").exists() else None
    if args.train:
        print(f"== training on {args.train:,} students", flush=True)
        workspace = training_workspace(args.train, args.seed)
        for threads in ("", "1"):
            r = stamp(run_step("train", str(workspace), threads, ""))
            results[f"train-{args.train}-threads-{r['threads']}"] = r
            RESULTS.write_text(json.dumps(results, indent=1))
            print(
                f"   threads {r['threads']}: {r['seconds']:.1f} s ({r['cpu_seconds']:.1f} s CPU),"
                f" {r['rows']:,} rows, {r['peak_mib'] / 1024:.2f} GiB, load "
                f"{r['load_before']:.1f}->{r['load_after']:.1f}; "
                + ", ".join(f"{k} {v:.1f} s" for k, v in r["steps"].items()),
                flush=True,
            )
        model_from = workspace
    for students in (int(s) for s in args.score.split(",") if s):
        print(f"== scoring {students:,} students", flush=True)
        workspace = state_workspace(students, args.seed)
        target = workspace / "models"
        if model_from is not None:
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(model_from / "models", target)
        elif not (target / "chronic.joblib").exists():
            run_step("train", str(workspace), "", "2024")
        r = stamp(run_step("score", str(workspace), args.as_of, str(args.explain)))
        results[f"score-{students}"] = r
        RESULTS.write_text(json.dumps(results, indent=1))
        print(
            f"   {r['students_scored']:,} students: {r['seconds']:.1f} s "
            f"({r['cpu_seconds']:.1f} s CPU), {r['peak_mib_without_words'] / 1024:.2f} GiB; "
            f"words for {r['explained']:,} more {r['words_seconds']:.1f} s, "
            f"{r['peak_mib'] / 1024:.2f} GiB; load {r['load_before']:.1f}->"
            f"{r['load_after']:.1f}; " + ", ".join(f"{k} {v:.1f} s" for k, v in r["steps"].items()),
            flush=True,
        )
    print_tables(results)


def print_tables(results: dict) -> None:
    print("\n| training | students | student-dates | wall | CPU | peak memory | features | fit |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for key, r in results.items():
        if key.startswith("train-"):
            fit = sum(v for k, v in r["steps"].items() if k != "features")
            print(
                f"| {r['threads']} threads | {r['students']:,} | {r['rows']:,} "
                f"| {r['seconds']:.1f} s | {r['cpu_seconds']:.1f} s | "
                f"{r['peak_mib'] / 1024:.2f} GiB | {r['steps']['features']:.1f} s | {fit:.1f} s |"
            )
    print(
        "\n| students scored | features | chances | wall | CPU | peak memory | words for the "
        "top share | peak with words |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for _key, r in sorted(
        ((k, v) for k, v in results.items() if k.startswith("score-")),
        key=lambda kv: kv[1]["students_scored"],
    ):
        print(
            f"| {r['students_scored']:,} | {r['steps']['features']:.1f} s | "
            f"{r['steps']['chances']:.1f} s | {r['seconds']:.1f} s | {r['cpu_seconds']:.1f} s | "
            f"{r['peak_mib_without_words'] / 1024:.2f} GiB | {r['explained']:,} in "
            f"{r['words_seconds']:.1f} s | {r['peak_mib'] / 1024:.2f} GiB |"
        )


if __name__ == "__main__":
    main()
