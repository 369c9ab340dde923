"""A workspace: a folder with `homeroom.toml` and the DuckDB file its loads go into.

`homeroom init DIR` writes the settings; `homeroom load` validates a dataset folder and
replaces the workspace's tables with it in one transaction, recording the load in
`load_history`. A load is a snapshot of the district's data, so loading the same files again
changes nothing (it is recognised by the files' hashes and the definition's exit rule).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from homeroom.definitions import Definition, load_definition
from homeroom.warehouse.memory import DEFAULT_MEMORY_LIMIT

CONFIG_NAME = "homeroom.toml"
DEFAULT_WAREHOUSE = "warehouse.duckdb"


# Student data is private to the account that runs Homeroom: no group or other bits on anything
# a workspace holds (folders 0700, files 0600), whatever umask the shell left.
PRIVATE_UMASK = 0o077


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Create files and folders without group or other permissions inside this block.

    The umask is the process's, so anything created meanwhile (DuckDB's .wal, SQLite's journal,
    a temporary file renamed into place) is private too; the caller's umask comes back after.
    """
    previous = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)


def make_private(path: Path) -> None:
    """Tighten a file (0600) or folder (0700) made before Homeroom set its umask."""
    with contextlib.suppress(FileNotFoundError):
        path.chmod(0o700 if path.is_dir() else 0o600)


class WorkspaceError(Exception):
    """A workspace that cannot be used; the message says what to do."""

    exit_code = 2


@dataclass(frozen=True)
class Workspace:
    root: Path
    name: str
    warehouse: Path
    definition_name: str
    engine: str = "duckdb"
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    created: str = ""
    settings: dict = field(default_factory=dict)
    temp_directory: Path | None = None  # where DuckDB spills; None: `<warehouse>.tmp`

    @property
    def spill_directory(self) -> Path:
        """Where work larger than `memory_limit` spills: inside the private workspace."""
        if self.temp_directory is not None:
            return self.temp_directory
        return self.warehouse.with_name(self.warehouse.name + ".tmp")

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def audit_path(self) -> Path:
        return self.root / "audit" / "access.jsonl"

    def definition(self) -> Definition:
        return load_definition(_resolve_definition(self.root, self.definition_name))


def init_workspace(
    root: Path, *, name: str | None = None, definition: str = "default", engine: str = "duckdb"
) -> Workspace:
    """Write `homeroom.toml` in ROOT (made if missing); refuse to overwrite an existing one."""
    root = Path(root)
    config = root / CONFIG_NAME
    if config.exists():
        raise WorkspaceError(f"{config} already exists; this folder is already a workspace")
    load_definition(_resolve_definition(root, definition))  # fail now, not at the first load
    with private_files():
        root.mkdir(parents=True, exist_ok=True)
        make_private(root)  # an existing folder too: it is about to hold student data
        created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        workspace_name = name or root.resolve().name
        config.write_text(
            "# Homeroom workspace settings. Paths are relative to this file.\n"
            "[workspace]\n"
            f"name = {json.dumps(workspace_name)}\n"
            f"created = {json.dumps(created)}\n"
            "\n[warehouse]\n"
            "# The analytical store: validated tables, load history and quarantine.\n"
            f"path = {json.dumps(DEFAULT_WAREHOUSE)}\n"
            "# DuckDB's memory ceiling; beyond it, large joins spill to disk instead of failing.\n"
            "# 3GB keeps each command under 4 GiB of memory in all.\n"
            f"memory_limit = {json.dumps(DEFAULT_MEMORY_LIMIT)}\n"
            "# Where that spilling goes (relative to this file); empty: beside the DuckDB file.\n"
            'temp_directory = ""\n'
            "\n[metrics]\n"
            "# A shipped definition (homeroom definitions) or a path to your own TOML file.\n"
            f"definition = {json.dumps(definition)}\n"
            "# duckdb (embedded) or pyspark (for a state's worth of data).\n"
            f"engine = {json.dumps(engine)}\n",
            encoding="utf-8",
        )
    return open_workspace(root)


def open_workspace(root: Path | None = None) -> Workspace:
    """The workspace at ROOT, or the nearest one above the current folder."""
    config = _find_config(Path(root) if root is not None else Path.cwd())
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise WorkspaceError(f"{config}: not valid TOML ({exc})") from exc
    base = config.parent
    workspace = data.get("workspace", {})
    warehouse = data.get("warehouse", {})
    metrics = data.get("metrics", {})
    return Workspace(
        root=base,
        name=str(workspace.get("name", base.name)),
        warehouse=base / str(warehouse.get("path", DEFAULT_WAREHOUSE)),
        definition_name=str(metrics.get("definition", "default")),
        engine=str(metrics.get("engine", "duckdb")),
        memory_limit=str(warehouse.get("memory_limit", DEFAULT_MEMORY_LIMIT)),
        created=str(workspace.get("created", "")),
        settings=data,
        temp_directory=_folder(base, warehouse.get("temp_directory")),
    )


def _folder(base: Path, setting: object) -> Path | None:
    """A folder setting relative to homeroom.toml; empty or missing: None."""
    text = str(setting or "").strip()
    return base / text if text else None


def _find_config(start: Path) -> Path:
    start = start.resolve()
    if start.is_file() and start.name == CONFIG_NAME:
        return start
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).exists():
            return folder / CONFIG_NAME
    raise WorkspaceError(
        f"no {CONFIG_NAME} in {start} or above it; make a workspace with `homeroom init DIR`"
    )


def _resolve_definition(root: Path, name: str) -> str:
    """A definition named in homeroom.toml: a shipped name, or a path relative to the file."""
    candidate = root / name
    if name.endswith(".toml") and candidate.exists():
        return str(candidate)
    return name
