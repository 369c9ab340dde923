"""The evaluation as a report: Markdown, or one self-contained HTML page (inline CSS and SVG).

The content is laid out once (`report`: sections of text, lists, tables and charts, from
`homeroom.signals.evaluation_content`), then written as Markdown here or as HTML through the
Jinja2 template `templates/evaluation.html`, autoescaped like every page. Charts are drawn the
way every report draws them (`homeroom.signals.evaluation_charts`) and left out of Markdown.
Only aggregates: no student appears in either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import jinja2

from homeroom.reports import labels
from homeroom.reports.chart_data import Chart
from homeroom.reports.palette import INK, MUTED, RULE
from homeroom.reports.templating import package_environment
from homeroom.signals import evaluation_capacity as cap
from homeroom.signals import evaluation_content as c
from homeroom.signals.evaluation import Evaluation
from homeroom.signals.evaluation_charts import MODEL_COLOR, STRATEGY_COLORS, Bar, share_bars
from homeroom.signals.evaluation_tables import RECALL_GOAL


@dataclass(frozen=True)
class Part:
    """One piece of a section, in reading order."""

    kind: Literal["text", "heading", "list", "table", "chart"]
    text: str = ""
    items: tuple[str, ...] = ()
    head: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    numeric_from: int = 1  # table columns from this one hold figures (right-aligned)
    chart: Chart | None = None


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    parts: tuple[Part, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Report:
    title: str
    meta: str
    sections: tuple[Section, ...]


def _text(text: str) -> Part:
    return Part("text", text=text)


def _heading(text: str) -> Part:
    return Part("heading", text=text)


def _list(items: list[str]) -> Part:
    return Part("list", items=tuple(items))


def _table(rows: c.Rows, numeric_from: int = 1) -> Part:
    head, body = rows
    return Part(
        "table", head=tuple(head), rows=tuple(tuple(r) for r in body), numeric_from=numeric_from
    )


def _chart(chart: Chart | None) -> tuple[Part, ...]:
    return () if chart is None else (Part("chart", chart=chart),)


def report(ev: Evaluation, *, charts: bool = True) -> Report:
    """The report's content in reading order (`charts=False`: without drawing them)."""
    year = labels.school_year(ev.test_year)
    drawn = _charts(ev) if charts else {}
    head_lines = c.headline(ev)
    sections = (
        Section(
            "lead-time",
            "Lead time: how much earlier each strategy flagged the students who ended the year "
            "chronically absent",
            (
                _text("The strategies, each run on the first of each month:"),
                _list(c.strategy_lines(ev)),
                _text(head_lines[0]),
                _list([line.removeprefix("- ") for line in head_lines[1:]]),
                *_chart(drawn.get("before")),
                _table(c.strategy_rows(ev)),
                _heading(
                    "When each strategy first flagged them, against the day they crossed the line"
                ),
                _table(c.lead_rows(ev)),
            ),
        ),
        Section(
            "capacity",
            f"At capacity: the students each strategy flags on a check date "
            f"({c.capacity_words(ev.capacity)})",
            (_text(cap.CHECK_NOTE), _table(cap.check_lead_rows(ev), numeric_from=2)),
        ),
        Section(
            "dates",
            "Each check date",
            (
                *_chart(drawn.get("auc")),
                _table(c.date_rows(ev)),
                _table(c.date_strategy_rows(ev)),
            ),
        ),
        Section(
            "calibration",
            "Calibration (all check dates together)",
            (*_chart(drawn.get("calibration")), _table(c.reliability_rows(ev))),
        ),
        _groups_section(ev, drawn),
        Section("model", "The model", tuple(_text(line) for line in c.model_lines(ev))),
        Section("caveats", "What these figures do and do not show", (_list(c.CAVEATS),)),
    )
    meta = (
        f"Definition {ev.definition.name} {ev.definition.version}; trained on "
        f"{', '.join(labels.school_year(y) for y in ev.train_years)}; tested on {year}; checks "
        f"on the first of each month; capacity k = {c.capacity_words(ev.capacity)} enrolled; "
        f"cut = {ev.cut:.0%}."
    )
    return Report(f"Early-warning evaluation: {year}", meta, sections)


def _groups_section(ev: Evaluation, drawn: dict[str, Chart]) -> Section:
    return Section(
        "groups",
        "By student group (all check dates together)",
        (
            _text(c.GROUP_NOTE),
            *_chart(drawn.get("recall")),
            _table(c.group_rows(ev)),
            _heading(f"Recall spread across groups (goal: within {RECALL_GOAL * 100:.0f} points)"),
            _table(c.spread_rows(ev), numeric_from=2),
            _heading("Recall gaps at each check, at capacity"),
            *(_text(line) for line in cap.gap_lines(ev)),
            _table(cap.gap_rows(ev), numeric_from=2),
            _heading("A group-blind change: the queue at a larger capacity"),
            _table(cap.alternative_rows(ev)),
        ),
    )


