"""Districts like this one (issue 16 point 4), on a district's page.

`homeroom.reports.peers.district_peers` asks a `metrics(level=, by=)` callable for district
rows per school year; here that callable reads the serving file's district aggregates, one
snapshot a school year (the latest up to the page's date). A district under the minimum group
size has its rate blanked before the peers see it, so a peer's small-group rate is never shown
(and never counted as its first or latest rate).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from homeroom.reports import labels
from homeroom.reports.peers import DEFAULT_PEERS, Metrics, district_peers
from homeroom.web.data.common import fresh, query
from homeroom.web.snapshot import ServingData, Snapshot

PEER_COLUMNS = (
    "peer_id",
    "peer_name",
    "distance",
    "first_year",
    "first_year_label",
    "first_rate",
    "latest_year",
    "latest_year_label",
    "latest_rate",
    "change",
    "improved",
)


def snapshot_metrics(serving: ServingData, snapshot: Snapshot) -> pd.DataFrame:
    """Every district aggregate row (all students and each group) of one snapshot a school
    year: the latest snapshot of each year up to SNAPSHOT's date."""
    with serving.cursor() as cur:
        return query(
            cur,
            "WITH dates AS (SELECT school_year, max(as_of) AS as_of FROM snapshots "
            "WHERE as_of <= ? GROUP BY school_year) "
            "SELECT a.* FROM aggregates a JOIN dates d ON a.as_of = d.as_of "
            "AND a.school_year = d.school_year WHERE a.unit = 'district'",
            [snapshot.as_of],
        )


def metrics_of(rows: pd.DataFrame, minimum: int) -> Metrics:
    """A `metrics(level=, by=)` callable over district aggregate ROWS (reports.peers.Metrics):
    the group's value in a column named after it, and small groups' rates blanked."""

    def metrics(level: str = "district", by: Sequence[str] = ()) -> pd.DataFrame:
        if level != "district" or len(by) > 1:
            raise ValueError("the serving file holds district rows by one group at most")
        column = by[0] if by else ""
        frame = rows[rows["group_column"] == column].copy()
        if column:
            frame[column] = frame["group_value"]
        rate = pd.to_numeric(frame["chronic_absence_rate"], errors="coerce")
        frame["chronic_absence_rate"] = rate.where(frame["students_eligible"] >= minimum)
        return frame.drop(columns=["group_column", "group_value"]).reset_index(drop=True)

    return metrics


def peers(serving: ServingData, snapshot: Snapshot, k: int = DEFAULT_PEERS) -> pd.DataFrame:
    """Every district's peers (reports.peers.peer_trends), kept per snapshot."""
    key = ("district_peers", snapshot.as_of, k)
    return fresh(serving.cached(key, lambda: _peers(serving, snapshot, k)))


def _peers(serving: ServingData, snapshot: Snapshot, k: int) -> pd.DataFrame:
    rows = snapshot_metrics(serving, snapshot)
    if rows["district_id"].nunique() < 2:
        return pd.DataFrame()
    return district_peers(metrics_of(rows, serving.definition.minimum_group_size), k)


def district_peers_table(
    serving: ServingData, district_id: str, as_of: dt.date | None = None
) -> pd.DataFrame | None:
    """PEER_COLUMNS of one district's peers, those that improved most first; None when the
    data hold fewer than two districts."""
    if len(serving.district_names) < 2:
        return None
    table = peers(serving, serving.resolve(as_of))
    if table.empty:
        return pd.DataFrame(columns=list(PEER_COLUMNS))
    mine = table[table["district_id"] == district_id].copy()
    mine["peer_name"] = [serving.district_names.get(p, p) for p in mine["peer_id"]]
    for which in ("first", "latest"):
        years = mine[f"{which}_year"]
        mine[f"{which}_year_label"] = [
            None if pd.isna(y) else labels.school_year(int(y)) for y in years
        ]
    # NaN, not a missing bool: a peer without two known years neither improved nor fell.
    mine["improved"] = np.where(mine["change"].notna(), mine["improved"], None)
    return mine.loc[:, list(PEER_COLUMNS)].reset_index(drop=True)


__all__ = ["PEER_COLUMNS", "district_peers_table", "metrics_of", "peers", "snapshot_metrics"]
