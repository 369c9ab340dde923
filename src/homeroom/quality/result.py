"""What one monitor found: a status, a one-line finding and the rows behind it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

OK, WARNING, INFO = "ok", "warning", "info"
STATUSES = (OK, WARNING, INFO)

# The rows behind a finding are for a person to read and act on; a finding with more rows than
# this (a whole code table re-mapped, say) keeps the first ones and says how many there are.
ROW_LIMIT = 100_000


@dataclass
class MonitorResult:
    """One data-quality monitor's finding.

    `rows` hold opaque ids only (school, calendar and student ids, dates, counts, codes), never
    names. `count` is how many things were found (days, stays, rows, …, as the summary says);
    `detail` is an optional summary table (e.g. re-codings counted by from → to pair).
    """

    key: str
    title: str
    explanation: str
    status: str  # "ok" | "warning" | "info"
    summary: str
    count: int = 0
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    detail: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}; got {self.status!r}")


@dataclass(frozen=True)
class Monitor:
    """A monitor's fixed words; `result` makes one of its findings."""

    key: str
    title: str
    explanation: str

    def result(
        self,
        status: str,
        summary: str,
        *,
        count: int = 0,
        rows: pd.DataFrame | None = None,
        detail: pd.DataFrame | None = None,
    ) -> MonitorResult:
        found = rows if rows is not None else pd.DataFrame()
        return MonitorResult(
            self.key, self.title, self.explanation, status, summary, count, found, detail
        )


@dataclass(frozen=True)
class PreviousLoad:
    """The attendance of the workspace's previous load, kept in `con` for comparison.

    `table` is a relation with the validated attendance columns; `units_per_day` is the unit of
    its `absent_units` (a load's unit depends on its schools' day lengths, so two loads may
    differ).
    """

    table: str
    units_per_day: int
    load_id: int | None = None


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 day`, `3 days`, `1,204 stays`."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"
