"""What the `homeroom` command prints and writes: tables on the terminal, result files.

The commands (cli.py) decide what to do; this module only shows and saves the results, so
every command prints rows, quarantine summaries and frames the same way.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from homeroom.contract.tablefiles import FrameWriter, write_csv, writer_for

# Exit status: 0 done; 1 unexpected failure; 2 a dataset, definition or request that cannot be
# used; 3 `check` found rows to quarantine; 4 `audit verify` found the audit chain broken.
EXIT_UNUSABLE = 2
EXIT_QUARANTINED = 3
EXIT_CHAIN_BROKEN = 4

out = Console()
err = Console(stderr=True)


class UsageProblem(Exception):
    """A request the command cannot carry out; the message says why."""

    exit_code = 2


def grade_span(grades: tuple[str, ...]) -> str:
    """KG-08 for a run of grades, else the list; "all" when the definition names none."""
    from homeroom.contract.schema import GRADE_LEVELS

    if not grades:
        return "all"
    positions = sorted(GRADE_LEVELS.index(g) for g in grades)
    if positions == list(range(positions[0], positions[-1] + 1)) and len(positions) > 2:
        return f"{GRADE_LEVELS[positions[0]]}-{GRADE_LEVELS[positions[-1]]}"
    return ", ".join(grades)


def frame_writer(path: Path) -> FrameWriter:
    """The writer for `--out PATH` (tablefiles: formula-like text neutralised in CSV and XLSX)."""
    writer = writer_for(path)
    if writer is None:
        raise UsageProblem(f"--out must end in .csv, .xlsx, .parquet or .json; got {path.name!r}")
    return writer


def write_quarantine(frame: pd.DataFrame, path: Path) -> None:
    from homeroom.contract.schema import QUARANTINE_COLUMNS

    write_csv(frame.loc[:, list(QUARANTINE_COLUMNS)], path)


def print_rows(read: dict[str, int], loaded: dict[str, int]) -> None:
    table = Table(title="Rows")
    for column in ("table", "read", "loaded", "rejected"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, count in read.items():
        kept = loaded.get(name, 0)
        table.add_row(name, f"{count:,}", f"{kept:,}", f"{count - kept:,}")
    out.print(table)


def print_quarantine(frame: pd.DataFrame, path: Path | None, duplicates: int) -> None:
    if frame.empty:
        out.print("[green]No rows quarantined.[/]")
        return
    reasons = (
        frame.assign(kind=frame["reason"].str.split(":").str[0].str.slice(0, 70))
        .groupby(["table", "kind"], sort=False)
        .size()
        .sort_values(ascending=False)
        .head(12)
    )
    table = Table(title=f"{len(frame):,} rows quarantined ({duplicates:,} duplicates collapsed)")
    for column in ("table", "reason", "rows"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for (name, kind), count in reasons.items():
        table.add_row(name, kind, f"{count:,}")
    out.print(table)
    if path is not None:
        out.print(f"Every rejected row, with file, line and column: {path}")
    else:
        out.print(
            "Add --quarantine FILE.csv for every rejected row with its file, line and column."
        )


def print_frame(frame: pd.DataFrame, title: str, limit: int = 40) -> None:
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(column.replace("_", " "), overflow="fold")
    for row in frame.head(limit).itertuples(index=False):
        table.add_row(*(_cell(value) for value in row))
    out.print(table)
    if len(frame) > limit:
        out.print(f"… {len(frame) - limit:,} more rows; add --out FILE.csv to save them all.")


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def print_monitors(monitors: list, hint: str | None = None) -> None:
    """The data-quality monitors after an import or load: one line each, problems first.

    With `hint` (a command taking a monitor's key), each row shows its key and a last line
    says how to see the rows behind a finding.
    """
    table = Table(title="Data-quality monitors")
    columns = ("monitor", "key", "status", "finding") if hint else ("monitor", "status", "finding")
    for column in columns:
        table.add_column(column, overflow="fold")
    colours = {"ok": "green", "warning": "yellow", "info": "cyan"}
    ordered = sorted(monitors, key=lambda m: m.status == "ok")
    for monitor in ordered:
        colour = colours.get(monitor.status, "white")
        keys = (monitor.key,) if hint else ()
        table.add_row(monitor.title, *keys, f"[{colour}]{monitor.status}[/]", monitor.summary)
    out.print(table)
    if hint and any(m.status == "warning" for m in monitors):
        out.print(f"The rows behind a finding: {hint}")
