"""Peers on the public site: each district's nearest districts (homeroom.reports.peers) with
their published rates only, so a suppressed rate stays hidden on every page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from homeroom.publish.cells import ALL, HIDDEN, Metrics, SiteCells
from homeroom.reports import labels
from homeroom.reports.peers import DEFAULT_PEERS, peer_table, peer_trends, profiles_from_metrics


@dataclass(frozen=True)
class PeerRow:
    name: str
    file: str  # the peer's page, relative to the site's root
    distance: str
    first: str  # "2022-23: 31.0%"
    latest: str
    change: str  # "-4.2 points", or an em dash
    improved: bool


def published_rates(site: SiteCells) -> pd.DataFrame:
    """district_id, school_year, chronic_absence_rate of every district's all-students cell,
    NaN where the cell is suppressed."""
    frames = []
    for year, cells in site.published.items():
        rows = cells[(cells["level"] == "district") & (cells["group_column"] == ALL)]
        rate = pd.to_numeric(rows["chronic_absence_rate"].where(lambda v: v != HIDDEN),
                             errors="coerce")  # fmt: skip
        frames.append(
            pd.DataFrame(
                {
                    "district_id": rows["district_id"].to_numpy(),
                    "school_year": year,
                    "chronic_absence_rate": rate.to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def site_peers(metrics: Metrics, site: SiteCells, k: int = DEFAULT_PEERS) -> pd.DataFrame:
    """peer_trends over the published rates (empty with fewer than two districts)."""
    profiles = profiles_from_metrics(metrics)
    if len(profiles) < 2:
        return pd.DataFrame()
    return peer_trends(peer_table(profiles, k), published_rates(site))


def peer_rows(
    peers: pd.DataFrame, names: Mapping[str, str], files: Mapping[str, str]
) -> dict[str, tuple[PeerRow, ...]]:
    """District id -> its peers as the page shows them (the most improved first)."""
    out: dict[str, list[PeerRow]] = {}
    for row in peers.itertuples(index=False):
        change = row.change
        out.setdefault(str(row.district_id), []).append(
            PeerRow(
                name=names.get(str(row.peer_id), str(row.peer_id)),
                file=files.get(str(row.peer_id), ""),
                distance=f"{row.distance:.2f}",
                first=_year_rate(row.first_year, row.first_rate),
                latest=_year_rate(row.latest_year, row.latest_rate),
                change="—" if labels.is_missing(change) else f"{change * 100:+.1f} points",
                improved=bool(row.improved),
            )
        )
    return {district: tuple(rows) for district, rows in out.items()}


def _year_rate(year: object, rate: object) -> str:
    if labels.is_missing(year) or labels.is_missing(rate):
        return "—"
    return f"{labels.school_year(int(float(str(year))))}: {labels.percent(float(str(rate)))}"
