"""An import's large held tables moved to Parquet files once written, so that checking the
written folder does not run beside them in memory (1 GiB of frames at 1,000,000 students)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from homeroom.interop.result import ImportResult, StoredTable

# Smaller tables stay frames: moving them saves little and their callers keep their dtypes.
HELD_ROWS = 100_000


def store_held(result: ImportResult, least_rows: int | None = None) -> list[str]:
    """Store each held table of at least `least_rows` rows (HELD_ROWS by default) whose values
    hold no line break, as text, in the result's scratch folder; the names of those stored.

    A stored table is traced one line a row (`output._stored_sources`), so a table with a
    value that spans lines in the CSV stays a frame and keeps its own line counting.
    """
    least = HELD_ROWS if least_rows is None else least_rows
    moved: dict[str, StoredTable] = {}
    for name, frame in list(result.tables.items()):
        if len(frame) < least or not len(frame.columns):
            continue
        table = pa.Table.from_pandas(frame.astype("string"), preserve_index=False)
        if _spans_lines(table):
            continue
        path = result.scratch_folder() / f"held-{name}.parquet"
        pq.write_table(table, path)
        moved[name] = StoredTable(path, len(frame))
        del table
    if moved:
        held = {n: f for n, f in result.tables.items() if n not in moved}
        result.store(held, {**result.stored, **moved})
    return sorted(moved)


def _spans_lines(table: pa.Table) -> bool:
    for column in table.columns:
        if pc.any(pc.match_substring_regex(column, "[\\r\\n]")).as_py():
            return True
    return False


def give_back_freed_memory() -> None:
    """Hand the memory the conversion freed back to the system before the check starts.

    Freed Python objects and Arrow buffers stay with the process (glibc's heap, Arrow's pool)
    and count in its resident memory. In a one-off run of the Ed-Fi import at a million
    students without this the check reached 2,042 MiB; with it the import's peak is in the
    conversion (docs/benchmarks.md, "Imports"). `malloc_trim` only where glibc is the C
    library.
    """
    import ctypes
    import gc
    from contextlib import suppress

    gc.collect()
    pa.default_memory_pool().release_unused()
    with suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


__all__ = ["HELD_ROWS", "give_back_freed_memory", "store_held"]
