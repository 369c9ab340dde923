"""Peers: for each district, the districts most like it, to learn from the peers that improved.

Like Texas's campus comparison groups (Texas Education Agency, Texas Academic Performance
Reports: the 40 campuses most similar in type, size, grade span and shares of economically
disadvantaged and English learner students) and the "similar districts" of state report cards,
districts are compared on what they cannot change: how many students they serve, the share who
are economically disadvantaged, the grades they serve and, where the data has it, their locale.
Never on the rate itself: a peer is a district in the same circumstances, whatever its result.

The distance between two districts (every part in comparable units, docs/peers.md):
- enrolment: |log10(students) - log10(students')| (a district twice the size is 0.3 away);
- economically disadvantaged: |share - share'| / 0.10 (ten points of share = 1);
- grade span: 1 - the overlap of their grade ranges (PK=-1, KG=0 ... 12) over their union;
- locale: 1 when both have one and they differ, else 0.
The distance is the square root of the sum of squares; the k nearest are the peers (ties by
district id). Pure functions of small frames: the numbers come from the metrics layer.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

Metrics = Callable[..., pd.DataFrame]  # as homeroom.reports.summary: (level=, by=) -> rows
PROFILE_COLUMNS = (
    "district_id",
    "students_enrolled",
    "economically_disadvantaged_share",
    "lowest_grade",
    "highest_grade",
)
DEFAULT_PEERS = 5
ECODIS_SCALE = 0.10  # ten points of share weigh as much as ten times the enrolment
# A rate that fell by at least this much from the first year to the last is "improved".
IMPROVED_BY = 0.01


def _span_distance(low: np.ndarray, high: np.ndarray, i: int) -> np.ndarray:
    """1 - overlap / union of the grade ranges of district i and every district."""
    overlap = np.minimum(high, high[i]) - np.maximum(low, low[i]) + 1
    union = np.maximum(high, high[i]) - np.minimum(low, low[i]) + 1
    return 1.0 - np.clip(overlap, 0, None) / union


def peer_table(profiles: pd.DataFrame, k: int = DEFAULT_PEERS) -> pd.DataFrame:
    """Per district, its k nearest districts: district_id, peer_rank (1 = nearest), peer_id,
    distance. `profiles`: PROFILE_COLUMNS, one row per district, plus an optional `locale`."""
    missing = [c for c in PROFILE_COLUMNS if c not in profiles.columns]
    if missing:
        raise ValueError(f"district profiles lack the columns {', '.join(missing)}")
    frame = profiles.sort_values("district_id").reset_index(drop=True)
    ids = frame["district_id"].astype(str).to_numpy()
    size = np.log10(frame["students_enrolled"].clip(lower=1).to_numpy(dtype=float))
    share = frame["economically_disadvantaged_share"].fillna(0.0).to_numpy(dtype=float)
    low = frame["lowest_grade"].to_numpy(dtype=float)
    high = frame["highest_grade"].to_numpy(dtype=float)
    locale = frame["locale"].astype(object).to_numpy() if "locale" in frame else None
    rows = []
    for i, district in enumerate(ids):
        parts = [size - size[i], (share - share[i]) / ECODIS_SCALE, _span_distance(low, high, i)]
        if locale is not None and pd.notna(locale[i]):
            known = pd.notna(locale)
            parts.append(np.where(known & (locale != locale[i]), 1.0, 0.0))
        distance = np.sqrt(sum(np.square(p) for p in parts))
        order = sorted((float(distance[j]), ids[j]) for j in range(len(ids)) if j != i)
        for rank, (gap, peer) in enumerate(order[:k], start=1):
            rows.append(
                {"district_id": district, "peer_rank": rank, "peer_id": peer, "distance": gap}
            )
    return pd.DataFrame(rows, columns=["district_id", "peer_rank", "peer_id", "distance"])


def peer_trends(peers: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """Each district's peers with their rates over the years and how they moved.

    `rates`: district_id, school_year, chronic_absence_rate (NaN where suppressed or unknown).
    Out: district_id, peer_rank, peer_id, distance, first_year, first_rate, latest_year,
    latest_rate, change (latest - first, NaN unless both are known), improved (fell by a point
    or more), ordered by district then by improvement (largest fall first), then by rank.
    """
    known = rates.dropna(subset=["chronic_absence_rate"]).sort_values("school_year")
    first = known.groupby("district_id").head(1).set_index("district_id")
    latest = known.groupby("district_id").tail(1).set_index("district_id")
    out = peers.copy()
    out["first_year"] = out["peer_id"].map(first["school_year"])
    out["first_rate"] = out["peer_id"].map(first["chronic_absence_rate"])
    out["latest_year"] = out["peer_id"].map(latest["school_year"])
    out["latest_rate"] = out["peer_id"].map(latest["chronic_absence_rate"])
    one_year = out["first_year"] == out["latest_year"]
    out["change"] = (out["latest_rate"] - out["first_rate"]).where(~one_year)
    out["improved"] = out["change"] <= -IMPROVED_BY + 1e-12
    order = out.assign(_fall=out["change"].fillna(math.inf))
    order = order.sort_values(["district_id", "_fall", "peer_rank"], kind="stable")
    return order.drop(columns="_fall").reset_index(drop=True)


def grade_number(grade: object) -> float:
    """PK and TK -1, KG 0, 01..12 as numbers; anything else NaN."""
    text = str(grade)
    if text in ("PK", "TK"):
        return -1.0
    if text == "KG":
        return 0.0
    return float(text) if text.isdigit() else math.nan


def profiles_from_metrics(metrics: Metrics, year: int | None = None) -> pd.DataFrame:
    """PROFILE_COLUMNS for every district of the (latest) school year, from the metrics layer:
    students enrolled, the economically disadvantaged share and the grades with students."""
    districts = metrics(level="district")
    year = int(districts["school_year"].max()) if year is None else year
    now = districts[districts["school_year"] == year]
    profiles = now[["district_id", "students_enrolled"]].copy()
    by_need = metrics(level="district", by=("economically_disadvantaged",))
    by_need = by_need[by_need["school_year"] == year]
    flagged = by_need[by_need["economically_disadvantaged"].astype(str).isin(["True", "true"])]
    needs = flagged.set_index("district_id")["students_enrolled"]
    profiles["economically_disadvantaged_share"] = (
        profiles["district_id"].map(needs).fillna(0) / profiles["students_enrolled"]
    )
    grades = metrics(level="district", by=("grade_level",))
    grades = grades[(grades["school_year"] == year) & (grades["students_enrolled"] > 0)]
    numbers = grades.assign(_n=grades["grade_level"].map(grade_number)).dropna(subset=["_n"])
    span = numbers.groupby("district_id")["_n"].agg(["min", "max"])
    profiles["lowest_grade"] = profiles["district_id"].map(span["min"])
    profiles["highest_grade"] = profiles["district_id"].map(span["max"])
    return profiles.dropna(subset=["lowest_grade"]).reset_index(drop=True)


def district_peers(metrics: Metrics, k: int = DEFAULT_PEERS) -> pd.DataFrame:
    """peer_trends of every district (empty with fewer than two districts)."""
    profiles = profiles_from_metrics(metrics)
    if len(profiles) < 2:
        return pd.DataFrame()
    districts = metrics(level="district")
    rates = districts[["district_id", "school_year", "chronic_absence_rate"]]
    return peer_trends(peer_table(profiles, k), rates)
