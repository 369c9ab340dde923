"""SIS exports → canonical tables, by a declarative preset per SIS.

`import_sis("powerschool", [Path("Students.csv"), ...])` recognises each file by its headers,
maps its columns and values as the preset says, and returns an `ImportResult` (see
`homeroom.interop`). Shipped presets: powerschool, infinite-campus, aeries (in `presets/`);
`homeroom map FILE` writes a preset for any other export.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from homeroom.interop.result import ImportResult
from homeroom.interop.sis.preset import SHIPPED, Preset, load_preset

__all__ = ["SHIPPED", "Preset", "import_sis", "load_preset"]


def import_sis(
    preset: str, files: list[Path], *, progress: Callable[[str], None] | None = None
) -> ImportResult:
    """Read a SIS's export files with a preset (a shipped name or a preset TOML file path)."""
    from homeroom.interop.sis.build import build

    return build(load_preset(preset), [Path(f) for f in files], progress)
