"""synth/calendars: each school level's calendar, its length and its holidays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synth.generated import (
    nth_weekday,
)


def test_school_levels_are_about_60_20_20_with_their_own_calendars(tables):
    sch = tables["schools"]
    level = sch.school_id.str[4]
    shares = level.value_counts(normalize=True)
    assert shares["E"] == pytest.approx(0.6, abs=0.1)
    assert shares["M"] == pytest.approx(0.2, abs=0.1) and shares["H"] == pytest.approx(0.2, abs=0.1)
    assert set(sch.calendar_id[level == "E"]) == {"D01-ELEM"}
    assert set(sch.calendar_id[level != "E"]) == {"D01-SEC"}
    grades = tables["enrollments"].merge(sch, on="school_id")
    by_level = grades.groupby(grades.school_id.str[4]).grade_level.agg(set)
    assert by_level["E"] <= {"PK", "TK", "KG", "01", "02", "03", "04", "05"}
    assert by_level["M"] == {"06", "07", "08"}
    assert by_level["H"] == {"09", "10", "11", "12"}


def test_calendars_have_175_to_180_days_and_the_usual_holidays(tables):
    cal = tables["calendar"]
    dates = pd.to_datetime(cal.date)
    assert (dates.dt.day_of_week < 5).all()
    for (cid, year), c in cal.groupby(["calendar_id", "school_year"]):
        d = pd.to_datetime(c.date)
        assert 175 <= c.instructional.sum() <= 180, (cid, year)
        assert d.min() >= pd.Timestamp(year - 1, 8, 1) and d.min().month == 8
        assert pd.Timestamp(year, 5, 20) <= d.max() <= pd.Timestamp(year, 6, 20)
        assert len(c) == np.busday_count(d.min().date(), d.max().date()) + 1  # every weekday
        off = set(d[~c.instructional.to_numpy()].dt.date)
        labor = nth_weekday(year - 1, 9, "Mon", 1)
        thanksgiving = nth_weekday(year - 1, 11, "Thu", 4)
        mlk = nth_weekday(year, 1, "Mon", 3)
        for day in (labor, thanksgiving, thanksgiving - 1, thanksgiving + 1, mlk):
            assert day.astype(object) in off, (cid, year, day)
        winter = {x for x in off if (x.month == 12 and x.day >= 20) or (x.month == 1 and x.day < 8)}
        assert len(winter) >= 9
    elem = cal[cal.calendar_id == "D01-ELEM"].set_index(["school_year", "date"]).instructional
    sec = cal[cal.calendar_id == "D01-SEC"].set_index(["school_year", "date"]).instructional
    both = pd.concat([elem, sec], axis=1, join="inner")
    assert (both.iloc[:, 0] != both.iloc[:, 1]).sum() >= 2  # teacher work days differ
