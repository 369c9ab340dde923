"""Year totals -> the canonical daily tables: calendars, stays and absence rows placed on dates.

The contract is daily (DESIGN.md section 4) and the spreadsheet holds only totals, so dates are
made up, in a way that keeps every year-end total exact:

* each school's calendar, per school year, is its first N weekdays from `first_day(year)`,
  N the latest day any of its stays reaches (the largest Days Enrolled there, when nobody moved);
* a student's stay starts on day 1 and lasts their Days Enrolled; a student with rows at
  several schools has their stays one after another, in the order of the file, so they never
  overlap;
* the absences are spread evenly over the stay: excused first, then unexcused, suspension,
  other and the part not split by reason, each as whole days and, for a fractional total like
  12.5, one last row with `absent_fraction` 0.5.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from homeroom.interop.spreadsheet.rows import UNITS

# Category and code of each amount column of the checked rows.
PLACED = (
    ("excused", "excused", "E"),
    ("unexcused", "unexcused", "U"),
    ("suspension", "suspension", "S"),
    ("other", "tardy", "OTHER"),
    ("unsplit", "unexcused", "UNSPLIT"),
)
FIRST_MONTH_DAY = (8, 15)


def first_day(school_year: int) -> dt.date:
    """The first weekday on or after 15 August of the year the school year starts."""
    start = np.busday_offset(
        np.datetime64(dt.date(school_year - 1, *FIRST_MONTH_DAY)), 0, roll="forward"
    )
    return start.astype(object)


def _dates(years: np.ndarray, day_index: np.ndarray) -> np.ndarray:
    """ISO text of weekday `day_index` (0-based) of each school year."""
    out = np.empty(len(day_index), dtype=object)
    for year in np.unique(years):
        mine = years == year
        start = np.datetime64(first_day(int(year)))
        out[mine] = np.datetime_as_string(
            np.busday_offset(start, day_index[mine], roll="forward"), unit="D"
        )
    return out


def place(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stays (with their first day), calendars and absence rows of the checked rows."""
    years = rows["school_year"].to_numpy(dtype=np.int64)
    days = rows["days"].to_numpy(dtype=np.int64)
    offset = (
        rows.groupby(["student_id", "school_year"], sort=False)["days"].cumsum().to_numpy() - days
    )
    last = offset + days - 1
    stays = pd.DataFrame(
        {
            "_line": rows["_line"].to_numpy(),
            "student_id": rows["student_id"].to_numpy(),
            "school_id": rows["school_id"].to_numpy(),
            "school_year": years,
            "entry_date": _dates(years, offset),
            "exit_date": _dates(years, last),
        }
    )
    length = (
        pd.DataFrame({"school_id": stays["school_id"], "school_year": years, "n": last + 1})
        .groupby(["school_id", "school_year"], sort=True)["n"]
        .max()
    )
    cal_school = np.repeat(length.index.get_level_values(0).to_numpy(), length.to_numpy())
    cal_year = np.repeat(length.index.get_level_values(1).to_numpy(), length.to_numpy())
    starts = np.repeat(np.cumsum(length.to_numpy()) - length.to_numpy(), length.to_numpy())
    cal_index = np.arange(len(cal_school)) - starts
    calendar = pd.DataFrame(
        {
            "calendar_id": cal_school,
            "school_year": cal_year.astype(str),
            "date": _dates(cal_year, cal_index),
            "instructional": "true",
        }
    )
    return stays, calendar, _absences(rows, offset, days, years)


def _absences(
    rows: pd.DataFrame, offset: np.ndarray, days: np.ndarray, years: np.ndarray
) -> pd.DataFrame:
    amounts = [rows[column].to_numpy(dtype=np.int64) for column, _, _ in PLACED]
    counts = np.stack([(a + UNITS - 1) // UNITS for a in amounts], axis=1)  # rows per category
    per_row = counts.sum(axis=1)
    total = int(per_row.sum())
    owner = np.repeat(np.arange(len(rows)), per_row)
    first = np.repeat(np.cumsum(per_row) - per_row, per_row)
    i = np.arange(total) - first  # index of the absence within its row
    k = per_row[owner]
    # Evenly spread: absence i of k on stay day floor((2i + 1) d / 2k); distinct as k <= d.
    position = ((2 * i + 1) * days[owner]) // (2 * k)
    bounds = np.cumsum(counts, axis=1)[owner]  # end of each category's run, per absence
    category = (i[:, None] >= bounds).sum(axis=1)
    last_of_category = i == bounds[np.arange(total), category] - 1
    part = np.stack(amounts, axis=1)[owner, category] % UNITS
    units = np.where(last_of_category & (part > 0), part, UNITS)
    fraction = np.full(total, "1", dtype=object)
    partial = units < UNITS
    fraction[partial] = [f"{v:.4f}".rstrip("0") for v in units[partial] / UNITS]
    names = np.array([c for _, c, _ in PLACED], dtype=object)
    codes = np.array([c for _, _, c in PLACED], dtype=object)
    return pd.DataFrame(
        {
            "_line": rows["_line"].to_numpy()[owner],
            "student_id": rows["student_id"].to_numpy()[owner],
            "school_id": rows["school_id"].to_numpy()[owner],
            "date": _dates(years[owner], offset[owner] + position),
            "category": names[category],
            "code": codes[category],
            "absent_fraction": fraction,
        }
    )
