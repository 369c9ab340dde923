"""What a validation run tells its caller: the files read, the counts, the quarantine."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from homeroom.contract.schema import QUARANTINE_COLUMNS

QUARANTINE_DTYPES = {
    "table": "str",
    "file": "str",
    "line": "Int64",
    "column": "str",
    "reason": "str",
}


@dataclass
class SourceFile:
    table: str
    path: Path
    sha256: str
    rows: int


@dataclass
class ValidationReport:
    files: list[SourceFile]
    rows_read: dict[str, int]  # per table, including rows the CSV parser could not split
    rows_loaded: dict[str, int]  # per table; calendar: listed dates kept (the dense fill is extra)
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS; rejected rows and rows kept with a field empty
    duplicates_collapsed: int
    units_per_day: int
    school_years: list[int]
    notes: list[str]
    # Rows left out per table; rows_read == rows_loaded + rows_rejected for every table.
    rows_rejected: dict[str, int] = field(default_factory=dict)
    # One short kind per quarantine row ("not a date", "duplicate", ...), for quarantine_counts.
    kinds: list[str] = field(default_factory=list, repr=False)

    @property
    def quarantined(self) -> int:
        return len(self.quarantine)

    def quarantine_counts(self) -> pd.DataFrame:
        """Quarantine rows per table and kind of reason, largest first."""
        frame = self.quarantine[["table"]].copy()
        frame["kind"] = self.kinds if len(self.kinds) == len(frame) else "other"
        counts = frame.groupby(["table", "kind"], sort=False).size().reset_index(name="rows")
        return counts.sort_values(["table", "rows"], ascending=[True, False], ignore_index=True)


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=QUARANTINE_DTYPES[c]) for c in QUARANTINE_COLUMNS})
