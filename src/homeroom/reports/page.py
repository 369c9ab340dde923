"""What the printable report's template prints: the page's figures, charts and tables, built
from a Summary. Every number is formatted here (formats.py: dates "5 March 2025", percentages
that never cross the cut point of the level or tier printed beside them); the template only
lays them out, autoescaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from homeroom.definitions import Definition
from homeroom.formats import date_text, percent_text
from homeroom.reports import charts, labels
from homeroom.reports.groups import COMPLEMENTARY, GroupRate, GroupTable
from homeroom.reports.summary import LevelCount, Summary, UnitRow, rate_level

CHART_ROWS = 40  # schools drawn as bars; more only in the table
SHORT_TABLE_ROWS = 12  # a table this short is never split across pages


@dataclass(frozen=True)
class Figure:
    value: str
    what: str


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = False
    muted: bool = False  # a suppressed or missing value, in grey italics
    span: int = 1


@dataclass(frozen=True)
class TableBlock:
    caption: str
    columns: tuple[tuple[str, bool], ...]  # (heading, numeric)
    groups: tuple[tuple[str | None, tuple[tuple[Cell, ...], ...]], ...]  # (group heading, rows)

    @property
    def short(self) -> bool:
        """Few enough rows to keep on one page: printed whole rather than split."""
        rows = sum(len(rows) + (label is not None) for label, rows in self.groups)
        return rows <= SHORT_TABLE_ROWS


def context(
    summary: Summary, trend: tuple[charts.MonthRate, ...], generated: dt.date
) -> dict[str, Any]:
    """Everything templates/print.html prints, by name."""
    h = summary.headline
    d = summary.definition
    noun = summary.unit_kind
    rate = h.chronic_absence_rate
    # The unit's rate is printed beside its level: it never rounds across a level's cut point.
    rate_text = percent_text(rate, d.level_cuts)
    reference = (
        charts.Reference(rate, f"{noun.capitalize()} {rate_text}") if rate is not None else None
    )
    tiers = charts.tier_chart(summary.tiers, chart_id="tiers-chart")
    dates = [p.as_of for p in trend if p.as_of is not None]
    through = summary.as_of or (max(dates) if dates else None)
    return {
        "s": summary,
        "h": h,
        "d": d,
        "title": f"Chronic absence in {summary.unit_name}, {summary.school_year_label}",
        "noun": noun,
        "missed": _missed(d),
        "through": date_text(through) if through else None,
        "generated": date_text(generated),
        "cover_figures": [
            Figure(rate_text, "of students chronically absent"),
            Figure(percent_text(h.ada), "average daily attendance (ADA)"),
        ],
        "figures": [
            Figure(rate_text, "chronically absent"),
            Figure(labels.count(h.chronically_absent_count), "students chronically absent"),
            Figure(labels.count(h.students_eligible), "eligible students"),
            Figure(percent_text(h.ada), "average daily attendance (ADA)"),
        ],
        "level": labels.level_label(h.level),
        "level_class": f"level-{h.level}" if h.level else "level-none",
        "tier_chart": _svg(tiers),
        "tier_table": _chart_table(tiers.table),
        "tier_cuts": _tier_cuts(summary),
        "districts": _units_block(summary, "district", summary.district_levels, summary.districts),
        "schools": _units_block(summary, "school", summary.school_levels, summary.schools),
        "school_bars": _school_bars(summary, reference),
        "gaps": summary.gaps,
        "group_charts": _group_charts(summary, reference),
        "group_table": _group_table(summary),
        "trend": _trend(summary, trend),
        "years": _years_table(summary),
        "definition_rows": d.summary_rows(),
        "notes": (*summary.notes, *_unrecorded_note(summary)),
    }


def _missed(definition: Definition) -> str:
    """What a chronically absent student did, in words: "missed 10% or more of their days"."""
    if definition.threshold_share is not None:
        return f"missed {float(definition.threshold_share * 100):g}% or more of their days"
    return f"missed {float(definition.threshold_days or 0):g} or more days"


def _svg(chart: charts.Chart) -> Markup:
    # The SVG was built and escaped by charts (ElementTree); it is markup, not text.
    return Markup(chart.svg)  # noqa: S704


def _chart_table(table: charts.Table) -> TableBlock:
    numeric = table.numeric or (False,) * len(table.columns)
    rows = tuple(tuple(Cell(v, n) for v, n in zip(row, numeric, strict=True)) for row in table.rows)
    return TableBlock(
        table.caption, tuple(zip(table.columns, numeric, strict=True)), ((None, rows),)
    )


def _tier_cuts(summary: Summary) -> str:
    cuts = ", ".join(
        f"{t.label.lower()} from {float(cut) * 100:g}%"
        for t, cut in zip(summary.tiers[1:], summary.definition.tier_cuts, strict=True)
    )
    return f"A student's tier comes from their share of days absent: {cuts}; satisfactory below."


def _units_block(
    summary: Summary, noun: str, counts: Sequence[LevelCount], rows: Sequence[UnitRow]
) -> dict[str, Any] | None:
    if not rows:
        return None
    plural = f"{noun}s"
    with_district = any(r.district_name for r in rows)
    with_change = any(r.change is not None for r in rows)
    columns = [(noun.capitalize(), False)]
    if with_district:
        columns.append(("District", False))
    columns += [("Eligible", True), ("Chronic rate", True), ("ADA", True), ("Level", False)]
    if with_change:
        columns.append(("Change from prior year", True))
    lines = []
    for r in rows:
        cells = [Cell(r.name)]
        if with_district:
            cells.append(Cell(r.district_name or ""))
        if r.suppressed:
            cells.append(Cell(summary.suppressed_text, muted=True, span=len(columns) - len(cells)))
        else:
            cells += [
                Cell(labels.count(r.students_eligible), True),
                Cell(percent_text(r.chronic_absence_rate, summary.definition.level_cuts), True),
                Cell(percent_text(r.ada), True),
                Cell(labels.level_label(r.level)),
            ]
            if with_change:
                cells.append(Cell(labels.points(r.change), True))
        lines.append(tuple(cells))
    chart = charts.level_chart(counts, noun=plural, chart_id=f"{noun}-levels-chart")
    return {
        "noun": noun,
        "plural": plural,
        "chart": _svg(chart),
        "desc": chart.desc,
        "table": TableBlock(
            f"{plural.capitalize()}, highest chronic absence first",
            tuple(columns),
            ((None, tuple(lines)),),
        ),
    }


def _school_bars(summary: Summary, reference: charts.Reference | None) -> Markup | None:
    rows = summary.schools
    if not rows or len(rows) > CHART_ROWS:
        return None
    chart = charts.rate_bars(
        charts.unit_rate_rows(rows, summary.suppressed_text),
        title=f"Share of students chronically absent by school, {summary.school_year_label}",
        reference=reference,
        unit_word="School",
        chart_id="schools-chart",
        cuts=summary.definition.level_cuts,
    )
    return _svg(chart)


def _group_charts(summary: Summary, reference: charts.Reference | None) -> list[dict[str, Any]]:
    """Bars for grades and for race and ethnicity: the two columns districts look at first."""
    wanted = {t.column: t for t in _recorded(summary)}
    out = []
    for column in ("grade_level", "race_ethnicity"):
        table = wanted.get(column)
        if table is None or not table.groups:
            continue
        title = (
            f"Share of students chronically absent by {table.label.lower()}, "
            f"{summary.school_year_label}"
        )
        chart = charts.rate_bars(
            _group_rows(table, summary),
            title=title,
            reference=reference,
            unit_word=table.label,
            chart_id=f"{column.replace('_', '-')}-chart",
            cuts=summary.definition.level_cuts,
        )
        out.append({"heading": f"By {table.label.lower()}", "chart": _svg(chart)})
    return out


def _recorded(summary: Summary) -> list[GroupTable]:
    """Group columns with a value recorded for someone (a column of blanks says nothing)."""
    return [t for t in summary.groups if any(g.recorded for g in t.groups)]


def _unrecorded_note(summary: Summary) -> tuple[str, ...]:
    blank = [t.label for t in summary.groups if not any(g.recorded for g in t.groups)]
    if not blank:
        return ()
    return (f"Not recorded for any student, so not shown by group: {', '.join(blank)}.",)


def _group_rows(table: GroupTable, summary: Summary) -> list[charts.RateRow]:
    rows = charts.group_rate_rows(table, summary.suppressed_text)
    return [
        charts.RateRow(r.label, r.rate, r.students, r.note, rate_level(r.rate, summary.definition))
        for r in rows
    ]


def _group_table(summary: Summary) -> TableBlock | None:
    tables = _recorded(summary)
    if not tables:
        return None
    with_change = any(g.change is not None for t in tables for g in t.groups)
    columns = [("Group", False), ("Eligible", True), ("Chronic rate", True)]
    if with_change:
        columns.append(("Change from prior year", True))
    groups = []
    for table in tables:
        rows = tuple(_group_line(summary, g, with_change) for g in table.groups)
        groups.append((table.label, rows))
    return TableBlock(
        f"Chronic absence by student group, {summary.school_year_label}",
        tuple(columns),
        tuple(groups),
    )


def _group_line(summary: Summary, group: GroupRate, with_change: bool) -> tuple[Cell, ...]:
    if group.suppressed:
        why = "suppressed to protect a small group" if group.suppression == COMPLEMENTARY else None
        span = 3 if with_change else 2
        return (Cell(group.label), Cell(why or summary.suppressed_text, muted=True, span=span))
    cells = [
        Cell(group.label),
        Cell(labels.count(group.students_eligible), True),
        Cell(percent_text(group.chronic_absence_rate), True),
    ]
    if with_change:
        cells.append(Cell(labels.points(group.change), True))
    return tuple(cells)


def _trend(summary: Summary, trend: tuple[charts.MonthRate, ...]) -> dict[str, Any] | None:
    if not any(p.rate is not None for p in trend):
        return None
    chart = charts.trend_chart(
        trend,
        current_year=summary.school_year,
        unit_name=summary.unit_name,
        chart_id="trend-chart",
        title=f"{summary.unit_name}: share of students chronically absent, year to date",
    )
    return {"chart": _svg(chart), "desc": chart.desc, "table": _chart_table(chart.table)}


def _years_table(summary: Summary) -> TableBlock | None:
    if len(summary.years) < 2:
        return None
    rows = []
    previous = None
    for y in summary.years:
        change = (
            labels.points(y.chronic_absence_rate - previous)
            if previous is not None and y.chronic_absence_rate is not None
            else "—"
        )
        rows.append(
            (
                Cell(y.label),
                Cell(labels.count(y.students_eligible), True),
                Cell(percent_text(y.chronic_absence_rate), True),
                Cell(change, True),
                Cell(percent_text(y.ada), True),
            )
        )
        previous = y.chronic_absence_rate
    return TableBlock(
        f"{summary.unit_name}, whole school years (the latest through the report's date)",
        (
            ("School year", False),
            ("Eligible", True),
            ("Chronic rate", True),
            ("Change", True),
            ("ADA", True),
        ),
        ((None, tuple(rows)),),
    )
