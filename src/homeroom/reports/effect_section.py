"""The printable report's section "Did supports work?": one table row per kind of support and
the pooled row, only when the data have supports (homeroom.outreach.effect makes the rows;
the report takes them as plain mappings with `homeroom effect`'s columns, so it does not
import the outreach room)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from homeroom.reports.page import Cell, TableBlock

COLUMNS = (
    ("Support", False),
    ("Students served", True),
    ("Compared with", True),
    ("Change, served (points)", True),
    ("Change, compared (points)", True),
    ("Effect (points)", True),
    ("95% interval", False),
    ("Conclusion", False),
)


def effect_table(rows: Sequence[Mapping[str, Any]]) -> TableBlock | None:
    """The section's table, or None when there is nothing to print."""
    if not rows:
        return None
    return TableBlock(
        "Change in absence rate after each kind of support, against matched students not yet "
        "served (negative: fewer absences)",
        COLUMNS,
        ((None, tuple(_row(r) for r in rows)),),
    )


def _row(row: Mapping[str, Any]) -> tuple[Cell, ...]:
    low, high = _number(row.get("ci_low")), _number(row.get("ci_high"))
    return (
        Cell("All supports" if row["support"] == "all" else str(row["support"])),
        Cell(f"{int(row['students_served']):,}", numeric=True),
        Cell(f"{int(row['students_compared']):,}", numeric=True),
        _points(row.get("rate_change_served")),
        _points(row.get("rate_change_compared")),
        _points(row.get("effect_points")),
        Cell(f"{low:+.1f} to {high:+.1f}") if low is not None and high is not None
        else Cell("—", muted=True),
        Cell(str(row["conclusion"])),
    )  # fmt: skip


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if number != number else number  # NaN from a file's empty cell


def _points(value: Any) -> Cell:
    number = _number(value)
    return Cell("—", muted=True) if number is None else Cell(f"{number:+.1f}", numeric=True)
