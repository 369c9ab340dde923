"""What each page of the site shows, as plain data: rows of published cells, in words.

Every number comes from the suppressed cells (`publish.cells`); a suppressed cell shows `*` and
says why. Nothing here computes a rate: the text is the metrics' numbers, formatted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from homeroom.definitions import Definition
from homeroom.publish.cells import ALL, HIDDEN, SiteCells
from homeroom.publish.chart import Chart, bar_chart
from homeroom.reports import labels


@dataclass(frozen=True)
class Row:
    """One published cell as a table row; `rate` is None when suppressed or not computed."""

    label: str
    href: str | None
    eligible: str
    absent: str
    rate_text: str
    rate: float | None
    ada: str
    level: str
    suppressed: bool


@dataclass(frozen=True)
class GroupTable:
    column: str
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Unit:
    """A state, district or school page."""

    kind: str  # state, district or school
    unit_id: str
    name: str
    file: str  # path from the site's root, e.g. schools/D01-E01.html
    parent: tuple[tuple[str, str], ...]  # (name, file) of the pages above, state first
    headline: Row
    trend: tuple[Row, ...]
    trend_chart: Chart
    units: tuple[Row, ...]  # a state's districts, a district's schools; none for a school
    groups: tuple[GroupTable, ...]
    grades: GroupTable | None
    grades_chart: Chart | None


class Formatter:
    """Published text to page text, with the definition's level cut points."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition

    def row(self, cell: Mapping[str, object], label: str, href: str | None = None) -> Row:
        if bool(cell["suppressed"]):
            return Row(label, href, HIDDEN, HIDDEN, HIDDEN, None, HIDDEN, "", True)
        rate_text = str(cell["chronic_absence_rate"])
        rate = float(rate_text) if rate_text else None
        level = cell["school_level"]
        cuts = self.definition.level_cuts if not labels.is_missing(level) else ()
        return Row(
            label=label,
            href=href,
            eligible=labels.count(int(str(cell["students_eligible"]))),
            absent=labels.count(int(str(cell["chronically_absent_count"]))),
            rate_text=labels.percent(rate, cuts),
            rate=rate,
            ada=labels.percent(_number(cell["ada"])),
            level=labels.level_label(level) if rate is not None else "",
            suppressed=False,
        )


def unit_page(
    kind: str,
    keys: tuple[str, str],
    site: SiteCells,
    fmt: Formatter,
    names: Mapping[str, str],
    files: Mapping[tuple[str, str, str], str],
    parent: tuple[tuple[str, str], ...],
) -> Unit:
    """The page of one unit (district_id, school_id keys; "" above the school)."""
    latest = _of_unit(site.latest, kind, keys)
    headline = fmt.row(_all_cell(latest), "All students")
    trend = tuple(
        fmt.row(_all_cell(rows), labels.school_year(year))
        for year in site.years
        if (rows := _of_unit(site.published[year], kind, keys))
    )
    groups = _group_tables(latest, fmt)
    grades = next((g for g in groups if g.column == "grade_level"), None)
    name = _unit_name(kind, keys, site.state_id, names)
    return Unit(
        kind=kind,
        unit_id=keys[1] or keys[0] or site.state_id,
        name=name,
        file=files[(kind, *keys)],
        parent=parent,
        headline=headline,
        trend=trend,
        trend_chart=bar_chart(f"Chronic absence rate by school year, {name}", trend),
        units=_child_rows(kind, keys, site.latest, fmt, names, files),
        groups=tuple(g for g in groups if g.column != "grade_level"),
        grades=grades,
        grades_chart=bar_chart(f"Chronic absence rate by grade, {name}", grades.rows)
        if grades
        else None,
    )


def unit_name(kind: str, unit_id: str, names: Mapping[str, str]) -> str:
    if kind == "state":
        return names.get(unit_id) or (f"State {unit_id}" if unit_id else "All districts")
    return names.get(unit_id, unit_id)


