"""The evaluation's tables, worked out from its checks: by date, by strategy, by group.

`checks` has one row per student and check date with the truth (`chronic`), the model's chance
(`probability`) and each strategy's flag; `crossings` the day each chronically absent student
crossed the line (`homeroom.signals.crossings`). Groups are read here only, to evaluate; they
are never model inputs. Groups under the definition's minimum size are marked suppressed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from homeroom.signals.measures import (
    LEAD_BANDS,
    NOT_FLAGGED,
    auc,
    brier,
    capacity_k,
    lead_band,
    precision_recall,
)

GROUP_COLUMNS = (
    "race_ethnicity",
    "sex",
    "economically_disadvantaged",
    "students_with_disabilities",
    "english_learner",
)
STRATEGIES = ("line", "rules", "model_top_k", "queue", "model_cut")
RECALL_GOAL = 0.05  # recall within 5 points across groups
GAP_GROUP_SIZE = 100  # the goal holds between groups of at least this many students
# The day lead times count to: the day the student crossed the line to stay (for the rest of
# the year). The first day over the line is often noise: at 1 absence in the first 10 days a
# student is at 10% on the day they become eligible (docs/signals.md, "Lead time").
SETTLED, FIRST = "settled_number", "crossed_number"


def by_date(checks: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for as_of, day in checks.groupby("as_of", sort=True):
        y = day["chronic"].to_numpy()
        p = day["probability"].to_numpy()
        row: dict[str, Any] = {
            "as_of": as_of,
            "students": len(day),
            "ended_chronic": float(y.mean()),
            "k": int(day["model_top_k"].sum()),
            "auc": auc(y, p),
            "brier": brier(y, p),
            "brier_base_rate": brier(y, np.full(len(y), y.mean())),
        }
        for strategy in STRATEGIES:
            precision, recall = precision_recall(y, day[strategy])
            row[f"{strategy}_flagged"] = int(day[strategy].sum())
            row[f"{strategy}_precision"] = precision
            row[f"{strategy}_recall"] = recall
        rows.append(row)
    return pd.DataFrame(rows)


def first_flags(checks: pd.DataFrame, strategy: str) -> pd.DataFrame:
    """Per student: the first check that flagged them and its school-day number."""
    flagged = checks.loc[checks[strategy], ["district_id", "student_id", "as_of", "days_so_far"]]
    flagged = flagged.sort_values("as_of", kind="stable")
    return flagged.drop_duplicates(["district_id", "student_id"]).rename(
        columns={"as_of": "first_flag", "days_so_far": "flag_number"}
    )


def crossing_column(crossings: pd.DataFrame, day: str | None = None) -> str:
    """The crossing day lead times count to: `day`, else the settled day when known."""
    if day is not None:
        return day
    return SETTLED if SETTLED in crossings else FIRST


def lead_times(
    checks: pd.DataFrame, crossings: pd.DataFrame, strategy: str, day: str | None = None
) -> pd.DataFrame:
    """Students who ended chronically absent and were enrolled at a check: the school days
    between the first flag and the day they crossed the line (`day`: the settled day by
    default, FIRST for the first day over it; positive: flagged earlier; NaN: never flagged)."""
    seen = checks[["district_id", "student_id"]].drop_duplicates()
    chronic = crossings.merge(seen, on=["district_id", "student_id"])
    first = first_flags(checks, strategy)
    lead = chronic.merge(first, on=["district_id", "student_id"], how="left")
    lead["lead"] = lead[crossing_column(crossings, day)] - lead["flag_number"]
    return lead


def check_leads(checks: pd.DataFrame, crossings: pd.DataFrame) -> pd.DataFrame:
    """Per check date and strategy: the students it flags that day who end chronically absent
    and the median school days from that day to their crossing (positive: before it)."""
    day = crossing_column(crossings)
    cross = crossings[["district_id", "student_id", day]]
    rows = []
    for as_of, part in checks.groupby("as_of", sort=True):
        for strategy in STRATEGIES:
            caught = part.loc[part[strategy] & part["chronic"]]
            lead = caught.merge(cross, on=["district_id", "student_id"])
            gap = lead[day] - lead["days_so_far"]
            rows.append(
                {
                    "as_of": as_of,
                    "strategy": strategy,
                    "true_positives": len(caught),
                    "median_lead": float(gap.median()) if len(gap) else math.nan,
                    "reached_30_before": float((gap >= 30).mean()) if len(gap) else math.nan,
                }
            )
    return pd.DataFrame(rows)


def strategy_summary(checks: pd.DataFrame, crossings: pd.DataFrame) -> pd.DataFrame:
    """Per strategy, over all checks: students flagged, caught, false alarms, lead time.

    Students are counted once each (flagged at any check). `recall`: of the students who ended
    chronically absent and were enrolled at some check, the share ever flagged; `false_alarms`:
    students flagged at some check who did not end chronically absent. `median_lead`: school
    days from the first flag to the crossing, among the chronically absent students flagged
    (negative: flagged after they crossed); `median_earlier_than_line`: school days between
    this strategy's first flag and waiting for the line's, among students both flagged.
    """
    ended = checks.drop_duplicates(["district_id", "student_id"])
    chronic_students = int(ended["chronic"].sum())
    line = lead_times(checks, crossings, "line")[["district_id", "student_id", "flag_number"]]
    rows = []
    for strategy in STRATEGIES:
        flagged = checks.loc[checks[strategy]].drop_duplicates(["district_id", "student_id"])
        caught = int(flagged["chronic"].sum())
        leads = lead_times(checks, crossings, strategy)
        lead = leads["lead"]
        first_crossing = lead_times(checks, crossings, strategy, FIRST)["lead"].dropna()
        early = lead[lead.notna()]
        both = leads.merge(line, on=["district_id", "student_id"], suffixes=("", "_line"))
        gain = (both["flag_number_line"] - both["flag_number"]).dropna()
        rows.append(
            {
                "strategy": strategy,
                "students_flagged": len(flagged),
                "caught": caught,
                "false_alarms": len(flagged) - caught,
                "recall": caught / chronic_students if chronic_students else math.nan,
                "precision": caught / len(flagged) if len(flagged) else math.nan,
                "flagged_before_crossing": float((lead > 0).mean()) if len(lead) else math.nan,
                "median_lead": float(early.median()) if len(early) else math.nan,
                "mean_lead": float(early.mean()) if len(early) else math.nan,
                "median_lead_first_crossing": (
                    float(first_crossing.median()) if len(first_crossing) else math.nan
                ),
                "false_alarms_per_true_case": (
                    (len(flagged) - caught) / caught if caught else math.nan
                ),
                # Against waiting for the line, for students both flagged (same check dates).
                "median_earlier_than_line": float(gain.median()) if len(gain) else math.nan,
                "chronic_students": chronic_students,
            }
        )
    return pd.DataFrame(rows)


def lead_distribution(checks: pd.DataFrame, crossings: pd.DataFrame) -> pd.DataFrame:
    """Per strategy: how many chronically absent students fall in each lead-time band."""
    bands = [label for label, *_ in LEAD_BANDS] + [NOT_FLAGGED]
    rows = []
    for strategy in STRATEGIES:
        lead = lead_times(checks, crossings, strategy)["lead"]
        counts = lead.map(lead_band).value_counts()
        row: dict[str, Any] = {"strategy": strategy}
        row.update({band: int(counts.get(band, 0)) for band in bands})
        rows.append(row)
    return pd.DataFrame(rows)


def group_table(checks: pd.DataFrame, minimum: int) -> pd.DataFrame:
    """By student group, pooled over the check dates: AUC, Brier, each strategy's recall and
    precision. Groups with fewer than `minimum` students are marked suppressed (no figures)."""
    rows = []
    for column in GROUP_COLUMNS:
        if column not in checks:
            continue
        values = checks[column].astype(object).where(checks[column].notna(), "not recorded")
        for value, part in checks.groupby(values.astype(str), sort=True):
            students = part["student_id"].nunique()
            row: dict[str, Any] = {
                "group": column,
                "value": value,
                "students": students,
                "suppressed": students < minimum,
            }
            if students >= minimum:
                y = part["chronic"].to_numpy()
                row.update(
                    {
                        "ended_chronic": float(y.mean()),
                        "auc": auc(y, part["probability"]),
                        "brier": brier(y, part["probability"]),
                    }
                )
                for strategy in STRATEGIES:
                    precision, recall = precision_recall(y, part[strategy])
                    row[f"{strategy}_recall"] = recall
                    row[f"{strategy}_precision"] = precision
            rows.append(row)
    return pd.DataFrame(rows)


def recall_spreads(groups: pd.DataFrame) -> pd.DataFrame:
    """Per group column and strategy: the widest gap in recall between its groups, and whether
    it is within the goal (5 points)."""
    rows = []
    shown = groups[~groups["suppressed"]] if len(groups) else groups
    for column, part in shown.groupby("group", sort=False):
        for strategy in STRATEGIES:
            recalls = part[f"{strategy}_recall"].dropna()
            if len(recalls) < 2:
                continue
            spread = float(recalls.max() - recalls.min())
            rows.append(
                {
                    "group": column,
                    "strategy": strategy,
                    "lowest": part.loc[recalls.idxmin(), "value"],
                    "lowest_recall": float(recalls.min()),
                    "highest": part.loc[recalls.idxmax(), "value"],
                    "highest_recall": float(recalls.max()),
                    "spread": spread,
                    "within_goal": spread <= RECALL_GOAL + 1e-12,
                }
            )
    return pd.DataFrame(rows)


def group_recalls(checks: pd.DataFrame, minimum: int) -> pd.DataFrame:
    """Per strategy, check date, group column and value: students and recall at that check.
    Groups with fewer than `minimum` students that day are left out (suppressed)."""
    rows = []
    for column in GROUP_COLUMNS:
        if column not in checks:
            continue
        values = checks[column].astype(object).where(checks[column].notna(), "not recorded")
        keyed = checks.assign(_value=values.astype(str))
        for (as_of, value), part in keyed.groupby(["as_of", "_value"], sort=True):
            if len(part) < minimum:
                continue
            y = part["chronic"].to_numpy()
            for strategy in STRATEGIES:
                rows.append(
                    {
                        "strategy": strategy,
                        "date": as_of,
                        "column": column,
                        "value": value,
                        "students": len(part),
                        "recall": precision_recall(y, part[strategy])[1],
                    }
                )
    return pd.DataFrame(rows, columns=["strategy", "date", "column", "value", "students", "recall"])


def recall_gaps(recalls: pd.DataFrame, size: int = GAP_GROUP_SIZE) -> pd.DataFrame:
    """Per strategy, date and group column: the gap in recall between its groups of at least
    `size` students (highest minus lowest) and whether it is within the goal (5 points)."""
    rows = []
    big = recalls[recalls["students"] >= size].dropna(subset=["recall"])
    for (strategy, as_of, column), part in big.groupby(["strategy", "date", "column"], sort=False):
        if len(part) < 2:
            continue
        low, high = part["recall"].idxmin(), part["recall"].idxmax()
        gap = float(part.loc[high, "recall"] - part.loc[low, "recall"])
        rows.append(
            {
                "strategy": strategy,
                "date": as_of,
                "column": column,
                "groups": len(part),
                "lowest": part.loc[low, "value"],
                "lowest_recall": float(part.loc[low, "recall"]),
                "highest": part.loc[high, "value"],
                "highest_recall": float(part.loc[high, "recall"]),
                "gap": gap,
                "within_goal": gap <= RECALL_GOAL + 1e-12,
            }
        )
    return pd.DataFrame(rows)


def capacity_alternatives(
    checks: pd.DataFrame, capacities: list[float], size: int = GAP_GROUP_SIZE
) -> pd.DataFrame:
    """A group-blind change: the queue at other capacities (its first k by the same ranking),
    per check date, with what it costs (students, false alarms) and the widest recall gap
    between groups of at least `size` students in any group column."""
    rows = []
    for capacity in capacities:
        for as_of, part in checks.groupby("as_of", sort=True):
            k = capacity_k(len(part), capacity)
            flagged = part["queue_rank"] <= k
            y = part["chronic"].to_numpy()
            precision, recall = precision_recall(y, flagged)
            recalls = group_recalls(part.assign(queue=flagged), size)
            gaps = recall_gaps(recalls[recalls["strategy"] == "queue"], size)
            widest = gaps.loc[gaps["gap"].idxmax()] if len(gaps) else None
            rows.append(
                {
                    "capacity": capacity,
                    "as_of": as_of,
                    "flagged": int(flagged.sum()),
                    "false_alarms": int((flagged & ~part["chronic"]).sum()),
                    "precision": precision,
                    "recall": recall,
                    "widest_gap": float(widest["gap"]) if widest is not None else math.nan,
                    "widest_gap_column": widest["column"] if widest is not None else "",
                }
            )
    return pd.DataFrame(rows)
