"""A state loaded district by district, then its public site and its federal file.

    .venv/bin/python benchmarks/state_site.py --students 1000000
    .venv/bin/python benchmarks/state_site.py --students 6000000 --skip-loads   # reuse a load

Makes a synthetic state of one school year (~550 students a school, ~25 schools a district;
kept under benchmarks/data/), splits it into one folder per district (its schools, their
calendars, enrollments and attendance, the students enrolled there, the codes), loads the
districts one after another into one workspace with `homeroom load --district`, then runs
`homeroom publish` and `homeroom export fs195`, each as the command a state would type, timed
with its peak memory (resident set of the process). Results go to
benchmarks/state-site-results.json and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time
from pathlib import Path

from steps import run_homeroom, shape

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "state-site-results.json"


def run(*args: str) -> dict[str, float]:
    """Run one homeroom command; its wall time and its own peak memory (GNU time's %M)."""
    done, seconds, peak = run_homeroom(*args)
    if done.returncode != 0 or peak is None:
        raise SystemExit(f"homeroom {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return {"seconds": seconds, "peak_gib": peak}


def split_by_district(data: Path, out: Path) -> list[str]:
    """One folder of canonical tables per district."""
    import duckdb

    con = duckdb.connect()
    for name in ("schools", "enrollments", "attendance", "students", "calendar", "codes"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM '{data / name}.parquet'")
    found = con.execute("SELECT DISTINCT district_id FROM schools ORDER BY 1").fetchall()
    districts = [str(row[0]) for row in found]
    queries = {
        "schools": "SELECT * FROM schools WHERE district_id = $d",
        "enrollments": "SELECT e.* FROM enrollments e JOIN schools s USING (school_id) "
        "WHERE s.district_id = $d",
        "attendance": "SELECT a.* FROM attendance a JOIN schools s USING (school_id) "
        "WHERE s.district_id = $d",
        "students": "SELECT * FROM students WHERE student_id IN (SELECT e.student_id FROM "
        "enrollments e JOIN schools s USING (school_id) WHERE s.district_id = $d)",
        "calendar": "SELECT * FROM calendar WHERE calendar_id IN (SELECT coalesce(calendar_id, "
        "school_id) FROM schools WHERE district_id = $d)",
        "codes": "SELECT * FROM codes",
    }
    for district in districts:
        folder = out / district
        folder.mkdir(parents=True, exist_ok=True)
        for name, query in queries.items():
            target = folder / f"{name}.parquet"
            con.execute(
                f"COPY ({query.replace('$d', repr(district))}) TO '{target}' (FORMAT parquet)"
            )
    con.close()
    return districts


def load_by_district(data: Path, parts: Path, workspace: Path) -> dict[str, object]:
    started = time.perf_counter()
    districts = split_by_district(data, parts)
    split = time.perf_counter() - started
    loads = [run("load", str(parts / d), "--workspace", str(workspace), "--district", d)
             for d in districts]  # fmt: skip
    return {
        "split_seconds": split,
        "districts": len(districts),
        "seconds": sum(x["seconds"] for x in loads),
        "slowest_seconds": max(x["seconds"] for x in loads),
        "peak_gib": max(x["peak_gib"] for x in loads),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--skip-loads", action="store_true", help="reuse the loaded workspace")
    parser.add_argument(
        "--whole-load",
        action="store_true",
        help="load the state in one `homeroom load` instead of district by district",
    )
    args = parser.parse_args()
    size = shape(args.students)
    root = DATA / f"state-site-{args.students}"
    data, parts, workspace = root / "data", root / "districts", root / "ws"
    figures: dict[str, object] = {"shape": size, "machine": platform.platform()}
    if not args.skip_loads:
        shutil.rmtree(root, ignore_errors=True)
        made = run("synth", "--students", str(size["students"]), "--schools",
                   str(size["schools"]), "--districts", str(size["districts"]), "--years", "1",
                   "--seed", "11", "--out", str(data))  # fmt: skip
        figures["synth"] = made
        run("init", str(workspace))
        if args.whole_load:
            figures["whole_load"] = run("load", str(data), "--workspace", str(workspace))
        else:
            figures["district_loads"] = load_by_district(data, parts, workspace)
    figures["publish"] = run("publish", "--workspace", str(workspace), "--out", str(root / "site"))
    figures["fs195"] = run("export", "fs195", "--workspace", str(workspace), "--state", "CA",
                           "--out", str(root / "fs195"))  # fmt: skip
    site = root / "site"
    pages = [p for p in site.rglob("*.html")]
    figures["site"] = {
        "pages": len(pages),
        "largest_page_kib": max(p.stat().st_size for p in pages) / 1024,
        "total_mib": sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) / 2**20,
    }
    figures["load_average"] = os.getloadavg()
    figures["date"] = time.strftime("%Y-%m-%d")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[str(args.students)] = figures
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
