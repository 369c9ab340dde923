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
    lead_band,
    precision_recall,
)

GROUP_COLUMNS = (
    "race_ethnicity",
    "economically_disadvantaged",
    "students_with_disabilities",
    "english_learner",
)
STRATEGIES = ("line", "rules", "model_top_k", "model_cut")
RECALL_GOAL = 0.05  # recall within 5 points across groups


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


def lead_times(checks: pd.DataFrame, crossings: pd.DataFrame, strategy: str) -> pd.DataFrame:
    """Students who ended chronically absent and were enrolled at a check: the school days
    between the first flag and the day they crossed the line (positive: flagged earlier; NaN:
    never flagged)."""
    seen = checks[["district_id", "student_id"]].drop_duplicates()
    chronic = crossings.merge(seen, on=["district_id", "student_id"])
    first = first_flags(checks, strategy)
    lead = chronic.merge(first, on=["district_id", "student_id"], how="left")
    lead["lead"] = lead["crossed_number"] - lead["flag_number"]
    return lead


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
