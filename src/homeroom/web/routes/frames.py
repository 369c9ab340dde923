"""The aggregate tables a page offers as downloads, in the words of their column headers."""

from __future__ import annotations

import pandas as pd

from homeroom.reports.groups import GroupTable
from homeroom.reports.summary import TierShare
from homeroom.web.data import EquityTable, MonitorFinding


def tier_frame(tiers: tuple[TierShare, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"Tier": t.label, "Students": t.count, "Share of eligible": t.share} for t in tiers]
    )


def group_frame(table: GroupTable | None) -> pd.DataFrame:
    if table is None:
        return pd.DataFrame(columns=["Group", "Students eligible", "Chronic absence rate"])
    return pd.DataFrame(
        [
            {
                "Column": table.label,
                "Group": g.label,
                "Students eligible": g.students_eligible,
                "Chronically absent": g.chronically_absent_count,
                "Chronic absence rate": g.chronic_absence_rate,
                "Suppressed": bool(g.suppressed),
            }
            for g in table.groups
        ]
    )


def groups_frame(tables: tuple[GroupTable, ...]) -> pd.DataFrame:
    frames = [group_frame(t) for t in tables]
    return pd.concat(frames, ignore_index=True) if frames else group_frame(None)


def equity_frame(table: EquityTable | None) -> pd.DataFrame:
    columns = [
        "Group",
        "Students eligible",
        "Chronically absent",
        "Chronic absence rate",
        "Gap to all students (points)",
        "Gap to lowest group (points)",
        "Ratio to all students",
        "Suppressed",
    ]
    if table is None:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        [
            [
                g.label,
                g.students_eligible,
                g.chronically_absent_count,
                g.chronic_absence_rate,
                None if g.gap_to_all is None else round(g.gap_to_all * 100, 1),
                None if g.gap_to_lowest is None else round(g.gap_to_lowest * 100, 1),
                None if g.ratio_to_all is None else round(g.ratio_to_all, 2),
                g.suppression_reason or "",
            ]
            for g in table.groups
        ],
        columns=columns,
    )


def monitor_frame(monitors: tuple[MonitorFinding, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"Monitor": m.title, "Status": m.status, "Rows": m.count, "Finding": m.summary}
            for m in monitors
        ]
    )
