"""Shared by the synthetic generator's tests: the files, and the default definition's absence
worked out with pandas (independently of homeroom.metrics)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

FILES = ("schools", "students", "enrollments", "calendar", "attendance", "codes", "contacts")
ABSENCE = ("excused", "unexcused", "suspension")  # the default profile (tardies count 0)


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(folder / f"{name}.parquet")


def absent_amounts(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each attendance row's absent fraction, as the default definition counts it."""
    codes = t["codes"].rename(columns={"category": "code_category", "absent_fraction": "code_f"})
    att = t["attendance"].merge(codes, on="code", how="left")
    att = att.merge(t["schools"][["school_id", "day_minutes"]], on="school_id")
    att["cat"] = att.category.fillna(att.code_category)
    fraction = att.absent_fraction.fillna(att.minutes_absent / att.day_minutes).fillna(att.code_f)
    att["absent"] = np.where(att.cat.isin(ABSENCE), fraction, 0.0)
    return att


def chronic_share(df: pd.DataFrame, column: str) -> pd.Series:
    return df.groupby(column).chronic.mean()


def nth_weekday(year: int, month: int, weekday: str, n: int) -> np.datetime64:
    return np.busday_offset(f"{year}-{month:02d}", n - 1, roll="forward", weekmask=weekday)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}
