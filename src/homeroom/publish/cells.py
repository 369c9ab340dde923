"""Every public cell of the site: asked of the metrics layer once, then suppressed once a year.

A cell is one level (state, district, school), unit, group column and value, with the three
public numbers (`students_eligible`, `chronically_absent_count`, `chronic_absence_rate`) and,
for the pages only, ADA and the school level. The numbers are the metrics' own: nothing here
recomputes a formula. Suppression is `reports.complementary.suppress_complementary`, called once
over all cells of a school year (state, districts, schools, every group and grade), so the
relations across levels hold; the site's tables are the latest year, the trend every year.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from homeroom.definitions import Definition
from homeroom.reports import labels
from homeroom.reports.complementary import (
    ALL,
    HIDDEN,
    KEY_COLUMNS,
    LEVELS,
    NUMBER_COLUMNS,
    suppress_complementary,
)
from homeroom.reports.summary import DEFAULT_GROUP_COLUMNS

Metrics = Callable[..., pd.DataFrame]  # metrics(level=..., by=(column,)) -> aggregate frame

PUBLIC_COLUMNS = (*KEY_COLUMNS, *NUMBER_COLUMNS)
PAGE_COLUMNS = ("ada", "school_level")  # shown on pages beside the public numbers
NOT_RECORDED = "not_recorded"
__all__ = ["ALL", "HIDDEN", "PUBLIC_COLUMNS", "SiteCells", "collect_cells", "site_cells"]


@dataclass(frozen=True)
class SiteCells:
    """The site's numbers, suppressed: one frame per school year, oldest first."""

    years: tuple[int, ...]
    published: Mapping[int, pd.DataFrame]  # PUBLIC_COLUMNS (text), suppressed, PAGE_COLUMNS
    state_id: str
    notes: tuple[str, ...]  # group columns the data could not give, and why

    @property
    def latest(self) -> pd.DataFrame:
        return self.published[self.years[-1]]


def site_cells(
    metrics: Metrics,
    definition: Definition,
    group_columns: Sequence[str] = DEFAULT_GROUP_COLUMNS,
) -> SiteCells:
    """All cells from `metrics` (every year at once), suppressed year by year."""
    cells, notes = collect_cells(metrics, group_columns)
    if cells.empty:
        raise ValueError(
            "the metrics hold no rows: is the dataset loaded, and does the as-of date fall "
            "inside a school year?"
        )
    state_id = _state_id(metrics(level="state"))
    years = tuple(sorted(int(y) for y in cells["school_year"].unique()))
    published = {
        year: suppress_year(cells[cells["school_year"] == year], definition) for year in years
    }
    return SiteCells(years, published, state_id, tuple(notes))


def collect_cells(metrics: Metrics, group_columns: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    """One row per school year, level, unit, group column and value; numbers before suppression."""
    frames = [_cells(metrics(level=level), level, None) for level in LEVELS]
    notes: list[str] = []
    for column in group_columns:
        try:
            per_level = [metrics(level=level, by=(column,)) for level in LEVELS]
        except ValueError as exc:
            # A dataset without that student column still gets every other table.
            notes.append(f"{labels.column_label(column)}: not published ({exc})")
            continue
        frames.extend(_cells(f, level, column) for f, level in zip(per_level, LEVELS, strict=True))
    cells = pd.concat(frames, ignore_index=True)
    return _ordered(cells, group_columns), notes


def suppress_year(cells: pd.DataFrame, definition: Definition) -> pd.DataFrame:
    """One year's cells through complementary suppression; ADA and level hidden with the rate."""
    published = suppress_complementary(cells.reset_index(drop=True), definition)
    for column in PAGE_COLUMNS:
        published[column] = published[column].astype(object).where(~published["suppressed"], None)
    return published


def _cells(frame: pd.DataFrame, level: str, column: str | None) -> pd.DataFrame:
    rows = len(frame)
    out = pd.DataFrame(
        {
            "school_year": frame["school_year"].astype("int64"),
            "level": [level] * rows,
            "district_id": _ids(frame, "district_id") if level != "state" else [""] * rows,
            "school_id": _ids(frame, "school_id") if level == "school" else [""] * rows,
            "group_column": [column or ALL] * rows,
            "group_value": [group_value(v) for v in frame[column]] if column else [ALL] * rows,
        }
    )
    for name in NUMBER_COLUMNS:
        out[name] = frame[name].to_numpy()
    out["ada"] = frame["ada"].to_numpy()
    out["school_level"] = frame["level"].to_numpy()
    return out


def group_value(value: object) -> str:
    """A group's value as published: flags as true/false, a missing value as not_recorded."""
    if labels.is_missing(value) or str(value).strip() == "":
        return NOT_RECORDED
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _ids(frame: pd.DataFrame, column: str) -> list[str]:
    return ["" if labels.is_missing(v) else str(v) for v in frame[column]]


def _ordered(cells: pd.DataFrame, group_columns: Sequence[str]) -> pd.DataFrame:
    """State, then districts, then schools; all students first, then groups in report order."""
    column_rank = {ALL: -1, **{c: i for i, c in enumerate(group_columns)}}
    key = [
        (
            int(row.school_year),
            LEVELS.index(row.level),
            row.district_id,
            row.school_id,
            column_rank.get(row.group_column, len(column_rank)),
            labels.group_order(row.group_column, row.group_value),
        )
        for row in cells.itertuples(index=False)
    ]
    order = sorted(range(len(key)), key=key.__getitem__)
    return cells.iloc[order].reset_index(drop=True)


def _state_id(frame: pd.DataFrame) -> str:
    found = sorted({"" if labels.is_missing(v) else str(v) for v in frame.get("state", [])})
    if len(found) > 1:
        raise ValueError(
            f"the data hold {len(found)} states ({', '.join(found)}); the public site covers "
            "one state: load one state's districts at a time"
        )
    return found[0] if found else ""
