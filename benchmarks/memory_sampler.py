"""Where an import's resident memory peaks: the stack of the main thread at each new peak.

    .venv/bin/python benchmarks/memory_sampler.py edfi benchmarks/data/imports-1000000/edfi OUT
    .venv/bin/python benchmarks/memory_sampler.py spreadsheet SOURCE.csv OUT

Runs `imports.run_import` (the import, then `write_import` into OUT) while a thread reads the
process's resident memory every 10 ms; each time it has grown 20 MiB past the last peak, the
homeroom frames of the main thread's stack are kept. Prints the run's time, its ru_maxrss and
the last peaks with where they were. The sources are those `imports.py` makes and keeps under
benchmarks/data/. The "one-off sampler runs" of docs/benchmarks.md ("Imports") are this
script; a sample misses peaks shorter than 10 ms, so ru_maxrss may be higher than the last one.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time
import traceback
from pathlib import Path

import imports  # beside this script

PAGE = os.sysconf("SC_PAGE_SIZE")
STEP = 20 * 2**20  # a new peak: this much over the last one


def resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def sample(peaks: list, stop: threading.Event) -> None:
    main = threading.main_thread().ident
    highest = 0
    while not stop.is_set():
        now = resident()
        if now > highest + STEP:
            highest = now
            frame = sys._current_frames().get(main)
            stack = traceback.extract_stack(frame) if frame is not None else []
            where = [
                f"{Path(s.filename).name}:{s.lineno} {s.name}"
                for s in stack
                if "homeroom" in s.filename or "imports.py" in s.filename
            ]
            peaks.append((time.monotonic(), now, where))
            # Holding the frame would keep its locals alive, and with them memory to measure.
            del frame, stack
        time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="example: memory_sampler.py edfi benchmarks/data/imports-1000000/edfi /tmp/out",
    )
    parser.add_argument("path", choices=imports.PATHS, help="the import path")
    parser.add_argument("source", type=Path, help="the source folder or file")
    parser.add_argument("out", type=Path, help="the folder the import writes (replaced)")
    parser.add_argument("--last", type=int, default=12, help="peaks to print (default: 12)")
    args = parser.parse_args()
    peaks: list = []
    stop = threading.Event()
    threading.Thread(target=sample, args=(peaks, stop), daemon=True).start()
    start = time.monotonic()
    imports.run_import(args.path, args.source, args.out)
    stop.set()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"{time.monotonic() - start:.1f} s, ru_maxrss {maxrss} MiB")
    for when, size, where in peaks[-args.last :]:
        print(f"{when - start:7.1f} s {size / 2**20:7.0f} MiB  " + " > ".join(where[-6:]))


if __name__ == "__main__":
    main()
