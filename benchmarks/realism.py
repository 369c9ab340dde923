"""How real the realistic synthetic district looks: each figure beside its published source.

    .venv/bin/python benchmarks/realism.py [--students 20000] [--years 3] [--seed 1]
        [--chronic-rate 0.278] [--seeds 1] [--json results.json]

Generates a district with `generate(..., behaviour="realistic")` in a temporary folder, measures
it with homeroom.synth.realism (pandas, independently of homeroom.metrics) and prints each
figure, the published value and source, the range the test holds it to, and whether it is in.
With --seeds N it generates N districts (seeds seed..seed+N-1) and prints each figure's range
over them, to see how much a figure moves from one district to the next.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from homeroom.synth import generate
from homeroom.synth.realism import FIGURES, measure


def run(students: int, years: int, seed: int, chronic_rate: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        generate(
            Path(folder),
            students=students,
            schools=max(6, students // 1500),
            years=years,
            seed=seed,
            behaviour="realistic",
            chronic_rate=chronic_rate,
        )
        took = time.perf_counter() - started
        figures = measure(Path(folder))
    return {**figures, "generate_seconds": took}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--chronic-rate", type=float, default=0.278)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    runs = [
        run(args.students, args.years, seed, args.chronic_rate)
        for seed in range(args.seed, args.seed + args.seeds)
    ]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(
        f"Realistic district: {args.students:,} students, {args.years} school years, seeds "
        f"{args.seed}..{args.seed + args.seeds - 1}, chronic rate asked {args.chronic_rate:.1%}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine}"
    )
    for figure in FIGURES:
        values = [r[figure.key] for r in runs]
        low, high = min(values), max(values)
        shown = f"{low:.3f}" if low == high else f"{low:.3f}-{high:.3f}"
        inside = all(figure.low <= v <= figure.high for v in values)
        print(
            f"\n{figure.key}: {shown}  [{figure.low}-{figure.high}] {'ok' if inside else 'OUT'}"
            f"\n  {figure.words}\n  published: {figure.published}\n  source: {figure.source}"
        )
    print("\nby grade (chronic share):")
    grades = sorted((k for k in runs[0] if k.startswith("grade_") and k[6:].isalnum()), key=_order)
    print("  " + "  ".join(f"{k[6:]} {runs[0][k]:.1%}" for k in grades))
    for key in ("mean_rate", "newly_chronic_share", "september_under_2_chronic"):
        print(f"{key}: {runs[0][key]:.3f}")
    print(f"generate: {min(r['generate_seconds'] for r in runs):.1f} s")
    if args.json is not None:
        args.json.write_text(json.dumps(runs, indent=1), encoding="utf-8")


def _order(key: str) -> int:
    grade = key[6:]
    return {"PK": -1, "KG": 0}.get(grade, int(grade) if grade.isdigit() else 99)


if __name__ == "__main__":
    main()
