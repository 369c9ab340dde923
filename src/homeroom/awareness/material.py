"""Writing the awareness material of many units into one folder, all or nothing.

Each unit gets its own folder, `school-<id>/` or `district-<id>/`, holding `sheet.<lang>.pdf`
and, when its figure may be shown, `chart-1200x675.<lang>.png`, `chart-1080x1080.<lang>.png`
and `images.<lang>.json` (file, width, height, alt text). Everything is written in a staging
folder first and moved into place at the end, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from homeroom.awareness import sheet
from homeroom.awareness.content import UnitFacts
from homeroom.awareness.images import write_images
from homeroom.awareness.languages import check


@dataclass(frozen=True)
class Written:
    sheets: tuple[Path, ...]
    images: tuple[Path, ...]
    private: int  # sheets whose figure is not shown, for privacy


def folder_name(facts: UnitFacts) -> str:
    """`school-D01-E01`, `district-D01`: the kind first, so a school and a district never
    share a folder; anything but letters, digits, dot, dash and underscore becomes `_`."""
    return f"{facts.own.kind}-" + re.sub(r"[^A-Za-z0-9._-]", "_", facts.unit_id)


def write_all(
    units: Sequence[UnitFacts],
    code: str,
    out: Path,
    progress: Callable[[str], None] | None = None,
) -> Written:
    """Every unit's sheet and images in CODE, under OUT."""
    check(code)
    say = progress or (lambda _step: None)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".awareness-", dir=out))
    try:
        for facts in units:
            say(facts.own.name)
            folder = staging / folder_name(facts)
            folder.mkdir()
            sheet.write(facts, code, folder / f"sheet.{code}.pdf")
            write_images(facts, code, folder)
        moved = _move(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Written(
        tuple(p for p in moved if p.suffix == ".pdf"),
        tuple(p for p in moved if p.suffix == ".png"),
        sum(1 for f in units if not f.charted),
    )


def _move(staging: Path, out: Path) -> list[Path]:
    moved = []
    for folder in sorted(staging.iterdir()):
        target = out / folder.name
        target.mkdir(exist_ok=True)
        for file in sorted(folder.iterdir()):
            os.replace(file, target / file.name)
            moved.append(target / file.name)
    return moved
