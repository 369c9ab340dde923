"""`load_report.md`: what an import read, assumed, mapped and quarantined, in plain Markdown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from homeroom import __version__
from homeroom.contract import ValidationReport
from homeroom.definitions import Definition
from homeroom.interop.result import ImportResult

SHOWN_ROWS = 50


def render_load_report(
    result: ImportResult,
    validation: ValidationReport,
    quarantine: pd.DataFrame,
    monitors: list,
    definition: Definition,
    files: list[Path],
) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# Load report: {result.source_kind}",
        "",
        f"Written {now} by homeroom {__version__}, checked with definition "
        f"`{definition.name}` {definition.version}. Years: "
        f"{', '.join(str(y) for y in validation.school_years) or 'none'}.",
        "",
        "## What was read",
        "",
    ]
    lines += _table(
        ["source", "what", "records"],
        [[r.path, r.what, f"{r.records:,}"] for r in result.read] or [["(nothing)", "", "0"]],
    )
    lines += ["", "## What was written", ""]
    rows = []
    for path in files:
        table = path.stem
        written = result.rows_of(table)
        loaded = validation.rows_loaded.get(table, 0)
        rows.append([path.name, f"{written:,}", f"{loaded:,}", f"{written - loaded:,}"])
    lines += _table(["file", "rows written", "rows that load", "rows quarantined"], rows)
    lines += ["", "## What was assumed", ""]
    lines += [f"- {text}" for text in result.assumptions] or ["Nothing: the source said it all."]
    lines += ["", "## How values were mapped", ""]
    if result.mappings:
        unmapped = [m for m in result.mappings if not m.target]
        if unmapped:
            lines += [
                f"**{len(unmapped)} source value(s) have no mapping**; their rows are "
                "quarantined until the mapping table names a category for them.",
                "",
            ]
        lines += _table(
            ["kind", "source value", "canonical value", "rows"],
            [
                [m.kind, m.source, m.target or "**not mapped**", f"{m.rows:,}"]
                for m in result.mappings
            ],
        )
    else:
        lines.append("No values needed mapping.")
    lines += ["", "## What was quarantined", ""]
    lines += _quarantine(quarantine, validation)
    lines += ["", "## Data-quality monitors", ""]
    lines += _monitors(monitors)
    notes = [*result.notes, *validation.notes]
    if notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {text}" for text in notes]
    return "\n".join(lines) + "\n"


def _quarantine(quarantine: pd.DataFrame, validation: ValidationReport) -> list[str]:
    if quarantine.empty:
        return ["No rows were rejected: every record read is in the tables and will load."]
    counts = (
        quarantine.assign(kind=quarantine["reason"].str.split(":").str[0].str.slice(0, 80))
        .groupby(["stage", "table", "kind"], sort=False)
        .size()
        .reset_index(name="rows")
        .sort_values("rows", ascending=False)
    )
    lines = [
        f"{len(quarantine):,} rows are left out, each with its file, line, column and reason "
        "(all of them in `import_quarantine.csv`). Rows rejected at `import` could not be turned "
        "into canonical rows; rows rejected at `validation` break a rule of the data contract.",
        "",
    ]
    lines += _table(["stage", "table", "reason", "rows"], counts.astype(str).values.tolist())
    if validation.duplicates_collapsed:
        lines += ["", f"{validation.duplicates_collapsed:,} duplicate rows were collapsed."]
    shown = quarantine.head(SHOWN_ROWS)
    lines += ["", f"First {len(shown)} rows:", ""]
    lines += _table(
        ["table", "file:line", "column", "reason", "source file:line"],
        [
            [
                str(row.table),
                f"{row.file}:{_text(row.line)}",
                str(row.column),
                str(row.reason),
                f"{_text(row.source_file)}:{_text(row.source_line)}"
                if _text(row.source_file)
                else "",
            ]
            for row in shown.itertuples(index=False)
        ],
    )
    return lines


def _monitors(monitors: list) -> list[str]:
    if not monitors:
        return ["The monitors did not run."]
    lines = _table(
        ["monitor", "status", "finding"],
        [[m.title, m.status, m.summary] for m in monitors],
    )
    for monitor in monitors:
        if monitor.status == "ok":
            continue
        lines += ["", f"### {monitor.title}", "", monitor.explanation, ""]
        rows = monitor.rows.head(20)
        if not rows.empty:
            lines += _table(
                [str(c) for c in rows.columns],
                [[_text(v) for v in row] for row in rows.itertuples(index=False)],
            )
            if len(monitor.rows) > len(rows):
                lines.append(f"\n… and {len(monitor.rows) - len(rows):,} more rows.")
    return lines


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    def cell(value: str) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines
