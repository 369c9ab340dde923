"""What the evaluation report says, once: sentences and tables of display strings.

`homeroom.signals.evaluation_report` lays this out as Markdown or as an HTML page. Only
aggregates: no student appears in any of it. Group rows with fewer students than the
definition's minimum group size are shown as suppressed.
"""

from __future__ import annotations

import datetime as dt

from homeroom.formats import date_text
from homeroom.reports import labels
from homeroom.signals.evaluation import Evaluation
from homeroom.signals.evaluation_tables import STRATEGIES
from homeroom.signals.features import FEATURES, PROTECTED
from homeroom.signals.measures import LEAD_BANDS, NOT_FLAGGED

Rows = tuple[list[str], list[list[str]]]  # a table: its head and its rows, as display strings


def strategy_label(ev: Evaluation, strategy: str) -> str:
    if strategy == "line":
        return f"Waiting for the line ({ev.definition.threshold_label} so far this year)"
    if strategy == "rules":
        return "The rules (any rule suggesting early or intensive support)"
    if strategy == "model_top_k":
        return f"The model: the {capacity_words(ev.capacity)} with the highest chance"
    if strategy == "model_cut":
        return f"The model: every student with a chance of {ev.cut:.0%} or more"
    if strategy == "queue":
        return f"The ranked queue: its first {capacity_words(ev.capacity)}"
    raise KeyError(strategy)


def strategy_name(ev: Evaluation, strategy: str) -> str:
    """A few words for tables and charts; `strategy_label` says it in full."""
    return {
        "line": "Waiting for the line",
        "rules": "The rules",
        "model_top_k": f"Model: top {capacity_words(ev.capacity, short=True)}",
        "model_cut": f"Model: chance ≥ {ev.cut:.0%}",
        "queue": f"Queue: first {capacity_words(ev.capacity, short=True)}",
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
        "queue": f"flag the first {capacity_words(ev.capacity)} of the ranked queue (homeroom "
        "signals queue: students not yet chronically absent this year first, by the model's "
        "chance and the rules, then those already over the line)",
    }
    return [f"{strategy_name(ev, s)}: {what[s]}." for s in STRATEGIES]


def capacity_words(capacity: float, short: bool = False) -> str:
    if capacity >= 1:
        return f"{int(capacity):,}" if short else f"{int(capacity):,} students"
    return f"{capacity * 100:g}%" if short else f"{capacity * 100:g}% of students"


def pct(value: float) -> str:
    """A share as people read it: 0.273 -> "27.3%"; missing -> an em dash."""
    return labels.percent(value)


def num(value: float, digits: int = 3) -> str:
    """A measure such as an AUC to `digits` decimals; missing -> an em dash."""
    if labels.is_missing(value):
        return "—"
    return f"{value:.{digits}f}"


def _days(value: float) -> str:
    if labels.is_missing(value):
        return "—"
    return f"{value:+.0f}" if value else "0"


def date_words(value: dt.date) -> str:
    """A check date as on every page: "1 November 2024"."""
    return date_text(value)


def headline(ev: Evaluation) -> list[str]:
    summary = ev.strategies().set_index("strategy")
    chronic = int(summary["chronic_students"].iloc[0])
    year = labels.school_year(ev.test_year)
    lines = [
        f"Of the {chronic:,} students who ended {year} chronically absent (and were enrolled at "
        f"one of the {len(ev.dates)} checks, the first of each month from "
        f"{date_words(ev.dates[0])} to {date_words(ev.dates[-1])}):"
    ]
    line = summary.loc["line"]
    lines.append(
        f"- Waiting for the line, checked monthly, flagged {pct(line['recall'])} of them, a "
        f"median of {abs(line['median_lead']):.0f} school days after they crossed it;"
        if not labels.is_missing(line["median_lead"])
        else "- Waiting for the line flagged none of them at a check;"
    )
    for strategy in ("rules", "model_cut", "model_top_k", "queue"):
        row = summary.loc[strategy]
        lines.append(
            f"- {strategy_name(ev, strategy)} flagged "
            f"{pct(row['recall'])} of them, {pct(row['flagged_before_crossing'])} before they "
            f"crossed the line (median lead {_days(row['median_lead'])} school days; "
            f"{_days(row['median_earlier_than_line'])} against waiting for the line), at a cost "
            f"of {int(row['false_alarms']):,} false alarms (students flagged who did not end "
            "the year chronically absent);"
        )
    lines[-1] = lines[-1].rstrip(";") + "."
    return lines


