"""Page latency of the web app: a 50,000-student district, 3 school years, 20 users at once.

    .venv/bin/python benchmarks/web.py                      # 50,000 students, 20 users
    .venv/bin/python benchmarks/web.py --students 5000 --users 5 --rounds 3   # a quick run

It makes the synthetic district once (kept under benchmarks/data/web-<N>/), loads it into a
workspace, prepares the web's data (timed), adds a district administrator and a school staff
user, starts `homeroom serve` in its own process, and then runs USERS threads, each signed in
with its own session, each requesting every page ROUNDS times in a shuffled order and reading
each page for THINK seconds on average before the next click (0.5x to 1.5x; `--think 0` is a
stress test with no reading). Before that, every address is opened once, one at a time: that
is the first visitor's cost (charts drawn, caches filled), reported as "first view". The
server and the users share this machine's cores, so the figures include the load generator.

Figures (p50, p95, max per page, requests per second) go to benchmarks/web-results.json and are
printed as a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "web-results.json"
RESULTS_PAGES_ONLY = HERE / "web-results-pages-only.json"
PASSWORD = "benchmark-password-1"
HOMEROOM = [sys.executable, "-m", "homeroom.cli"]
STUDENT_LINK = re.compile(r'href="/students/([0-9a-f]{20})[?"]')
SCHOOL_LINK = re.compile(r'href="/schools/([^"?/]+)[?"]')


def homeroom(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [*HOMEROOM, *args], input=stdin, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"homeroom {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def make_workspace(students: int, years: int) -> Path:
    folder = DATA / f"web-{students}-{years}y"
    data, workspace = folder / "data", folder / "workspace"
    if not (data / "attendance.parquet").exists():
        shutil.rmtree(folder, ignore_errors=True)
        schools = max(4, students // 1250)
        print(f"making {students:,} students, {schools} schools, {years} years …", flush=True)
        homeroom("synth", "--students", str(students), "--schools", str(schools), "--years",
                 str(years), "--seed", "7", "--out", str(data))  # fmt: skip
    if not (workspace / "homeroom.toml").exists():
        homeroom("init", str(workspace), "--name", f"Benchmark district ({students:,})")
        started = time.perf_counter()
        homeroom("load", str(data), "--workspace", str(workspace))
        print(f"loaded in {time.perf_counter() - started:.1f} s", flush=True)
    return workspace


def prepare(workspace: Path) -> float:
    code = (
        "import time,sys; from homeroom.warehouse import open_workspace;"
        "from homeroom.web.snapshot import prepare_serving;"
        "s=time.perf_counter(); prepare_serving(open_workspace(sys.argv[1]), force=True);"
        "print(time.perf_counter()-s)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(workspace)], capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def add_users(workspace: Path, school_id: str) -> None:
    users = homeroom("users", "list", "--workspace", str(workspace))
    for name, role, extra in (
        ("bench-admin", "district_admin", []),
        ("bench-staff", "school_staff", ["--school", school_id]),
    ):
        if name not in users:
            homeroom("users", "add", name, "--role", role, *extra, "--password-stdin",
                     "--workspace", str(workspace), stdin=PASSWORD + "\n")  # fmt: skip


def first_school(workspace: Path) -> str:
    import duckdb

    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute("SELECT min(school_id) FROM schools").fetchone()[0]
    finally:
        con.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(workspace: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [*HOMEROOM, "serve", "--workspace", str(workspace), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 600
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped:\n{server.stderr.read()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not start within 10 minutes")


def sign_in(base: str, username: str):  # noqa: ANN201
    import httpx

    client = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    if answer.status_code != 303:
        raise SystemExit(f"could not sign in as {username}: HTTP {answer.status_code}")
    return client


def page_set(base: str, school_id: str) -> dict[str, list[str]]:
    """Each page and a few addresses of it (so caches see realistic variety)."""
    client = sign_in(base, "bench-admin")
    overview = client.get("/").text
    schools = sorted(set(SCHOOL_LINK.findall(overview)))[:10] or [school_id]
    listing = client.get("/students", params={"sort": "absence_rate"}).text
    students = STUDENT_LINK.findall(listing)[:20]
    if not students:
        raise SystemExit("the student list showed no students")
    return {
        "district overview": ["/"],
        "school page": [f"/schools/{s}" for s in schools],
        "student list": [
            "/students",
            f"/students?school={schools[0]}&tier=moderate_chronic",
            "/students?tier=severe_chronic&sort=days_absent",
            "/students?page=3",
        ],
        "student page": [f"/students/{key}" for key in students],
        "equity": ["/equity", f"/equity?school={schools[0]}"],
        "data": ["/data"],
        "export (CSV)": [f"/students?school={s}&format=csv" for s in schools[:3]]
        + ["/?format=csv", f"/schools/{schools[0]}?format=xlsx"],
    }


def first_views(base: str, pages: dict[str, list[str]]) -> dict:
    """Each address once, one at a time: the cost of the first visitor (charts drawn, caches
    filled), which later visitors of the same page and date do not pay."""
    client = sign_in(base, "bench-admin")
    firsts: dict[str, list[float]] = {page: [] for page in pages}
    for page, urls in pages.items():
        for url in urls:
            began = time.perf_counter()
            client.get(url)
            firsts[page].append(time.perf_counter() - began)
    return {page: summary(times) for page, times in firsts.items()}


def run_users(
    base: str, pages: dict[str, list[str]], users: int, rounds: int, think: float
) -> dict:
    timings: dict[str, list[float]] = {page: [] for page in pages}
    failures: list[str] = []
    lock = threading.Lock()
    clients = [sign_in(base, "bench-admin") for _ in range(users)]
    start = threading.Barrier(users)

    def user(number: int) -> None:
        rng = random.Random(number)
        client = clients[number]
        plan = [(page, url) for _ in range(rounds) for page, urls in pages.items()
                for url in [rng.choice(urls)]]  # fmt: skip
        rng.shuffle(plan)
        start.wait()
        for page, url in plan:
            if think:
                # A person reads a page before the next click: 0.5x to 1.5x the mean.
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))
            began = time.perf_counter()
            answer = client.get(url)
            took = time.perf_counter() - began
            with lock:
                if answer.status_code == 200:
                    timings[page].append(took)
                else:
                    failures.append(f"{url}: HTTP {answer.status_code}")

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    total = sum(len(t) for t in timings.values())
    return {
        "pages": {page: summary(times) for page, times in timings.items()},
        "requests": total,
        "failures": failures[:20],
        "failed": len(failures),
        "seconds": round(wall, 1),
        "requests_per_second": round(total / wall, 1),
    }


def summary(times: list[float]) -> dict:
    if not times:
        return {"n": 0}
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "n": len(times),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10, help="visits of every page per user")
    parser.add_argument(
        "--no-downloads", action="store_true", help="pages only (no CSV/XLSX downloads)"
    )
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean seconds a user reads a page (0: none)"
    )
    args = parser.parse_args()

    workspace = make_workspace(args.students, args.years)
    prepare_seconds = prepare(workspace)
    print(f"prepared the web's data in {prepare_seconds:.1f} s", flush=True)
    school_id = first_school(workspace)
    add_users(workspace, school_id)
    port = free_port()
    server = start_server(workspace, port)
    base = f"http://127.0.0.1:{port}"
    try:
        pages = page_set(base, school_id)
        if args.no_downloads:
            pages.pop("export (CSV)")
        firsts = first_views(base, pages)
        figures = run_users(base, pages, args.users, args.rounds, args.think)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "students": args.students,
        "years": args.years,
        "users": args.users,
        "rounds": args.rounds,
        "think_seconds": args.think,
        "prepare_seconds": round(prepare_seconds, 1),
        "first_views": firsts,
        **figures,
    }
    target = RESULTS_PAGES_ONLY if args.no_downloads else RESULTS
    target.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\n{args.students:,} students, {args.years} years, {args.users} users at once "
          f"(reading {args.think} s a page on average), "
          f"{figures['requests']:,} requests in {figures['seconds']} s "
          f"({figures['requests_per_second']}/s), {figures['failed']} failed\n")  # fmt: skip
    print("| page | requests | p50 | p95 | max | first view (p50) |")
    print("|---|---|---|---|---|---|")
    for page, stats in figures["pages"].items():
        if stats["n"]:
            print(f"| {page} | {stats['n']} | {stats['p50_ms']} ms | {stats['p95_ms']} ms | "
                  f"{stats['max_ms']} ms | {firsts[page].get('p50_ms', '')} ms |")  # fmt: skip


if __name__ == "__main__":
    main()