def _charts(ev: Evaluation) -> dict[str, Chart]:
    """The page's four charts by where they go (a chart with nothing to draw is left out)."""
    wanted = {
        "before": (
            "flagged-before",
            "Share of the students who ended chronically absent flagged before they crossed "
            "the line",
            _before_bars(ev),
            "Flagged before crossing",
        ),
        "auc": (
            "auc-by-date",
            "The model's AUC at each check (1 is a perfect ranking, 0.5 a coin toss)",
            _auc_bars(ev),
            "AUC",
        ),
        "calibration": (
            "calibration",
            "Share that ended chronically absent, by the model's chance (a calibrated model's "
            "bars end near the chance)",
            _calibration_bars(ev),
            "Ended chronically absent",
        ),
        "recall": (
            "recall-by-group",
            f"Recall of the model at a chance of {ev.cut:.0%} or more, by student group",
            _recall_bars(ev),
            "Recall",
        ),
    }
    return {
        key: share_bars(chart_id, title, bars, what=what)
        for key, (chart_id, title, bars, what) in wanted.items()
        if bars
    }


def _share(value: float) -> float | None:
    return None if labels.is_missing(value) else value


def _before_bars(ev: Evaluation) -> list[Bar]:
    return [
        Bar(
            c.strategy_name(ev, r.strategy),
            _share(r.flagged_before_crossing),
            c.pct(r.flagged_before_crossing),
            STRATEGY_COLORS[r.strategy],
        )
        for r in ev.strategies().itertuples()
    ]


def _auc_bars(ev: Evaluation) -> list[Bar]:
    return [
        Bar(c.date_words(r["as_of"]), r["auc"], c.num(r["auc"]), MODEL_COLOR)
        for r in ev.by_date().to_dict(orient="records")
        if not labels.is_missing(r["auc"])
    ]


def _calibration_bars(ev: Evaluation) -> list[Bar]:
    return [
        Bar(
            f"chance {r.chance}",
            _share(r.ended_chronic),
            f"{c.pct(r.ended_chronic)} (mean chance {c.pct(r.mean_chance)})",
            MODEL_COLOR,
        )
        for r in ev.reliability().itertuples()
    ]


def _recall_bars(ev: Evaluation) -> list[Bar]:
    groups = ev.groups()
    shown = groups[~groups["suppressed"]] if len(groups) else groups
    return [
        Bar(
            f"{labels.column_label(r['group'])}: {labels.group_label(r['group'], r['value'])}",
            r["model_cut_recall"],
            c.pct(r["model_cut_recall"]),
            STRATEGY_COLORS["model_cut"],
        )
        for r in shown.to_dict(orient="records")
    ]


# -- Markdown --------------------------------------------------------------------------------------
def _md_table(part: Part) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in part.head) + " |", "|" + " --- |" * len(part.head)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in part.rows]
    return "\n".join(lines)


def _md_part(part: Part) -> list[str]:
    if part.kind == "text":
        return [part.text, ""]
    if part.kind == "heading":
        return [f"### {part.text}", ""]
    if part.kind == "list":
        return [*(f"- {item}" for item in part.items), ""]
    if part.kind == "table":
        return [_md_table(part), ""]
    return []  # charts are for the page; their numbers are in the tables


def render_markdown(ev: Evaluation) -> str:
    content = report(ev, charts=False)
    lines = [f"# {content.title}", "", content.meta, ""]
    for section in content.sections:
        lines += [f"## {section.title}", ""]
        for part in section.parts:
            lines += _md_part(part)
    return "\n".join(lines)


# -- HTML -----------------------------------------------------------------------------------------
def _environment() -> jinja2.Environment:
    return package_environment("homeroom.signals")


def render_html(ev: Evaluation) -> str:
    colors = {"ink": INK, "muted": MUTED, "rule": RULE}
    page = _environment().get_template("evaluation.html")
    return page.render(report=report(ev), colors=colors)


def render(ev: Evaluation, suffix: str) -> str:
    """The report for a file name's suffix: .html, .md or .json."""
    if suffix.lower() in (".html", ".htm"):
        return render_html(ev)
    if suffix.lower() in (".md", ".markdown"):
        return render_markdown(ev)
    if suffix.lower() == ".json":
        from homeroom.signals.evaluation_json import render_json

        return render_json(ev)
    raise ValueError(f"the report is written as .html, .md or .json; got {suffix!r}")
