"""The evaluation as a report: Markdown, or one self-contained HTML file (inline CSS and SVG).

Only aggregates: no student appears in either. Group rows with fewer students than the
definition's minimum group size are shown as suppressed.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from importlib import resources

import pandas as pd

from homeroom.reports import labels, svg
from homeroom.signals.evaluation import (
    LEAD_BANDS,
    NOT_FLAGGED,
    RECALL_GOAL,
    STRATEGIES,
    Evaluation,
)
from homeroom.signals.features import FEATURES, PROTECTED

STRATEGY_COLORS = {
    "line": "#6b7280",
    "rules": "#1f6feb",
    "model_top_k": "#8250df",
    "model_cut": "#bf3989",
}


def strategy_label(ev: Evaluation, strategy: str) -> str:
    if strategy == "line":
        return f"Waiting for the line ({ev.definition.threshold_label} so far this year)"
    if strategy == "rules":
        return "The rules (any rule suggesting early or intensive support)"
    if strategy == "model_top_k":
        return f"The model: the {capacity_words(ev.capacity)} with the highest chance"
    if strategy == "model_cut":
        return f"The model: every student with a chance of {ev.cut:.0%} or more"
    raise KeyError(strategy)


def strategy_name(ev: Evaluation, strategy: str) -> str:
    """A few words for tables and charts; `strategy_label` says it in full."""
    return {
        "line": "Waiting for the line",
        "rules": "The rules",
        "model_top_k": f"Model: top {capacity_words(ev.capacity, short=True)}",
        "model_cut": f"Model: chance ≥ {ev.cut:.0%}",
    }[strategy]


def strategy_lines(ev: Evaluation) -> list[str]:
    what = {
        "line": "flag a student once they are chronically absent so far this year "
        f"({ev.definition.threshold_label}, once eligible) — what a district sees without early "
        "warning",
        "rules": "flag a student when any rule suggesting early or intensive support (tier 2 or "
        "3) fires (homeroom signals)",
        "model_top_k": f"flag the {capacity_words(ev.capacity)} enrolled with the highest chance "
        "(the district's capacity)",
        "model_cut": f"flag every student whose chance is {ev.cut:.0%} or more",
    }
    return [f"{strategy_name(ev, s)}: {what[s]}." for s in STRATEGIES]


def capacity_words(capacity: float, short: bool = False) -> str:
    if capacity >= 1:
        return f"{int(capacity):,}" if short else f"{int(capacity):,} students"
    return f"{capacity * 100:g}%" if short else f"{capacity * 100:g}% of students"


def _pct(value: float) -> str:
    return labels.percent(value)


def _num(value: float, digits: int = 3) -> str:
    if labels.is_missing(value):
        return "—"
    return f"{value:.{digits}f}"


def _days(value: float) -> str:
    if labels.is_missing(value):
        return "—"
    return f"{value:+.0f}" if value else "0"


def _date(value: dt.date) -> str:
    return pd.Timestamp(value).strftime("%-d %B %Y")


# -- the content, once, as (heading, paragraphs, tables) ----------------------------------------
def headline(ev: Evaluation) -> list[str]:
    summary = ev.strategies().set_index("strategy")
    chronic = int(summary["chronic_students"].iloc[0])
    year = labels.school_year(ev.test_year)
    lines = [
        f"Of the {chronic:,} students who ended {year} chronically absent (and were enrolled at "
        f"one of the {len(ev.dates)} checks, the first of each month from "
        f"{_date(ev.dates[0])} to {_date(ev.dates[-1])}):"
    ]
    line = summary.loc["line"]
    lines.append(
        f"- Waiting for the line, checked monthly, flagged {_pct(line['recall'])} of them, a "
        f"median of {abs(line['median_lead']):.0f} school days after they crossed it;"
        if not labels.is_missing(line["median_lead"])
        else "- Waiting for the line flagged none of them at a check;"
    )
    for strategy in ("rules", "model_cut", "model_top_k"):
        row = summary.loc[strategy]
        lines.append(
            f"- {strategy_name(ev, strategy)} flagged "
            f"{_pct(row['recall'])} of them, {_pct(row['flagged_before_crossing'])} before they "
            f"crossed the line (median lead {_days(row['median_lead'])} school days; "
            f"{_days(row['median_earlier_than_line'])} against waiting for the line), at a cost "
            f"of {int(row['false_alarms']):,} false alarms (students flagged who did not end "
            "the year chronically absent);"
        )
    lines[-1] = lines[-1].rstrip(";") + "."
    return lines


def strategy_rows(ev: Evaluation) -> tuple[list[str], list[list[str]]]:
    summary = ev.strategies()
    head = [
        "Strategy",
        "Students flagged",
        "Caught (ended chronic)",
        "False alarms",
        "Recall",
        "Precision",
        "Flagged before crossing",
        "Median lead (school days)",
        "Median vs waiting for the line",
    ]
    rows = [
        [
            strategy_name(ev, r.strategy),
            labels.count(r.students_flagged),
            labels.count(r.caught),
            labels.count(r.false_alarms),
            _pct(r.recall),
            _pct(r.precision),
            _pct(r.flagged_before_crossing),
            _days(r.median_lead),
            _days(r.median_earlier_than_line) if r.strategy != "line" else "—",
        ]
        for r in summary.itertuples()
    ]
    return head, rows


def lead_rows(ev: Evaluation) -> tuple[list[str], list[list[str]]]:
    frame = ev.lead_distribution()
    bands = [label for label, *_ in LEAD_BANDS] + [NOT_FLAGGED]
    head = ["Strategy", *(b[0].upper() + b[1:] for b in bands)]
    rows = []
    for r in frame.to_dict(orient="records"):
        total = sum(r[b] for b in bands) or 1
        rows.append(
            [strategy_name(ev, r["strategy"])] + [f"{r[b]:,} ({r[b] / total:.0%})" for b in bands]
        )
    return head, rows


def date_rows(ev: Evaluation) -> tuple[list[str], list[list[str]]]:
    """The model at each check: ranking, calibration, and the top k."""
    frame = ev.by_date()
    head = [
        "As of",
        "Students",
        "Ended chronic",
        "AUC",
        "Brier",
        "Brier of the base rate",
        "k",
        "Precision at k",
        "Recall at k",
    ]
    rows = [
        [
            _date(r["as_of"]),
            labels.count(r["students"]),
            _pct(r["ended_chronic"]),
            _num(r["auc"]),
            _num(r["brier"]),
            _num(r["brier_base_rate"]),
            labels.count(r["k"]),
            _pct(r["model_top_k_precision"]),
            _pct(r["model_top_k_recall"]),
        ]
        for r in frame.to_dict(orient="records")
    ]
    return head, rows


def date_strategy_rows(ev: Evaluation) -> tuple[list[str], list[list[str]]]:
    """Each strategy at each check: students flagged, precision and recall."""
    frame = ev.by_date()
    head = ["As of", *(f"{strategy_name(ev, s)}: flagged, precision, recall" for s in STRATEGIES)]
    rows = [
        [
            _date(r["as_of"]),
            *(
                f"{labels.count(r[f'{s}_flagged'])}, {_pct(r[f'{s}_precision'])}, "
                f"{_pct(r[f'{s}_recall'])}"
                for s in STRATEGIES
            ),
        ]
        for r in frame.to_dict(orient="records")
    ]
    return head, rows


def reliability_rows(ev: Evaluation) -> tuple[list[str], list[list[str]]]:
    frame = ev.reliability()
    head = ["Chance", "Student-dates", "Mean chance", "Ended chronically absent"]
    rows = [
        [r.chance, labels.count(r.students), _pct(r.mean_chance), _pct(r.ended_chronic)]
        for r in frame.itertuples()
    ]
    return head, rows


def group_rows(ev: Evaluation) -> tuple[list[str], list[list[str]]]:
    frame = ev.groups()
    head = [
        "Group",
        "Students",
        "Ended chronic",
        "AUC",
        "Brier",
        "Recall at a check: line",
        "rules",
        "model top k",
        f"chance ≥ {ev.cut:.0%}",
    ]
    rows = []
    minimum = ev.definition.minimum_group_size
    for r in frame.to_dict(orient="records"):
        label = f"{labels.column_label(r['group'])}: {labels.group_label(r['group'], r['value'])}"
        if r["suppressed"]:
            rows.append([label, f"fewer than {minimum}", *["suppressed"] * 7])
            continue
        rows.append(
            [
                label,
                labels.count(r["students"]),
                _pct(r["ended_chronic"]),
                _num(r["auc"]),
                _num(r["brier"]),
                *(_pct(r[f"{s}_recall"]) for s in STRATEGIES),
            ]
        )
    return head, rows


def spread_rows(ev: Evaluation) -> tuple[list[str], list[list[str]]]:
    frame = ev.spreads()
    head = ["Groups", "Strategy", "Lowest recall", "Highest recall", "Spread", "Within 5 points"]
    rows = [
        [
            labels.column_label(r.group),
            strategy_name(ev, r.strategy),
            f"{labels.group_label(r.group, r.lowest)} {_pct(r.lowest_recall)}",
            f"{labels.group_label(r.group, r.highest)} {_pct(r.highest_recall)}",
            f"{r.spread * 100:.1f} points",
            "yes" if r.within_goal else "no",
        ]
        for r in frame.itertuples()
    ]
    return head, rows


def model_lines(ev: Evaluation) -> list[str]:
    m = ev.model
    years = ", ".join(labels.school_year(y) for y in m["years"])
    candidates = "; ".join(
        f"{name} {score:.4f}" for name, score in sorted(m["candidates"].items(), key=lambda x: x[1])
    )
    seconds = ev.seconds.get("training")
    took = f" Training took {seconds:.0f} s." if seconds else ""
    return [
        f"Trained on {years} ({m['rows']:,} student-dates of {m['students']:,} students, "
        f"{m['base_rate']:.1%} of them ending the year chronically absent), as of the first of "
        f"each month, under the definition {m['definition']}.{took}",
        f"Kept: {m['method']} (lowest Brier score on students held out of fitting and "
        f"calibration). Brier scores of the candidates: {candidates}.",
        "Inputs: attendance, enrollment and grade history only — "
        + ", ".join(f.name for f in FEATURES)
        + ". Never inputs: "
        + ", ".join(sorted(c for c in PROTECTED if c not in ("first_name", "last_name")))
        + " (the groups below are read only to evaluate).",
    ]


GROUP_NOTE = (
    "Recall here is, over all the checks together, the share of the group's students who ended "
    "the year chronically absent that a strategy had flagged at the check (a student counts "
    "once at each check). Groups are read only for this evaluation; they are never inputs."
)
CAVEATS = [
    "These figures come from one held-out school year of this data. They show how the "
    "strategies would have done on that year; a new year, a new policy or a change in how "
    "attendance is recorded can change them.",
    "The lead time is measured at monthly checks: a strategy run every day would flag some "
    "students sooner. The day a student crossed the line is the first day they were eligible "
    "and at the threshold; a single absence early in the year can put a student over 10% for "
    "a while, so many students cross in the first weeks.",
    "Recall across groups compares the share of each group's chronically absent students who "
    "were flagged. With a capacity far below the number of chronically absent students, the "
    "top-k strategy reaches groups in proportion to how many of their students are at the very "
    "top of the list, so its recall differs by group whenever absence does.",
    "On synthetic data (homeroom synth) these figures are not evidence of real-world accuracy: "
    "the generator gives each student a steady chance of missing a day, so the year so far "
    "predicts the rest of it better than real attendance would.",
]


# -- Markdown --------------------------------------------------------------------------------------
def _md_table(head: list[str], rows: list[list[str]]) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(ev: Evaluation) -> str:
    year = labels.school_year(ev.test_year)
    parts = [
        f"# Early-warning evaluation: {year}",
        "",
        f"Definition {ev.definition.name} {ev.definition.version}; trained on "
        f"{', '.join(labels.school_year(y) for y in ev.train_years)}; tested on {year}; checks "
        f"on the first of each month; capacity k = {capacity_words(ev.capacity)} enrolled; "
        f"cut = {ev.cut:.0%}.",
        "",
        "## Lead time: how much earlier each strategy flagged the students who ended the year "
        "chronically absent",
        "",
        "The strategies, each run on the first of each month:",
        "",
        *(f"- {line}" for line in strategy_lines(ev)),
        "",
        headline(ev)[0],
        "",
        *headline(ev)[1:],
        "",
        _md_table(*strategy_rows(ev)),
        "",
        "### When each strategy first flagged them, against the day they crossed the line",
        "",
        _md_table(*lead_rows(ev)),
        "",
        "## Each check date",
        "",
        _md_table(*date_rows(ev)),
        "",
        _md_table(*date_strategy_rows(ev)),
        "",
        "## Calibration (all check dates together)",
        "",
        _md_table(*reliability_rows(ev)),
        "",
        "## By student group (all check dates together)",
        "",
        GROUP_NOTE,
        "",
        _md_table(*group_rows(ev)),
        "",
        f"### Recall spread across groups (goal: within {RECALL_GOAL * 100:.0f} points)",
        "",
        _md_table(*spread_rows(ev)),
        "",
        "## The model",
        "",
        "\n\n".join(model_lines(ev)),
        "",
        "## What these figures do and do not show",
        "",
        *(f"- {c}" for c in CAVEATS),
        "",
    ]
    return "\n".join(parts)


# -- HTML -----------------------------------------------------------------------------------------
def _html_table(head: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    def th(i: int, text: str) -> str:
        cls = ' class="num"' if i >= numeric_from else ""
        return f'<th scope="col"{cls}>{escape(text)}</th>'

    def td(i: int, text: str) -> str:
        if i == 0:
            return f'<th scope="row">{escape(text)}</th>'
        cls = "num" if i >= numeric_from else ""
        if text == "suppressed":
            cls = f"{cls} suppressed".strip()
        return f'<td class="{cls}">{escape(text)}</td>' if cls else f"<td>{escape(text)}</td>"

    body = "\n".join(
        "<tr>" + "".join(td(i, c) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    header = "<tr>" + "".join(th(i, h) for i, h in enumerate(head)) + "</tr>"
    return (
        f'<div class="wide"><table>\n<thead>{header}</thead>\n<tbody>\n{body}\n</tbody>\n'
        "</table></div>"
    )


def _charts(ev: Evaluation) -> dict[str, str]:
    summary = ev.strategies()
    before = svg.bar_chart(
        "flagged-before",
        "Share of the students who ended chronically absent flagged before they crossed the line",
        [
            svg.Bar(
                strategy_name(ev, r.strategy),
                None if labels.is_missing(r.flagged_before_crossing) else r.flagged_before_crossing,
                _pct(r.flagged_before_crossing),
                STRATEGY_COLORS[r.strategy],
            )
            for r in summary.itertuples()
        ],
        scale_max=1.0,
    )
    by_date = ev.by_date()
    auc = svg.bar_chart(
        "auc-by-date",
        "The model's AUC at each check (1 is a perfect ranking, 0.5 a coin toss)",
        [
            svg.Bar(_date(r["as_of"]), r["auc"], _num(r["auc"]), "#8250df")
            for r in by_date.to_dict(orient="records")
            if not labels.is_missing(r["auc"])
        ],
        scale_max=1.0,
    )
    rel = ev.reliability()
    calibration = svg.bar_chart(
        "calibration",
        "Share that ended chronically absent, by the model's chance (a calibrated model's bars "
        "end near the chance)",
        [
            svg.Bar(
                f"chance {r.chance}",
                None if labels.is_missing(r.ended_chronic) else r.ended_chronic,
                f"{_pct(r.ended_chronic)} (mean chance {_pct(r.mean_chance)})",
                "#8250df",
            )
            for r in rel.itertuples()
        ],
        scale_max=1.0,
    )
    groups = ev.groups()
    shown = groups[~groups["suppressed"]] if len(groups) else groups
    recall = svg.bar_chart(
        "recall-by-group",
        f"Recall of the model at a chance of {ev.cut:.0%} or more, by student group",
        [
            svg.Bar(
                f"{labels.group_label(r['group'], r['value'])}",
                r["model_cut_recall"],
                _pct(r["model_cut_recall"]),
                "#bf3989",
            )
            for r in shown.to_dict(orient="records")
        ],
        scale_max=1.0,
    )
    return {"before": before, "auc": auc, "calibration": calibration, "recall": recall}


# Wide tables scroll on their own instead of squeezing the row labels.
EXTRA_CSS = (
    "div.wide { overflow-x: auto; }\n"
    "th[scope=row] { white-space: nowrap; font-weight: 600; }\n"
    "@media print { div.wide { overflow: visible; } }\n"
)


def render_html(ev: Evaluation) -> str:
    year = labels.school_year(ev.test_year)
    css = (resources.files("homeroom.reports") / "templates" / "report.css").read_text("utf-8")
    charts = _charts(ev)
    head_lines = headline(ev)
    items = "".join(f"<li>{escape(line[2:])}</li>" for line in head_lines[1:])
    sections = [
        (
            "lead-time",
            "Lead time: how much earlier each strategy flagged the students who ended the year "
            "chronically absent",
            "<p>The strategies, each run on the first of each month:</p><ul>"
            + "".join(f"<li>{escape(line)}</li>" for line in strategy_lines(ev))
            + f"</ul><p>{escape(head_lines[0])}</p><ul>{items}</ul>"
            + charts["before"]
            + _html_table(*strategy_rows(ev))
            + "<h3>When each strategy first flagged them, against the day they crossed the line"
            "</h3>" + _html_table(*lead_rows(ev)),
        ),
        (
            "dates",
            "Each check date",
            charts["auc"] + _html_table(*date_rows(ev)) + _html_table(*date_strategy_rows(ev)),
        ),
        (
            "calibration",
            "Calibration (all check dates together)",
            charts["calibration"] + _html_table(*reliability_rows(ev)),
        ),
        (
            "groups",
            "By student group (all check dates together)",
            f"<p>{escape(GROUP_NOTE)}</p>"
            + charts["recall"]
            + _html_table(*group_rows(ev))
            + f"<h3>Recall spread across groups (goal: within {RECALL_GOAL * 100:.0f} points)"
            "</h3>" + _html_table(*spread_rows(ev), numeric_from=2),
        ),
        ("model", "The model", "".join(f"<p>{escape(line)}</p>" for line in model_lines(ev))),
        (
            "caveats",
            "What these figures do and do not show",
            "<ul>" + "".join(f"<li>{escape(c)}</li>" for c in CAVEATS) + "</ul>",
        ),
    ]
    body = "\n".join(
        f'<section id="{sid}">\n<h2>{escape(title)}</h2>\n{content}\n</section>'
        for sid, title, content in sections
    )
    meta = (
        f"Definition {ev.definition.name} {ev.definition.version}; trained on "
        f"{', '.join(labels.school_year(y) for y in ev.train_years)}; tested on {year}; "
        f"capacity k = {capacity_words(ev.capacity)} enrolled; cut = {ev.cut:.0%}."
    )
    title = f"Early-warning evaluation: {year}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        '<meta name="generator" content="homeroom" />\n'
        f"<title>{escape(title)}</title>\n<style>\n{css}\n{EXTRA_CSS}</style>\n</head>\n<body>\n"
        f'<header>\n<h1>{escape(title)}</h1>\n<p class="meta">{escape(meta)}</p>\n</header>\n'
        f"<main>\n{body}\n</main>\n"
        '<footer><p class="note">Aggregates only: no student is named in this report.</p>'
        "</footer>\n</body>\n</html>\n"
    )


def render(ev: Evaluation, suffix: str) -> str:
    """The report for a file name's suffix: .html or .md."""
    if suffix.lower() in (".html", ".htm"):
        return render_html(ev)
    if suffix.lower() in (".md", ".markdown"):
        return render_markdown(ev)
    raise ValueError(f"the report is written as .html or .md; got {suffix!r}")
