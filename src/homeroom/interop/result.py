"""What an importer hands on: canonical tables plus an account of how they were made."""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import SupportsInt

import pandas as pd

from homeroom.contract.report import empty_quarantine
from homeroom.contract.schema import QUARANTINE_COLUMNS
from homeroom.warehouse.memory import TEMP_DIRECTORY_ENV

# Optional columns an importer adds to a canonical table so a rejected row can be traced back to
# the line of the source file it came from. Validation keeps and ignores them.
SOURCE_FILE = "source_file"
SOURCE_LINE = "source_line"


def source_line(value: SupportsInt | None) -> int | None:
    """A `source_line` cell as a line number, None when empty (the column is nullable Int64)."""
    return None if value is None or pd.isna(value) else int(value)


@dataclass(frozen=True)
class StoredTable:
    """A canonical table an importer wrote to a Parquet file in batches, too big to hold as a
    frame (text columns, `source_line` a number); `write_import` copies it without reading it
    into memory."""

    path: Path
    rows: int

    def frame(self) -> pd.DataFrame:
        """The whole table as a frame like the others (text or None): small imports, tests."""
        frame = pd.read_parquet(self.path).astype(object)
        frame = frame.where(frame.notna(), None)
        if (
            SOURCE_LINE in frame.columns
            and not frame[SOURCE_LINE].map(lambda v: isinstance(v, str)).any()
        ):  # a number column, as importers that number lines hold it
            frame[SOURCE_LINE] = pd.array(frame[SOURCE_LINE].tolist(), dtype="Int64")
        return frame


class Tables(dict[str, pd.DataFrame]):
    """Canonical tables by name; a stored one (`ImportResult.stored`) is read when asked for."""

    def __init__(self, frames: dict[str, pd.DataFrame], stored: dict[str, StoredTable]) -> None:
        super().__init__(frames)
        self.stored = stored

    def __missing__(self, name: str) -> pd.DataFrame:
        if name in self.stored:
            return self.stored[name].frame()
        raise KeyError(name)


@dataclass(frozen=True)
class SourceRead:
    """One source file (or API resource) read: what it held and how many records."""

    path: str
    what: str
    records: int


@dataclass
class Mapping:
    """A source value turned into a canonical one (target "" = not mapped)."""

    kind: str  # "attendance descriptor", "grade level", "column", ...
    source: str
    target: str
    rows: int = 0


@dataclass
class ImportResult:
    """Canonical tables from one source, with what was read, assumed, mapped and rejected.

    `tables` maps canonical table names (schools, students, enrollments, calendar, attendance,
    optionally codes) to frames whose columns follow DESIGN.md section 4; values are strings or
    empty (None/NaN). `rejected` holds source records the importer could not express as canonical
    rows at all (table, file, line, column, reason); anything it could express, even if wrong, it
    passes on so that validation quarantines it with the contract's own reasons.
    """

    source_kind: str
    tables: dict[str, pd.DataFrame]
    read: list[SourceRead] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    mappings: list[Mapping] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rejected_rows: list[tuple[str, str, int | None, str, str]] = field(default_factory=list)
    # Tables written to files in batches instead of held in `tables` (see StoredTable).
    stored: dict[str, StoredTable] = field(default_factory=dict)
    _scratch: Path | None = field(default=None, init=False, repr=False, compare=False)

    def scratch_folder(self) -> Path:
        """A private folder for this result's files (made 0700, under HOMEROOM_TEMP_DIRECTORY
        else the system's temporary folder), removed with the result."""
        if self._scratch is None:
            parent = os.environ.get(TEMP_DIRECTORY_ENV, "").strip() or None
            self._scratch = Path(tempfile.mkdtemp(prefix="homeroom-import-", dir=parent))
            weakref.finalize(self, shutil.rmtree, self._scratch, True)
        return self._scratch

    def store(self, tables: dict[str, pd.DataFrame], stored: dict[str, StoredTable]) -> None:
        """Set the tables, some of them stored in files; `tables[name]` reads a stored one."""
        self.stored = dict(stored)
        self.tables = Tables(tables, self.stored)

    def rows_of(self, table: str) -> int:
        """Rows of a table, held or stored, without reading a stored one."""
        if table in self.stored:
            return self.stored[table].rows
        return len(self.tables[table])

    def assume(self, text: str) -> None:
        """Record something the source did not say and the import supplied."""
        if text not in self.assumptions:
            self.assumptions.append(text)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def reject(self, table: str, file: str, line: int | None, column: str, reason: str) -> None:
        """Record a source record that could not become a canonical row."""
        self.rejected_rows.append((table, file, line, column, reason))

    @property
    def rejected(self) -> pd.DataFrame:
        if not self.rejected_rows:
            return empty_quarantine()
        frame = pd.DataFrame(self.rejected_rows, columns=list(QUARANTINE_COLUMNS))
        frame["line"] = frame["line"].astype("Int64")
        return frame
