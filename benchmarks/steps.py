"""What the benchmark scripts share: the synthetic state's shape, and steps run in child processes.

Each measured step runs in a fresh process (`SCRIPT --child STEP ARGS…`) so that its peak memory
(resident set) is its own; the child prints one JSON line of figures as its last output.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
HOMEROOM = str(Path(sys.executable).parent / "homeroom")


def shape(students: int) -> dict[str, int]:
    """Schools of ~550 students; districts of ~25 schools, as in a real state."""
    schools = max(4, students // 550)
    districts = max(1, schools // 25)
    return {"students": students, "schools": schools, "districts": districts}


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Clock:
    """A progress callback: each message's time runs to the next message."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.current = "start"
        self.steps: dict[str, float] = {}

    def __call__(self, message: str) -> None:
        now = time.perf_counter()
        self.steps[self.current] = self.steps.get(self.current, 0.0) + now - self.last
        self.current, self.last = message, now

    def total(self) -> float:
        return time.perf_counter() - self.started


def run_step(script: str, *args: str) -> dict:
    """Run `script --child ARGS…` and return the figures its last output line holds."""
    completed = subprocess.run(
        [sys.executable, script, "--child", *args], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise SystemExit(f"step {args[0]} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def ensure_data(students: int, seed: int) -> tuple[Path, dict]:
    """The synthetic state of `students` (one school year), made once under benchmarks/data/."""
    from homeroom.synth import generate

    folder = DATA / f"students-{students}"
    marker = folder / "summary.json"
    if marker.exists():
        return folder, json.loads(marker.read_text())
    started = time.perf_counter()
    summary = generate(folder, **shape(students), years=1, seed=seed)
    info = {
        "seconds": time.perf_counter() - started,
        "stays": summary.stays,
        "student_days": summary.student_days,
        "attendance_rows": summary.attendance_rows,
        "bytes": sum(p.stat().st_size for p in folder.iterdir() if p.is_file()),
    }
    marker.write_text(json.dumps(info))
    return folder, info


def run_homeroom(*args: str) -> tuple[subprocess.CompletedProcess[str], float, float | None]:
    """One homeroom command as a user types it: its run, wall seconds and own peak (GiB, from
    GNU time's maximum resident set; None when the command was stopped before it ended)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as measured:
        started = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", measured.name, HOMEROOM, *args],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        lines = measured.read().strip().splitlines()
    peak = int(lines[-1]) / 1024 / 1024 if lines and lines[-1].isdigit() else None
    return done, seconds, peak


def gnu_timed(command: list[str], ok: tuple[int, ...] = (0,)) -> dict:
    """Run `command` under /usr/bin/time -v: wall and CPU seconds, peak memory, load averages
    (1, 5 and 15 minutes) before and after. An exit status not in `ok` stops the benchmark."""
    before = os.getloadavg()
    started = time.perf_counter()
    completed = subprocess.run(
        ["/usr/bin/time", "-v", *command], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if completed.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stderr[-4000:]}")

    def figure(label: str) -> float:
        found = re.search(rf"{re.escape(label)}: ([0-9.]+)", completed.stderr)
        return float(found.group(1)) if found else float("nan")

    return {
        "seconds": seconds,
        "cpu_seconds": figure("User time (seconds)") + figure("System time (seconds)"),
        "peak_mib": figure("Maximum resident set size (kbytes)") / 1024,
        "load_before": before,
        "load_after": os.getloadavg(),
    }