def _unit_name(kind: str, keys: tuple[str, str], state: str, names: Mapping[str, str]) -> str:
    return unit_name(kind, {"state": state, "district": keys[0], "school": keys[1]}[kind], names)


Record = dict[str, object]
UnitKey = tuple[str, str, str]  # level, district_id, school_id ("" above the level)
# Each year's frame turned into records once and indexed by unit: a state has ~11,000 pages,
# and filtering the whole frame for each made publishing quadratic in the schools.
_INDEX: dict[int, tuple[pd.DataFrame, dict[UnitKey, list[Record]]]] = {}
_CHILDREN: dict[
    int, tuple[pd.DataFrame, dict[tuple[str, str], list[tuple[UnitKey, list[Record]]]]]
] = {}


def _unit_index(cells: pd.DataFrame) -> dict[UnitKey, list[Record]]:
    found = _INDEX.get(id(cells))
    if found is None or found[0] is not cells:
        index: dict[UnitKey, list[Record]] = {}
        for record in cells.to_dict("records"):
            key = (str(record["level"]), str(record["district_id"]), str(record["school_id"]))
            index.setdefault(key, []).append(record)
        if len(_INDEX) > 32:  # frames of finished sites
            _INDEX.clear()
        found = (cells, index)
        _INDEX[id(cells)] = found
    return found[1]


def _children(cells: pd.DataFrame) -> dict[tuple[str, str], list[tuple[UnitKey, list[Record]]]]:
    """Each unit's children, in the cells' order: ("district", "") the state's districts,
    ("school", district_id) a district's schools; built once (looking through every unit for
    each page made publishing quadratic again)."""
    found = _CHILDREN.get(id(cells))
    if found is None or found[0] is not cells:
        children: dict[tuple[str, str], list[tuple[UnitKey, list[Record]]]] = {}
        for key, records in _unit_index(cells).items():
            level, district, _school = key
            if level == "district":
                children.setdefault(("district", ""), []).append((key, records))
            elif level == "school":
                children.setdefault(("school", district), []).append((key, records))
        if len(_CHILDREN) > 32:
            _CHILDREN.clear()
        found = (cells, children)
        _CHILDREN[id(cells)] = found
    return found[1]


def _of_unit(cells: pd.DataFrame, kind: str, keys: tuple[str, str]) -> list[Record]:
    district = keys[0] if kind != "state" else ""
    school = keys[1] if kind == "school" else ""
    return _unit_index(cells).get((kind, district, school), [])


def _all_cell(rows: list[Record]) -> Mapping[str, object]:
    return next(r for r in rows if r["group_column"] == ALL)


def _group_tables(rows: list[Record], fmt: Formatter) -> list[GroupTable]:
    columns: dict[str, list[Record]] = {}
    for record in rows:
        if record["group_column"] != ALL:
            columns.setdefault(str(record["group_column"]), []).append(record)
    return [
        GroupTable(
            column,
            labels.column_label(column),
            tuple(
                fmt.row(cell, labels.group_label(column, _flag_or_text(cell["group_value"])))
                for cell in part
            ),
        )
        for column, part in columns.items()
    ]


def _child_rows(
    kind: str,
    keys: tuple[str, str],
    latest: pd.DataFrame,
    fmt: Formatter,
    names: Mapping[str, str],
    files: Mapping[tuple[str, str, str], str],
) -> tuple[Row, ...]:
    if kind == "school":
        return ()
    child = "district" if kind == "state" else "school"
    out = []
    for (_level, district, school), records in _children(latest).get((child, keys[0]), []):
        cell = _all_cell(records)
        name = unit_name(child, school or district, names)
        out.append(fmt.row(cell, name, files.get((child, district, school))))
    return tuple(out)


def _flag_or_text(value: object) -> object:
    """Published flags read "true"/"false"; the labels want a value they can read as a flag."""
    return None if value == "not_recorded" else value


def _number(value: object) -> float | None:
    return None if labels.is_missing(value) else float(value)  # type: ignore[arg-type]