def strategy_rows(ev: Evaluation) -> Rows:
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
            pct(r.recall),
            pct(r.precision),
            pct(r.flagged_before_crossing),
            _days(r.median_lead),
            _days(r.median_earlier_than_line) if r.strategy != "line" else "—",
        ]
        for r in summary.itertuples()
    ]
    return head, rows


def lead_rows(ev: Evaluation) -> Rows:
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


def date_rows(ev: Evaluation) -> Rows:
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
            date_words(r["as_of"]),
            labels.count(r["students"]),
            pct(r["ended_chronic"]),
            num(r["auc"]),
            num(r["brier"]),
            num(r["brier_base_rate"]),
            labels.count(r["k"]),
            pct(r["model_top_k_precision"]),
            pct(r["model_top_k_recall"]),
        ]
        for r in frame.to_dict(orient="records")
    ]
    return head, rows


def date_strategy_rows(ev: Evaluation) -> Rows:
    """Each strategy at each check: students flagged, precision and recall."""
    frame = ev.by_date()
    head = ["As of", *(f"{strategy_name(ev, s)}: flagged, precision, recall" for s in STRATEGIES)]
    rows = [
        [
            date_words(r["as_of"]),
            *(
                f"{labels.count(r[f'{s}_flagged'])}, {pct(r[f'{s}_precision'])}, "
                f"{pct(r[f'{s}_recall'])}"
                for s in STRATEGIES
            ),
        ]
        for r in frame.to_dict(orient="records")
    ]
    return head, rows


def reliability_rows(ev: Evaluation) -> Rows:
    frame = ev.reliability()
    head = ["Chance", "Student-dates", "Mean chance", "Ended chronically absent"]
    rows = [
        [r.chance, labels.count(r.students), pct(r.mean_chance), pct(r.ended_chronic)]
        for r in frame.itertuples()
    ]
    return head, rows


def group_rows(ev: Evaluation) -> Rows:
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
        "queue first k",
        f"chance ≥ {ev.cut:.0%}",
    ]
    rows = []
    minimum = ev.definition.minimum_group_size
    for r in frame.to_dict(orient="records"):
        label = f"{labels.column_label(r['group'])}: {labels.group_label(r['group'], r['value'])}"
        if r["suppressed"]:
            rows.append([label, f"fewer than {minimum}", *["suppressed"] * 8])
            continue
        rows.append(
            [
                label,
                labels.count(r["students"]),
                pct(r["ended_chronic"]),
                num(r["auc"]),
                num(r["brier"]),
                *(pct(r[f"{s}_recall"]) for s in STRATEGIES),
            ]
        )
    return head, rows


def spread_rows(ev: Evaluation) -> Rows:
    frame = ev.spreads()
    head = ["Groups", "Strategy", "Lowest recall", "Highest recall", "Spread", "Within 5 points"]
    rows = [
        [
            labels.column_label(r.group),
            strategy_name(ev, r.strategy),
            f"{labels.group_label(r.group, r.lowest)} {pct(r.lowest_recall)}",
            f"{labels.group_label(r.group, r.highest)} {pct(r.highest_recall)}",
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
    "students sooner. It counts to the day a student crossed the line to stay (from it to the "
    "end of the year they were over the line every day). The first day over the line is often "
    "noise: one absence in the first 10 days puts a student at 10% on the day they become "
    "eligible; the lead to that first day is in the JSON report "
    "(median_school_days_first_crossing).",
    "Recall across groups compares the share of each group's chronically absent students who "
    "were flagged. With a capacity far below the number of chronically absent students, the "
    "top-k strategy reaches groups in proportion to how many of their students are at the very "
    "top of the list, so its recall differs by group whenever absence does.",
    "On synthetic data (homeroom synth) these figures are not evidence of real-world accuracy: "
    "even the realistic generator (--behaviour realistic) only moves attendance the ways it was "
    "built to, calibrated to a few published figures; the simple one gives each student a "
    "steady chance of missing a day, so the year so far predicts the rest of it better than "
    "real attendance would.",
]
