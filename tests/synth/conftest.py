"""Fixtures of the synthetic generator's tests: one mid-size district, generated once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from homeroom.synth import SynthSummary, generate
from synth.generated import FILES, absent_amounts, read


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> tuple[Path, SynthSummary]:
    """A mid-size district over two school years: enough students for stable shares."""
    folder = tmp_path_factory.mktemp("district")
    return folder, generate(folder, students=20_000, schools=14, years=2, seed=11)


@pytest.fixture(scope="module")
def tables(district) -> dict[str, pd.DataFrame]:
    folder, _ = district
    return {name: read(folder, name) for name in FILES}


@pytest.fixture(scope="module")
def enrolled(tables) -> pd.DataFrame:
    """Per stay: the last day enrolled and the days enrolled (instructional days in the stay)."""
    t = tables
    cal = t["calendar"][t["calendar"].instructional].copy()
    cal["n"] = cal.groupby(["calendar_id", "school_year"]).cumcount()
    last = cal.groupby(["calendar_id", "school_year"]).date.max().rename("year_end")
    enr = t["enrollments"].merge(t["schools"][["school_id", "calendar_id"]], on="school_id")
    enr = enr.merge(last.reset_index(), on=["calendar_id", "school_year"])
    enr["last_day"] = enr.exit_date.fillna(enr.year_end)
    day_n = cal[["calendar_id", "school_year", "date", "n"]]
    enr = enr.merge(day_n.rename(columns={"date": "entry_date", "n": "n0"}))
    enr = enr.merge(day_n.rename(columns={"date": "last_day", "n": "n1"}))
    enr["days"] = enr.n1 - enr.n0 + 1
    return enr


@pytest.fixture(scope="module")
def stays(tables, enrolled) -> pd.DataFrame:
    """Eligible stays (10+ days) with days absent, rate, chronic flag and student groups."""
    att = absent_amounts(tables)
    enr = enrolled
    rows = att.merge(enr[["student_id", "school_id", "school_year", "entry_date", "last_day"]])
    rows = rows[(rows.date >= rows.entry_date) & (rows.date <= rows.last_day)]
    absent = rows.groupby(["student_id", "school_id", "school_year"]).absent.sum()
    out = enr.merge(absent.reset_index(), how="left").fillna({"absent": 0.0})
    out = out[out.days >= 10]
    out["rate"] = out.absent / out.days
    out["chronic"] = out.rate >= 0.10
    return out.merge(tables["students"], on="student_id")
