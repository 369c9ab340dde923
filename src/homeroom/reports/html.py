"""The district summary as one self-contained HTML file: inline CSS and SVG, no scripts, no URLs.

The markup is also well-formed XML (void elements closed, only XML's own entities), so it can be
checked with any parser. Every piece of text from the data goes through `_e` (html.escape).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from html import escape
from importlib import resources
from string import Template

from homeroom.reports import labels, svg
from homeroom.reports.groups import COMPLEMENTARY, GroupRate, GroupTable
from homeroom.reports.summary import LevelCount, Summary, UnitRow, rate_level

SUPPRESSED_FOR_OTHERS = "suppressed to protect a small group"
HTML_ROWS = 500  # a state's schools: the highest rates, so the file stays printable


def render_html(summary: Summary) -> str:
    """The whole report as one HTML document."""
    sections = [
        _headline(summary),
        _tiers(summary),
        _units(summary, "district", summary.district_levels, summary.districts),
        _units(summary, "school", summary.school_levels, summary.schools),
        _gaps(summary),
        _grades(summary),
        _years(summary),
        _definition(summary),
    ]
    return _template("report.html").substitute(
        title=_e(summary.title),
        css=_text("report.css"),
        meta=_meta(summary),
        sections="\n".join(s for s in sections if s),
        footer=_footer(summary),
    )


@cache
def _text(name: str) -> str:
    return (resources.files("homeroom.reports") / "templates" / name).read_text(encoding="utf-8")


def _template(name: str) -> Template:
    return Template(_text(name))


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _meta(summary: Summary) -> str:
    d = summary.definition
    through = f", through {summary.as_of.isoformat()}" if summary.as_of else ""
    return (
        f"School year {_e(summary.school_year_label)}{_e(through)} · "
        f"definition <strong>{_e(d.name)}</strong> (version {_e(d.version)}) · "
        f"chronically absent: {_e(d.threshold_label)}"
    )


def _level_badge(level: str | None) -> str:
    css = f"level-{level}" if level in svg.LEVEL_COLORS else "level-none"
    return f'<span class="level {css}">{_e(labels.level_label(level))}</span>'


def _section(section_id: str, heading: str, body: str) -> str:
    return f'<section id="{section_id}">\n<h2>{_e(heading)}</h2>\n{body}\n</section>'


def _headline(summary: Summary) -> str:
    h = summary.headline
    figures = [
        _figure(labels.percent(h.chronic_absence_rate), "chronically absent", big=True),
        _figure(labels.count(h.chronically_absent_count), "students chronically absent"),
        _figure(labels.count(h.students_eligible), "eligible students"),
        _figure(labels.percent(h.ada), "average daily attendance (ADA)"),
    ]
    change = f"<p>{_e(h.change_line)}.</p>" if h.change_line else ""
    body = (
        f'<div class="headline">{"".join(figures)}</div>\n'
        f'<p class="ada-line">{_e(summary.ada_line)}</p>\n{change}\n'
        f"<p>{_e(summary.unit_kind.capitalize())} level: {_level_badge(h.level)} · "
        f"{_e(labels.count(h.students_enrolled))} students enrolled</p>\n"
        '<p class="hint">ADA averages days, so a high ADA can hide many students who each miss '
        "a lot of school; the chronic absence rate counts those students.</p>"
    )
    return _section("headline", f"{summary.unit_name}, {summary.school_year_label}", body)


def _figure(value: str, what: str, *, big: bool = False) -> str:
    size = "big" if big else "small"
    return (
        f'<div class="figure"><span class="{size}">{_e(value)}</span>'
        f'<span class="what">{_e(what)}</span></div>'
    )


def _tiers(summary: Summary) -> str:
    segments = [
        svg.Segment(
            label=t.label,
            share=t.share or 0.0,
            text=f"{t.label}: {labels.count(t.count)} students ({labels.percent(t.share)})",
            color=svg.TIER_COLORS[t.tier],
        )
        for t in summary.tiers
    ]
    title = f"Eligible students by tier, {summary.school_year_label}"
    cuts = ", ".join(
        f"{label} from {float(cut) * 100:g}%"
        for label, cut in zip(
            (t.label.lower() for t in summary.tiers[1:]), summary.definition.tier_cuts, strict=True
        )
    )
    body = (
        svg.stacked_bar("tiers-chart", title, segments)
        + f'\n<p class="hint">Each student\'s share of days absent: {_e(cuts)}; '
        "satisfactory below that.</p>"
    )
    return _section("tiers", "Students by tier", body)


def _units(
    summary: Summary, noun: str, counts: Sequence[LevelCount], rows: Sequence[UnitRow]
) -> str:
    if not rows:
        return ""  # a district summary has no district table
    plural = f"{noun}s"
    items = "".join(f"<li><strong>{c.count:,}</strong>{_level_badge(c.level)}</li>" for c in counts)
    with_district = any(r.district_name for r in rows)
    with_change = any(r.change is not None for r in rows)  # no column of dashes in a first year
    head = [noun.capitalize(), *(["District"] if with_district else [])]
    numeric = ["Students eligible", "Chronic rate", "ADA"]
    header = "".join(f"<th>{_e(h)}</th>" for h in head)
    header += "".join(f'<th class="num">{_e(h)}</th>' for h in numeric)
    header += "<th>Level</th>"
    header += '<th class="num">Change from prior year</th>' if with_change else ""
    lines = [_unit_line(summary, row, with_district, with_change) for row in rows[:HTML_ROWS]]
    more = ""
    if len(rows) > HTML_ROWS:
        more = (
            f'\n<p class="hint">The {HTML_ROWS:,} highest of {len(rows):,} {plural}; '
            f"<code>homeroom metrics --level {noun}</code> lists them all.</p>"
        )
    body = (
        f'<ul class="levels" aria-label="{_e(plural)} by level">{items}</ul>\n'
        f'<table>\n<caption class="hint">{_e(plural.capitalize())}, highest chronic absence '
        f"first</caption>\n<thead><tr>{header}</tr></thead>\n<tbody>\n"
        + "\n".join(lines)
        + f"\n</tbody>\n</table>{more}"
    )
    return _section(plural, f"{plural.capitalize()} by level", body)


def _unit_line(summary: Summary, row: UnitRow, with_district: bool, with_change: bool) -> str:
    cells = [f"<td>{_e(row.name)}</td>"]
    if with_district:
        cells.append(f"<td>{_e(row.district_name or '')}</td>")
    if row.suppressed:
        span = 5 if with_change else 4
        text = _e(summary.suppressed_text)
        cells.append(f'<td class="suppressed" colspan="{span}">{text}</td>')
    else:
        cells += [
            f'<td class="num">{_e(labels.count(row.students_eligible))}</td>',
            f'<td class="num">{_e(labels.percent(row.chronic_absence_rate))}</td>',
            f'<td class="num">{_e(labels.percent(row.ada))}</td>',
            f"<td>{_level_badge(row.level)}</td>",
        ]
        if with_change:
            cells.append(f'<td class="num">{_e(labels.points(row.change))}</td>')
    return f"<tr>{''.join(cells)}</tr>"


def _gaps(summary: Summary) -> str:
    if summary.gaps:
        items = "".join(
            f'<li>{_e(g.sentence)} <span class="points">'
            f"({abs(g.difference) * 100:.1f} points)</span></li>"
            for g in summary.gaps
        )
        ranked = f'<ol class="gaps">{items}</ol>'
    else:
        ranked = "<p>No two groups are large enough to compare.</p>"
    hint = (
        '<p class="hint">For yes/no groups (homelessness, disability, …) the group is compared '
        "with the other students; otherwise the highest-rate group with the lowest.</p>"
    )
    shown = [t for t in summary.groups if t.column != "grade_level"]  # grades: own chart
    with_change = any(g.change is not None for t in shown for g in t.groups)
    tables = [_group_table(summary, t, with_change) for t in shown]
    body = ranked + "\n" + hint
    if tables:
        change = '<th class="num">Change from prior year</th>' if with_change else ""
        body += (
            "\n<h3>Chronic absence by student group</h3>\n<table>\n<thead><tr><th>Group</th>"
            f'<th class="num">Students eligible</th><th class="num">Chronic rate</th>{change}'
            "</tr></thead>\n" + "\n".join(tables) + "\n</table>"
        )
    return _section("gaps", "Largest gaps between groups", body)


def _group_table(summary: Summary, table: GroupTable, with_change: bool) -> str:
    span = 3 if with_change else 2
    rows = [f'<tbody><tr class="column-label"><th colspan="{span + 1}">{_e(table.label)}</th></tr>']
    for group in table.groups:
        if group.suppressed:
            why = SUPPRESSED_FOR_OTHERS if group.suppression == COMPLEMENTARY else None
            text = _e(why or summary.suppressed_text)
            cells = f'<td class="suppressed" colspan="{span}">{text}</td>'
        else:
            cells = (
                f'<td class="num">{_e(labels.count(group.students_eligible))}</td>'
                f'<td class="num">{_e(labels.percent(group.chronic_absence_rate))}</td>'
            )
            if with_change:
                cells += f'<td class="num">{_e(labels.points(group.change))}</td>'
        rows.append(f"<tr><td>{_e(group.label)}</td>{cells}</tr>")
    rows.append("</tbody>")
    return "\n".join(rows)


def _grades(summary: Summary) -> str:
    if summary.grades is None or not summary.grades.groups:
        return ""
    bars = [_group_bar(summary, g) for g in summary.grades.groups]
    title = f"Share of students chronically absent by grade, {summary.school_year_label}"
    rate = summary.headline.chronic_absence_rate
    reference = None if rate is None else (rate, f"{summary.unit_kind} {labels.percent(rate)}")
    body = svg.bar_chart("grades-chart", title, bars, reference=reference) + (
        '\n<p class="hint">Bar colours follow the school levels (green low to dark red '
        "extreme); the number beside each bar is the rate; the dashed line is the "
        f"{_e(summary.unit_kind)} as a whole.</p>"
    )
    return _section("grades", "By grade", body)


def _group_bar(summary: Summary, group: GroupRate) -> svg.Bar:
    if group.suppressed or group.chronic_absence_rate is None:
        why = SUPPRESSED_FOR_OTHERS if group.suppression == COMPLEMENTARY else None
        return svg.Bar(group.label, None, why or summary.suppressed_text)
    level = rate_level(group.chronic_absence_rate, summary.definition)
    return svg.Bar(
        group.label,
        group.chronic_absence_rate,
        labels.percent(group.chronic_absence_rate),
        svg.LEVEL_COLORS.get(level or "", svg.NEUTRAL),
    )


def _years(summary: Summary) -> str:
    if len(summary.years) < 2:
        return ""
    bars = []
    for year in summary.years:
        rate = year.chronic_absence_rate
        color = svg.LEVEL_COLORS.get(rate_level(rate, summary.definition) or "", svg.NEUTRAL)
        text = f"{labels.percent(rate)} (ADA {labels.percent(year.ada)})"
        bars.append(svg.Bar(year.label, rate, text, color))
    title = f"{summary.unit_name}: share of students chronically absent by school year"
    return _section("years", "Year over year", svg.bar_chart("years-chart", title, bars))


def _definition(summary: Summary) -> str:
    rows = "".join(
        f"<dt>{_e(key.capitalize())}</dt><dd>{_e(value)}</dd>"
        for key, value in summary.definition.summary_rows()
    )
    d = summary.definition
    about = f"<p>{_e(d.description)}</p>" if d.description else ""
    source = f'<p class="hint">Source: {_e(d.source)}</p>' if d.source else ""
    body = f'{about}\n<dl class="definition">{rows}</dl>\n{source}'
    return _section("definition", "How these numbers are counted", body)


def _footer(summary: Summary) -> str:
    counting = (
        "District and state numbers count each student once; school numbers count a student "
        "who moved in each school attended, so schools do not add up to the district."
    )
    parts = [
        f'<p class="note">Groups and schools with fewer than {summary.minimum_group_size} '
        "eligible students are suppressed, together with any number that would reveal them. "
        "This report holds aggregates only: no student-level data.</p>",
        f'<p class="note">{_e(counting)}</p>',
        *(f'<p class="note">Note: {_e(note)}</p>' for note in summary.notes),
    ]
    return "\n".join(parts)
