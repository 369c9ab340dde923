"""Time the import paths (Ed-Fi JSON, an Infinite Campus export, the attendance spreadsheet).

    .venv/bin/python benchmarks/imports.py                            # 10k, 100k, 1M students
    .venv/bin/python benchmarks/imports.py --sizes 10000 --paths sis  # a quick run
    .venv/bin/python benchmarks/imports.py --sizes 100000 --profile   # where the time goes

For each size (students, one school year) it makes a synthetic district once with `homeroom
synth` (kept under benchmarks/data/), turns it into each source layout, then times each import
in a fresh process, so its peak memory (resident set) is its own:

- edfi:        write_edfi_json makes Ed-Fi ODS/API JSON of the district; timed: import_edfi +
               write_import (read, convert, write the canonical tables, validate, monitors);
- sis:         Infinite Campus Enrollments.csv, Attendance.csv and Days.csv made from the district
               with DuckDB in the preset's layout; timed: import_sis --preset infinite-campus +
               write_import;
- spreadsheet: `homeroom export spreadsheet` of the district (timed too) as .xlsx up to
               --xlsx-max students, above that the same Students sheet as .csv; timed:
               import_spreadsheet + write_import.

The data-quality monitors run inside write_import, as in `homeroom import`. Each import's steps
are timed from its progress messages. With --profile, the import of each path at the largest
size is run once more under cProfile (not part of the timings) and the functions with the most
own time are kept. Results go to benchmarks/imports-results.json and are printed as Markdown.
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
from import_sources import step_edfi_json, step_export, step_sis_files, step_synth
from steps import Clock, peak_mib, shape

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "imports-results.json"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
PATHS = ("edfi", "sis", "spreadsheet")

# Where a step's time is booked: the progress message that opens it, by its first words.
PHASES = (
    ("Writing the canonical tables", "write tables"),
    ("Validating", "validation"),
    ("reading ", "validation"),
    ("checking ", "validation"),
    ("collapsing ", "validation"),
    ("writing validated", "validation"),
    ("Running the data-quality monitors", "monitors"),
    ("looking for", "monitors"),
    ("counting ", "monitors"),
    ("comparing ", "monitors"),
    ("report", "report"),
)


def phase_of(message: str, reading: str) -> str:
    for prefix, phase in PHASES:
        if message.startswith(prefix):
            return phase
    return reading


# -- the imports ----------------------------------------------------------------------------------
def run_import(path: str, source: Path, out: Path) -> dict:
    import shutil

    from homeroom.definitions import load_definition
    from homeroom.interop import write_import

    shutil.rmtree(out, ignore_errors=True)
    clock = Clock()
    if path == "edfi":
        from homeroom.interop.edfi import import_edfi

        result = import_edfi(source, progress=clock)
    elif path == "sis":
        from homeroom.interop.sis import import_sis

        files = [source / name for name in ("Enrollments.csv", "Attendance.csv", "Days.csv")]
        result = import_sis("infinite-campus", files, progress=clock)
    else:
        from homeroom.interop.spreadsheet import import_spreadsheet

        result = import_spreadsheet(source, progress=clock)
    read_peak = peak_mib()  # the read and convert's own peak, before validation starts
    clock("Writing the canonical tables")  # write_import says so too: a zero-length step
    written = write_import(result, out, definition=load_definition(None), progress=clock)
    clock("done")
    phases: dict[str, float] = {}
    for message, seconds in clock.steps.items():
        if message.startswith("Converting") or message.startswith("Mapping"):
            phase = "convert"
        else:
            phase = phase_of(message, "read + convert")
        phases[phase] = phases.get(phase, 0.0) + seconds
    return {
        "seconds": clock.total(),
        "records_in": sum(r.records for r in result.read),
        "read_peak_mib": read_peak,
        "stored": sorted(result.stored),
        "read": {r.path: r.records for r in result.read},
        "rows_written": written.validation.rows_loaded,
        "quarantined": len(written.quarantine),
        "phases": phases,
        "steps": clock.steps,
    }


def step_import(path: str, source: str, out: str) -> dict:
    return run_import(path, Path(source), Path(out))


def step_profile(path: str, source: str, out: str) -> dict:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    run_import(path, Path(source), Path(out))
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (file, line, name), (_calls, ncalls, own, cumulative, _) in stats.stats.items():
        where = f"{Path(file).name}:{line}({name})" if line else name
        rows.append({"function": where, "calls": ncalls, "own_s": own, "cumulative_s": cumulative})
    rows.sort(key=lambda r: -r["own_s"])
    return {
        "seconds_profiled": sum(r["own_s"] for r in rows),
        "top_own": rows[:15],
        "top_cumulative": sorted(rows, key=lambda r: -r["cumulative_s"])[:25],
    }


def child(argv: list[str]) -> None:
    step, *args = argv
    if step == "synth":
        result = step_synth(Path(args[0]), args[1])
    elif step == "edfi_json":
        result = step_edfi_json(Path(args[0]), Path(args[1]))
    elif step == "sis_files":
        result = step_sis_files(Path(args[0]), Path(args[1]))
    elif step == "export":
        result = step_export(Path(args[0]), Path(args[1]))
    elif step == "import":
        result = step_import(*args)
        result["load_average"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
    else:
        result = step_profile(*args)
    result["peak_mib"] = peak_mib()
    print(json.dumps(result))


# -- the driver -----------------------------------------------------------------------------------
def run_step(*args: str) -> dict:
    return steps.run_step(__file__, *args)


def prepared(marker: Path, *args: str) -> dict:
    """Run a preparation step once; its figures are kept beside what it made."""
    if marker.exists():
        return json.loads(marker.read_text())
    figures = run_step(*args)
    marker.write_text(json.dumps(figures))
    return figures


def save(results: dict, key: str) -> None:
    """Write one run's figures, keeping what other runs wrote to the file meanwhile."""
    latest = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    latest.setdefault("runs", {})[key] = results["runs"][key]
    results["runs"] = latest["runs"]
    RESULTS.write_text(json.dumps({**latest, **results}, indent=1))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Sources are kept under benchmarks/data/ and reused; delete them to remake them.",
    )
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="students per synthetic district, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--paths",
        default=",".join(PATHS),
        help="import paths to time, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--edfi-max",
        type=int,
        default=100_000,
        help="largest size for Ed-Fi JSON, which is ~7 KB of JSON a student (default: %(default)s)",
    )
    parser.add_argument(
        "--xlsx-max",
        type=int,
        default=100_000,
        help="largest size exported as .xlsx; larger ones as .csv (default: %(default)s)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run each path's largest import under cProfile and keep its hot functions",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    paths = [p for p in args.paths.split(",") if p]
    unknown = sorted(set(paths) - set(PATHS))
    if unknown:
        parser.error(f"unknown path(s) {', '.join(unknown)}; choose from {', '.join(PATHS)}")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault("runs", {})
    DATA.mkdir(parents=True, exist_ok=True)
    for students in sizes:
        print(f"== {students:,} students", flush=True)
        base = DATA / f"imports-{students}"
        synth_dir = base / "synth"
        base.mkdir(parents=True, exist_ok=True)
        synth = prepared(base / "synth.json", "synth", str(synth_dir), str(students))
        for path in paths:
            if path == "edfi" and students > args.edfi_max:
                continue
            out = base / f"out-{path}"
            if path == "edfi":
                source = base / "edfi"
                prep = prepared(base / "edfi.json", "edfi_json", str(synth_dir), str(source))
            elif path == "sis":
                source = base / "infinite-campus"
                prep = prepared(base / "sis.json", "sis_files", str(synth_dir), str(source))
            else:
                suffix = ".xlsx" if students <= args.xlsx_max else ".csv"
                source = base / f"spreadsheet{suffix}"
                prep = prepared(
                    base / f"export{suffix}.json", "export", str(synth_dir), str(source)
                )
            measured = run_step("import", path, str(source), str(out))
            print(
                f"   {path}: {measured['records_in']:,} records in {measured['seconds']:.1f} s,"
                f" {measured['peak_mib']:.0f} MiB peak ({measured['read_peak_mib']:.0f} MiB"
                f" reading), source made in {prep['seconds']:.1f} s; load average"
                f" {measured['load_average']}",
                flush=True,
            )
            for phase, seconds in sorted(measured["phases"].items(), key=lambda i: -i[1]):
                print(f"      {seconds:6.1f} s  {phase}", flush=True)
            entry = {
                "students": students,
                "path": path,
                "source": source.name,
                "shape": shape(students),
                "synth": synth,
                "prepare": prep,
                "import": measured,
                "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
                "date": time.strftime("%Y-%m-%d"),
            }
            results["runs"][f"{path}-{students}"] = entry
            save(results, f"{path}-{students}")
    if args.profile:
        results.setdefault("profiles", {})
        for path in paths:
            done = [r for r in results["runs"].values() if r["path"] == path]
            if not done:
                continue
            biggest = max(done, key=lambda r: r["students"])
            base = DATA / f"imports-{biggest['students']}"
            print(f"== profiling {path} at {biggest['students']:,} students", flush=True)
            profile = run_step(
                "profile", path, str(base / biggest["source"]), str(base / f"profile-{path}")
            )
            profile["students"] = biggest["students"]
            results["profiles"][path] = profile
            for row in profile["top_own"][:8]:
                print(f"      {row['own_s']:6.1f} s  {row['function']}", flush=True)
            RESULTS.write_text(json.dumps(results, indent=1))
    print_table(results)


def print_table(results: dict) -> None:
    print(
        "| path | students | source | records in | source made in | import | records/s"
        " | peak memory | read + convert | read + convert records/s | peak reading"
        " | write tables | validation | monitors |"
    )
    print("|" + " --- |" * 14)
    runs = sorted(results["runs"].values(), key=lambda r: (PATHS.index(r["path"]), r["students"]))
    for r in runs:
        m = r["import"]
        phases = m["phases"]
        reading = phases.get("read + convert", 0.0) + phases.get("convert", 0.0)
        print(
            f"| {r['path']} | {r['students']:,} | {r['source']} | {m['records_in']:,}"
            f" | {r['prepare']['seconds']:.1f} s | {m['seconds']:.1f} s"
            f" | {m['records_in'] / m['seconds']:,.0f} | {m['peak_mib'] / 1024:.2f} GiB"
            f" | {reading:.1f} s | {m['records_in'] / max(reading, 1e-9):,.0f}"
            f" | {m.get('read_peak_mib', float('nan')) / 1024:.2f} GiB"
            f" | {phases.get('write tables', 0.0):.1f} s"
            f" | {phases.get('validation', 0.0):.1f} s | {phases.get('monitors', 0.0):.1f} s |"
        )


if __name__ == "__main__":
    main()
