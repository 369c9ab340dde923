"""Records of an Ed-Fi JSON file left in the file: read again, a line at a time, each time the
converter goes through them.

Students, stays, demographics and calendar dates are a tenth of an export's records but, as
parsed dicts, most of its memory once the events are columns (~3.5 M dicts, several GiB, at a
million students). The file is read through once when it is opened, to count its records and to
be sure it is an array of one object per line (else the whole-text reader takes it, as before);
each later pass parses it again (a few seconds a million records) and holds one record at a time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from homeroom.contract.errors import ContractError
from homeroom.interop.edfi.json_fast import NotOneItemPerLine, items_by_line
from homeroom.interop.edfi.resources import FILE, LINE, Record


class _InFile:
    """One file's records, known to be an array of one object per line when it was counted."""

    def __init__(self, path: Path, count: int, stamp: tuple[int, int]) -> None:
        self.path, self.count, self.stamp = path, count, stamp

    def __iter__(self) -> Iterator[Record]:
        label = self.path.name
        changed = ContractError(f"{label}: the file changed while it was imported; import again")
        if _stamp(self.path) != self.stamp:
            raise changed
        try:
            for value, line in items_by_line(self.path):
                value[FILE] = label
                value[LINE] = line
                yield value
        except (NotOneItemPerLine, OSError):
            raise changed from None


def _stamp(path: Path) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_size, status.st_mtime_ns


class FileRecords(list):  # type: ignore[type-arg]
    """A resource's records, some still in their files: iterating reads them (in order).

    A list to the converters (`Resources` maps names to lists); it holds its records in parts,
    so only iteration, len, truth and extend are meant for it.
    """

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[Iterable[Record]] = []
        self._count = 0

    def __iter__(self) -> Iterator[Record]:
        for part in self._parts:
            yield from part

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __getitem__(self, index: Any) -> Any:
        raise TypeError("records left in their file are read in order, not by index")

    def extend(self, records: Iterable[Record]) -> None:
        if isinstance(records, FileRecords):
            self._parts.extend(records._parts)
            self._count += records._count
            return
        kept = list(records)
        self._parts.append(kept)
        self._count += len(kept)


def file_records(path: Path) -> FileRecords | None:
    """The records of an array of one object per line, left in the file; else None."""
    try:
        stamp = _stamp(path)
        count = sum(1 for _ in items_by_line(path))
        if _stamp(path) != stamp:
            return None  # being written: read it whole
    except (NotOneItemPerLine, OSError):
        return None
    records = FileRecords()
    records._parts.append(_InFile(path, count, stamp))
    records._count = count
    return records
