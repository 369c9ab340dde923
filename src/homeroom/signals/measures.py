"""The evaluation's measures, on plain arrays: ranking, precision and recall, calibration.

Truth is whether a student ended the year chronically absent; a score is the model's chance or
a strategy's flag. Nothing here knows about students, dates or engines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

LEAD_BANDS = (
    ("40 or more school days earlier", 40, math.inf),
    ("20-39 days earlier", 20, 40),
    ("1-19 days earlier", 1, 20),
    ("the day they crossed or later", -math.inf, 1),
)
NOT_FLAGGED = "not flagged by the last check"


def auc(truth: Sequence[bool], score: Sequence[float]) -> float:
    """The chance a random chronically absent student scores above a random other (ties: half).

    NaN when only one kind of student is present.
    """
    from scipy.stats import rankdata

    y = np.asarray(truth, dtype=bool)
    s = np.asarray(score, dtype="float64")
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = rankdata(s)
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def top_k(
    score: Sequence[float] | np.ndarray, k: int, tiebreak: Sequence[str] | np.ndarray | None = None
) -> np.ndarray:
    """A mask of the k highest scores; equal scores are taken in `tiebreak` order (student id)."""
    s = np.asarray(score, dtype="float64")
    keys = np.arange(len(s)) if tiebreak is None else np.asarray(tiebreak, dtype=object)
    order = np.lexsort((keys.astype(str), -s))
    mask = np.zeros(len(s), dtype=bool)
    mask[order[: max(0, min(k, len(s)))]] = True
    return mask


def capacity_k(students: int, capacity: float) -> int:
    """How many students the district can serve: a share of those enrolled (rounded up), or a
    number when `capacity` is 1 or more."""
    if capacity >= 1:
        return int(capacity)
    return int(math.ceil(capacity * students))


def precision_recall(truth: Sequence[bool], flagged: Sequence[bool]) -> tuple[float, float]:
    """Share of flagged students who ended chronically absent; share of those who were flagged."""
    y = np.asarray(truth, dtype=bool)
    f = np.asarray(flagged, dtype=bool)
    hits = int((y & f).sum())
    precision = hits / int(f.sum()) if f.any() else math.nan
    recall = hits / int(y.sum()) if y.any() else math.nan
    return precision, recall


def reliability(truth: Sequence[bool], chance: Sequence[float], bins: int = 10) -> pd.DataFrame:
    """Students by predicted chance (tenths): how many, the mean chance, the share that ended
    chronically absent. A calibrated model has the two close in every row."""
    y = np.asarray(truth, dtype="float64")
    p = np.asarray(chance, dtype="float64")
    which = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        n = int(inside.sum())
        rows.append(
            {
                "chance": f"{b * 100 // bins}-{(b + 1) * 100 // bins}%",
                "students": n,
                "mean_chance": float(p[inside].mean()) if n else math.nan,
                "ended_chronic": float(y[inside].mean()) if n else math.nan,
            }
        )
    return pd.DataFrame(rows)


def brier(y: Sequence[bool] | np.ndarray, p: Sequence[float] | np.ndarray) -> float:
    """The mean squared gap between the chance and what happened (0 is perfect)."""
    return float(np.mean((np.asarray(p, dtype="float64") - np.asarray(y, dtype="float64")) ** 2))


def lead_band(lead: float) -> str:
    if lead != lead:  # NaN: never flagged
        return NOT_FLAGGED
    for label, low, high in LEAD_BANDS:
        if low <= lead < high:
            return label
    raise AssertionError(lead)
