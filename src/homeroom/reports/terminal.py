"""The district summary in the terminal (rich): headline, tiers, schools, gaps, grades, years.

Every name from the data goes through `Text`, never markup, so a school called "[bold]" prints
as itself. Colours repeat what the words say; nothing is told by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from homeroom.formats import date_text
from homeroom.reports import labels
from homeroom.reports.groups import COMPLEMENTARY, GroupRate, GroupTable
from homeroom.reports.summary import LevelCount, Summary, UnitRow, rate_level

LEVEL_STYLES = {
    "low": "green",
    "modest": "chartreuse3",
    "significant": "yellow3",
    "high": "dark_orange3",
    "extreme": "bold red3",
}
TIER_STYLES = {
    "satisfactory": "green",
    "at_risk": "yellow3",
    "moderate_chronic": "dark_orange3",
    "severe_chronic": "red3",
}
TABLE_ROWS = 25  # more schools than this: the highest rates, and a pointer to the HTML report
BAR_WIDTH = 40
TIER_BAR_WIDTH = 60


def render_terminal(summary: Summary, console: Console) -> None:
    """Print the summary, section by section, in reading order."""
    console.rule(Text(summary.title, style="bold"))
    console.print(_definition_line(summary))
    console.print(_headline(summary))
    console.print(_tiers(summary))
    if summary.districts:
        _units(console, summary, "District", summary.district_levels, summary.districts)
    _units(console, summary, "School", summary.school_levels, summary.schools)
    _gaps(console, summary)
    if summary.grades is not None:
        _grades(console, summary, summary.grades)
    if len(summary.years) > 1:
        _years(console, summary)
    _footer(console, summary)


def _definition_line(summary: Summary) -> Text:
    d = summary.definition
    text = Text(f"{summary.school_year_label}", style="bold")
    if summary.as_of is not None:
        text.append(f", through {date_text(summary.as_of)}")
    text.append(f" · definition {d.name} (version {d.version})")
    text.append(f" · chronically absent: {d.threshold_label}", style="dim")
    return text


def _headline(summary: Summary) -> Panel:
    h = summary.headline
    big = Text(labels.percent(h.chronic_absence_rate, summary.definition.level_cuts), style="bold")
    big.append(" chronically absent", style="bold")
    big.append(
        f"  {labels.count(h.chronically_absent_count)} of "
        f"{labels.count(h.students_eligible)} eligible students"
        f" ({labels.count(h.students_enrolled)} enrolled)"
    )
    lines = [big, Text(summary.ada_line)]
    details = Text()
    if h.change_line:
        details.append(h.change_line + ". ")
    details.append(f"{summary.unit_kind.capitalize()} level: ")
    details.append(labels.level_label(h.level), style=LEVEL_STYLES.get(h.level or "", ""))
    lines.append(details)
    return Panel(Group(*lines), title=Text(summary.unit_name), title_align="left")


def _tiers(summary: Summary) -> Panel:
    bar, drawn, running = Text(), 0, 0.0
    for tier in summary.tiers:
        # Round the running total, not each share, so the bar is always the same length.
        running += tier.share or 0
        width = round(running * TIER_BAR_WIDTH) - drawn
        bar.append("█" * width, style=TIER_STYLES[tier.tier])
        drawn += width
    table = Table(box=None, show_header=True, pad_edge=False)
    table.add_column("Tier")
    table.add_column("Students", justify="right")
    table.add_column("Share of eligible", justify="right")
    for tier in summary.tiers:
        table.add_row(
            Text("■ ", style=TIER_STYLES[tier.tier]) + Text(tier.label),
            labels.count(tier.count),
            labels.percent(tier.share),
        )
    return Panel(Group(bar, table), title="Students by tier", title_align="left")


def _level_line(counts: Sequence[LevelCount], noun: str) -> Text:
    text = Text(f"{noun}s by level: ", style="bold")
    for i, level in enumerate(counts):
        if i:
            text.append(" · ")
        text.append(f"{level.label} {level.count}", style=LEVEL_STYLES.get(level.level or "", ""))
    return text


def _units(
    console: Console,
    summary: Summary,
    noun: str,
    counts: Sequence[LevelCount],
    rows: Sequence[UnitRow],
) -> None:
    console.print()
    console.print(_level_line(counts, noun))
    with_district = any(r.district_name for r in rows)
    with_change = any(r.change is not None for r in rows)  # no column of dashes in a first year
    table = Table(title=f"{noun}s, highest chronic absence first", title_justify="left")
    table.add_column(noun)
    if with_district:
        table.add_column("District")
    for name in ("Students eligible", "Chronic rate", "ADA"):
        table.add_column(name, justify="right")
    table.add_column("Level")
    if with_change:
        table.add_column("Change", justify="right")
    for row in rows[:TABLE_ROWS]:
        cells: list[Text | str] = [Text(row.name)]
        if with_district:
            cells.append(Text(row.district_name or ""))
        if row.suppressed:
            cells += [Text(summary.suppressed_text, style="italic"), "", "", ""]
        else:
            cells += [
                labels.count(row.students_eligible),
                labels.percent(row.chronic_absence_rate, summary.definition.level_cuts),
                labels.percent(row.ada),
                Text(labels.level_label(row.level), style=LEVEL_STYLES.get(row.level or "", "")),
            ]
        if with_change:
            cells.append("" if row.suppressed else labels.points(row.change))
        table.add_row(*cells)
    console.print(table)
    if len(rows) > TABLE_ROWS:
        console.print(
            f"… and {len(rows) - TABLE_ROWS:,} more {noun.lower()}s (the HTML report lists all)"
        )


def _gaps(console: Console, summary: Summary) -> None:
    console.print()
    console.print(Text("Largest gaps between groups", style="bold"))
    if not summary.gaps:
        console.print(Text("No two groups large enough to compare.", style="italic"))
    for i, gap in enumerate(summary.gaps, 1):
        line = Text(f"{i}. {gap.sentence} ")
        line.append(f"({abs(gap.difference) * 100:.1f} points)", style="dim")
        console.print(line)
    table = Table(title="Chronic absence by student group", title_justify="left")
    table.add_column("Group")
    table.add_column("Students eligible", justify="right")
    table.add_column("Chronic rate", justify="right")
    for group_table in summary.groups:
        if group_table.column == "grade_level":
            continue  # the grade chart below shows grades
        table.add_row(Text(group_table.label, style="bold"), "", "")
        for group in group_table.groups:
            table.add_row(Text("  " + group.label), *_group_cells(group, summary))
    console.print(table)


def _group_cells(group: GroupRate, summary: Summary) -> tuple[Text | str, Text | str]:
    if group.suppression == COMPLEMENTARY:
        return Text("suppressed to protect a small group", style="italic"), ""
    if group.suppressed:
        return Text(summary.suppressed_text, style="italic"), ""
    return labels.count(group.students_eligible), labels.percent(group.chronic_absence_rate)


def _grades(console: Console, summary: Summary, grades: GroupTable) -> None:
    console.print()
    console.print(Text("Chronic absence by grade", style="bold"))
    top = max((g.chronic_absence_rate or 0 for g in grades.groups), default=0) or 1
    width = max((len(g.label) for g in grades.groups), default=5)
    for group in grades.groups:
        line = Text(f"{group.label:>{width}} ")
        if group.suppressed or group.chronic_absence_rate is None:
            line.append(_group_cells(group, summary)[0])
        else:
            level = rate_level(group.chronic_absence_rate, summary.definition) or ""
            line.append(
                "█" * max(1, round(group.chronic_absence_rate / top * BAR_WIDTH)),
                style=LEVEL_STYLES.get(level, ""),
            )
            line.append(
                f" {labels.percent(group.chronic_absence_rate, summary.definition.level_cuts)}"
            )
        console.print(line)


def _years(console: Console, summary: Summary) -> None:
    console.print()
    table = Table(title="Year over year", title_justify="left")
    for name, justify in (
        ("School year", "left"),
        ("Students eligible", "right"),
        ("Chronic rate", "right"),
        ("ADA", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for year in summary.years:
        table.add_row(
            year.label,
            labels.count(year.students_eligible),
            labels.percent(year.chronic_absence_rate),
            labels.percent(year.ada),
        )
    console.print(table)


def _footer(console: Console, summary: Summary) -> None:
    console.print()
    console.print(
        Text(
            f"Groups and schools with fewer than {summary.minimum_group_size} eligible students "
            "are not shown (suppressed), nor is any number that would reveal them. "
            "Aggregates only: no student-level data.",
            style="dim",
        )
    )
    for note in summary.notes:
        console.print(Text(f"Note: {note}", style="dim"))
