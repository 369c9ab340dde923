"""Bounded memory: every DuckDB connection Homeroom opens gets a memory limit and a spill folder.

DuckDB's `memory_limit` bounds its buffer pool only; the process also holds Python, pandas
frames and DuckDB's own allocations outside the pool. 3 GB keeps a whole command under 4 GiB
of resident memory at 6 million students (docs/benchmarks.md); work larger than the pool
spills to the spill folder instead of growing.

- A workspace's connections: `[warehouse] memory_limit` and `temp_directory` in homeroom.toml
  (default: 3GB, and `<warehouse file>.tmp` beside the DuckDB file, inside the private
  workspace folder).
- A dataset folder validated in memory (`--data`): HOMEROOM_MEMORY_LIMIT (default 3GB) and a
  private temporary folder (under HOMEROOM_TEMP_DIRECTORY, else the system's), removed after.
- An import's check of the tables it wrote: the same, but 1GB by default (IMPORT_MEMORY_LIMIT),
  because the import still holds its small tables and its Python heap while it checks them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

DEFAULT_MEMORY_LIMIT = "3GB"
# The Infinite Campus import at 1,000,000 students, its large tables stored before the check:
# 2.53 GiB in all with a 2 GB pool, 1.90 GiB with 1 GB, the check 73 s against 60 s
# (docs/benchmarks.md, "Imports").
IMPORT_MEMORY_LIMIT = "1GB"
MEMORY_LIMIT_ENV = "HOMEROOM_MEMORY_LIMIT"
TEMP_DIRECTORY_ENV = "HOMEROOM_TEMP_DIRECTORY"


def file_memory_limit(default: str = DEFAULT_MEMORY_LIMIT) -> str:
    """The memory limit of a connection that validates files (no workspace to say otherwise)."""
    return os.environ.get(MEMORY_LIMIT_ENV, "").strip() or default


def bounded_config(
    memory_limit: str, temp_directory: Path
) -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB's settings for a bounded connection.

    DuckDB names its spill files by process, so commands may share a folder; it makes the
    folder on the first spill (the parent must exist) and removes it when it made it.
    """
    temp_directory.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return {"memory_limit": memory_limit, "temp_directory": str(temp_directory)}


@contextmanager
def memory_connection(
    default_limit: str = DEFAULT_MEMORY_LIMIT,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection with a bounded pool, spilling to a private folder.

    The pool: HOMEROOM_MEMORY_LIMIT, else `default_limit`. The folder (made 0700 by mkdtemp:
    spilled pages hold student data) is removed on exit.
    """
    parent = os.environ.get(TEMP_DIRECTORY_ENV, "").strip() or None
    folder = Path(tempfile.mkdtemp(prefix="homeroom-", dir=parent))
    try:
        con = duckdb.connect(config=bounded_config(file_memory_limit(default_limit), folder))
        try:
            yield con
        finally:
            con.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "IMPORT_MEMORY_LIMIT",
    "MEMORY_LIMIT_ENV",
    "TEMP_DIRECTORY_ENV",
    "bounded_config",
    "file_memory_limit",
    "memory_connection",
]
