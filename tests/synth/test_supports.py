"""Synthetic supports with a known effect (issue 14.5): checked against the plain district."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from homeroom.synth import generate
from homeroom.synth.supports import SUPPORT_KINDS, WHOLE_DAY_CODES

SIZE = {"students": 2000, "schools": 3, "seed": 5}
KEY = ["student_id", "school_id", "date", "code"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    made = {}
    for name, effect in (("plain", None), ("zero", 0.0), ("minus3", -3.0)):
        made[name] = tmp_path_factory.mktemp(name)
        generate(made[name], support_effect=effect, **SIZE)  # type: ignore[arg-type]
    return made


def test_without_supports_nothing_changes_and_other_tables_are_the_same_bytes(folders) -> None:
    assert not (folders["plain"] / "supports.parquet").exists()
    for name in ("schools", "students", "enrollments", "calendar", "codes", "contacts"):
        plain = (folders["plain"] / f"{name}.parquet").read_bytes()
        assert (folders["minus3"] / f"{name}.parquet").read_bytes() == plain
    # Effect 0: supports are given, no absence is removed.
    zero = pd.read_parquet(folders["zero"] / "attendance.parquet")
    pd.testing.assert_frame_equal(zero, pd.read_parquet(folders["plain"] / "attendance.parquet"))


def test_supports_are_the_six_kinds_mostly_to_flagged_students(folders) -> None:
    supports = pd.read_parquet(folders["minus3"] / "supports.parquet")
    assert list(supports.columns) == [
        "student_id", "school_id", "support", "tier", "start_date", "end_date",
    ]  # fmt: skip
    kinds = dict(supports.groupby("support")["tier"].first())
    assert kinds == {name: tier for name, tier, _ in SUPPORT_KINDS}
    assert supports["student_id"].is_unique and supports["end_date"].isna().all()
    # The served, by their absence rate over the 20 school days before the start (from the
    # plain files): a flag's window. Served with chance 55% at >= 10%, 4% below 5%.
    recent = _recent_rates(folders["plain"], supports)
    assert len(recent) == len(supports)
    assert (recent >= 0.10).mean() > 0.5


def test_only_whole_day_absences_after_the_start_are_removed_exactly_3_points(folders) -> None:
    plain = pd.read_parquet(folders["plain"] / "attendance.parquet")
    thinned = pd.read_parquet(folders["minus3"] / "attendance.parquet")
    supports = pd.read_parquet(folders["minus3"] / "supports.parquet")
    both = plain.merge(thinned[KEY], on=KEY, how="left", indicator=True)
    removed = both[both["_merge"] == "left_only"]
    assert len(thinned) + len(removed) == len(plain)
    assert set(removed["code"]) <= set(WHOLE_DAY_CODES)
    starts = removed.merge(supports, on=["student_id", "school_id"])
    assert len(starts) == len(removed) and (starts["date"] >= starts["start_date"]).all()
    # Each served student's rate after the start falls by removed days / days enrolled after;
    # the mean over the served is 3 points, short by at most one day over the fewest days.
    days_after = _days_after(folders["plain"], supports)
    per = removed.groupby("student_id").size().reindex(supports["student_id"], fill_value=0)
    change = per.to_numpy() / days_after
    assert abs(change.mean() - 0.03) <= 1 / days_after.min() / len(supports)
    assert 0.02 < np.median(change) < 0.04


def test_a_positive_effect_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="0 or negative"):
        generate(tmp_path, students=50, schools=1, support_effect=1.0)


def _membership(folder: Path, supports: pd.DataFrame) -> pd.DataFrame:
    """Each served student's school days at the school of the support, with the start."""
    enr = pd.read_parquet(folder / "enrollments.parquet")
    cal = pd.read_parquet(folder / "calendar.parquet")
    schools = pd.read_parquet(folder / "schools.parquet")[["school_id", "calendar_id"]]
    cal = cal[cal["instructional"]]
    stays = supports.merge(enr, on=["student_id", "school_id"]).merge(schools, on="school_id")
    days = stays.merge(cal[["calendar_id", "date"]], on="calendar_id")
    end = days["exit_date"].fillna(pd.Timestamp.max.date())
    return days[(days["date"] >= days["entry_date"]) & (days["date"] <= end)]


def _days_after(folder: Path, supports: pd.DataFrame) -> np.ndarray:
    days = _membership(folder, supports)
    after = days[days["date"] >= days["start_date"]].groupby("student_id").size()
    return after.reindex(supports["student_id"]).to_numpy()


def _recent_rates(folder: Path, supports: pd.DataFrame) -> np.ndarray:
    days = _membership(folder, supports)
    days = days[days["date"] < days["start_date"]].sort_values(["student_id", "date"])
    window = days.groupby("student_id").tail(20)
    assert (window.groupby("student_id").size() == 20).all()  # enrolled all 20 days
    first = window.groupby("student_id")["date"].min().rename("first")
    att = pd.read_parquet(folder / "attendance.parquet")
    amount = att["code"].map({"A": 1.0, "E": 1.0, "U": 1.0, "S": 1.0, "H": 0.5}).fillna(0.0)
    att = att.assign(amount=amount).merge(supports, on=["student_id", "school_id"])
    att = att.merge(first, left_on="student_id", right_index=True)
    inside = (att["date"] < att["start_date"]) & (att["date"] >= att["first"])
    absent = att[inside].groupby("student_id")["amount"].sum()
    return (absent.reindex(first.index, fill_value=0) / 20).to_numpy()
