"""Ed-Fi JSON files as Homeroom writes them: a JSON array with one item per line, replaced
atomically (a reader never sees a half-written file).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


def items_text(items: list[dict[str, Any]]) -> str:
    """A JSON array with one item per line, so line n + 1 holds item n."""
    if not items:
        return "[]\n"
    lines = (json.dumps(item, ensure_ascii=False, separators=(",", ":")) for item in items)
    return "[\n" + ",\n".join(lines) + "\n]\n"


def write_atomic(path: Path, text: str) -> None:
    """Write `path` whole or not at all: a temporary file beside it, then a rename."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_lines_atomic(path: Path, lines: Iterable[str]) -> None:
    """`write_atomic(path, items_text(items))` for items already as JSON lines, written as they
    come (the same bytes, without the whole text in memory)."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as file:
            first = True
            for line in lines:
                file.write(("[\n" if first else ",\n") + line)
                first = False
            file.write("[]\n" if first else "\n]\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def item_lines(items: Iterable[dict[str, Any]]) -> Iterator[str]:
    return (json.dumps(item, ensure_ascii=False, separators=(",", ":")) for item in items)
