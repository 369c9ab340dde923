"""What the report says about the team's capacity: each check's lead for the students a strategy
rightly flags that day, the recall gaps between groups at capacity, and what a group-blind
change (a larger capacity, the same ranking) would cost. The tables come from
`homeroom.signals.evaluation_tables`; this module turns them into rows people read."""

from __future__ import annotations

from homeroom.reports import labels
from homeroom.signals.evaluation import Evaluation
from homeroom.signals.evaluation_content import Rows, capacity_words, date_words, pct, strategy_name
from homeroom.signals.evaluation_tables import GAP_GROUP_SIZE, RECALL_GOAL

# The strategies a team's capacity sizes, and waiting for the line to compare with.
AT_CAPACITY = ("line", "rules", "model_top_k", "queue")

CHECK_NOTE = (
    "For the students a strategy flags on a check date who end the year chronically absent: "
    "the median number of school days from that date to the day they crossed the line to stay "
    "(positive: before it), and the share reached 30 school days or more before it. The goal "
    "for the queue as of 1 October: at least half of its students end chronically absent, a "
    "median of 30 school days or more before they cross, at no more than two false alarms per "
    "student rightly flagged."
)


def check_lead_rows(ev: Evaluation) -> Rows:
    leads = ev.check_leads().set_index(["as_of", "strategy"])
    dates = ev.by_date().set_index("as_of")
    head = [
        "As of",
        "Strategy",
        "Flagged",
        "Ended chronic",
        "Precision",
        "False alarms per student rightly flagged",
        "Median lead (school days)",
        "Reached 30+ days before",
    ]
    rows = []
    for as_of in dates.index:
        for strategy in AT_CAPACITY:
            lead = leads.loc[(as_of, strategy)]
            flagged = int(dates.loc[as_of, f"{strategy}_flagged"])
            caught = int(lead["true_positives"])
            per = f"{(flagged - caught) / caught:.2f}" if caught else "—"
            median = lead["median_lead"]
            rows.append(
                [
                    date_words(as_of),
                    strategy_name(ev, strategy),
                    labels.count(flagged),
                    labels.count(caught),
                    pct(dates.loc[as_of, f"{strategy}_precision"]),
                    per,
                    "—" if labels.is_missing(median) else f"{median:+.0f}",
                    pct(lead["reached_30_before"]),
                ]
            )
    return head, rows


def gap_rows(ev: Evaluation) -> Rows:
    gaps = ev.recall_gaps()
    head = ["As of", "Strategy", "Groups", "Lowest recall", "Highest recall", "Gap", "Within 5"]
    if gaps.empty:
        return head, []
    gaps = gaps[gaps["strategy"].isin(AT_CAPACITY)]
    rows = [
        [
            date_words(r.date),
            strategy_name(ev, r.strategy),
            f"{labels.column_label(r.column)} ({r.groups})",
            f"{labels.group_label(r.column, r.lowest)} {pct(r.lowest_recall)}",
            f"{labels.group_label(r.column, r.highest)} {pct(r.highest_recall)}",
            f"{r.gap * 100:.1f} points",
            "yes" if r.within_goal else "no",
        ]
        for r in gaps.itertuples()
    ]
    return head, rows


def alternative_rows(ev: Evaluation) -> Rows:
    frame = ev.alternatives()
    head = ["Capacity", "As of", "Flagged", "False alarms", "Precision", "Recall", "Widest gap"]
    rows = [
        [
            capacity_words(r.capacity),
            date_words(r.as_of),
            labels.count(r.flagged),
            labels.count(r.false_alarms),
            pct(r.precision),
            pct(r.recall),
            "—"
            if labels.is_missing(r.widest_gap)
            else f"{r.widest_gap * 100:.1f} points ({labels.column_label(r.widest_gap_column)})",
        ]
        for r in frame.itertuples()
    ]
    return head, rows


def gap_lines(ev: Evaluation) -> list[str]:
    """What the gaps say: which group columns miss the goal for the queue at capacity."""
    gaps = ev.recall_gaps()
    goal = f"{RECALL_GOAL * 100:.0f} points"
    intro = (
        f"The goal: recall at capacity within {goal} between groups of {GAP_GROUP_SIZE} "
        "students or more, at each check. The model never reads a student's group."
    )
    if gaps.empty:
        return [intro, "No group column has two groups that large in this data."]
    queue = gaps[gaps["strategy"] == "queue"]
    missed = queue[~queue["within_goal"]]
    if missed.empty:
        return [intro, f"The queue keeps every gap within {goal} at every check."]
    worst = missed.loc[missed["gap"].idxmax()]
    columns = ", ".join(sorted({labels.column_label(c) for c in missed["column"]}))
    return [
        intro,
        f"The queue misses the goal at {len(missed)} of {len(queue)} checks of a group column "
        f"({columns}); the widest gap is {worst['gap'] * 100:.1f} points "
        f"({labels.column_label(worst['column'])}, {date_words(worst['date'])}: "
        f"{labels.group_label(worst['column'], worst['lowest'])} "
        f"{pct(worst['lowest_recall'])} against "
        f"{labels.group_label(worst['column'], worst['highest'])} "
        f"{pct(worst['highest_recall'])}). The table after it shows what a group-blind change "
        "— a larger capacity, the same ranking for everyone — would cost and narrow.",
    ]
