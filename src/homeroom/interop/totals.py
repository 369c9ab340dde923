"""Year totals -> the canonical daily tables: calendars, stays and absence rows on made-up dates.

Two importers receive a year's totals per student and school instead of dates: the attendance
spreadsheet and SIS totals exports (Aeries' Attendance History Summary). The contract is daily
(DESIGN.md section 4), so both place the totals on dates the same way, keeping every year-end
total exact:

* each school's calendar, per school year, is its first N weekdays (less any holidays given)
  from the first such day on or after a month and day (15 August unless the importer is told
  otherwise) of the year the school year starts, N the latest day any of its stays reaches
  (the largest days enrolled there, when nobody moved);
* a student's stay starts on day 1 and lasts their days enrolled; a student with rows at
  several schools has their stays one after another, in the order of the file, so they never
  overlap;
* the absences are spread evenly over the stay, in the order of the importer's categories,
  each as whole days and, for a fractional total like 12.5, one last row with
  `absent_fraction` 0.5. Spread, not bunched at the start, so a date inside the year shows about
  the year's rate rather than a September in which every absent student is absent every day;
* totals are whole years, so each school's attendance is marked as recorded through its last
  day: where no absence falls on that day, one `present` row (0 days absent) for a student
  enrolled then. The default as-of date is the latest attendance recorded (docs/metrics.md), so
  without the mark a year whose last absence fell in May would be counted only to May.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from homeroom.contract.schema import BASE_UNITS_PER_DAY

UNITS = BASE_UNITS_PER_DAY  # a day, in the contract's absent_fraction units (1/10,000 day)
FIRST_MONTH_DAY = (8, 15)


class Piece(NamedTuple):
    """An amount column of the rows (in UNITS) and the category and code its days get."""

    column: str
    category: str
    code: str


def first_day(
    school_year: int, month_day: tuple[int, int] = FIRST_MONTH_DAY, holidays: Iterable[str] = ()
) -> dt.date:
    """The first weekday (not a holiday) on or after `month_day` of the year the school year
    starts."""
    start = np.busday_offset(
        np.datetime64(dt.date(school_year - 1, *month_day)),
        0,
        roll="forward",
        holidays=_holidays(holidays),
    )
    return start.astype(object)


def _holidays(holidays: Iterable[str]) -> np.ndarray:
    """The holidays as dates; text that is no ISO date matches no day, as it never could."""
    days = []
    for text in holidays:
        try:
            days.append(dt.date.fromisoformat(str(text).strip()))
        except ValueError:
            continue
    return np.array(sorted(days), dtype="datetime64[D]")


def _dates(
    years: np.ndarray, day_index: np.ndarray, month_day: tuple[int, int], holidays: np.ndarray
) -> np.ndarray:
    """ISO text of school day `day_index` (0-based) of each school year."""
    out = np.empty(len(day_index), dtype=object)
    for year in np.unique(years):
        mine = years == year
        first = np.datetime64(dt.date(int(year) - 1, *month_day))
        start = np.busday_offset(first, 0, roll="forward", holidays=holidays)
        # A year has a few hundred school days: make each day's text once and share it.
        days, which = np.unique(day_index[mine], return_inverse=True)
        text = np.datetime_as_string(
            np.busday_offset(start, days, roll="forward", holidays=holidays), unit="D"
        ).astype(object)
        out[mine] = text[which]
    return out


def place(
    rows: pd.DataFrame,
    pieces: Sequence[Piece],
    *,
    month_day: tuple[int, int] = FIRST_MONTH_DAY,
    holidays: Iterable[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stays, calendars and absence rows of rows that can be placed.

    `rows` has `_line` (carried through to say where each output row came from), `student_id`,
    `school_id`, `school_year` (the year it ends, an int), `days` (days enrolled, a whole number
    above 0) and each piece's column in UNITS, with at most `days` absence rows needed (a part
    day takes a day of its own). Returns stays (`entry_date`, `exit_date`: the last day
    enrolled), calendars (`calendar_id` = school) and absences (`date`, `category`, `code`,
    `absent_fraction` "1" or the part, such as "0.5").
    """
    stays, calendar, batches = place_in_batches(
        rows, pieces, month_day=month_day, holidays=holidays, batch=max(len(rows), 1)
    )
    parts = list(batches)
    return stays, calendar, pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def place_in_batches(
    rows: pd.DataFrame,
    pieces: Sequence[Piece],
    *,
    month_day: tuple[int, int] = FIRST_MONTH_DAY,
    holidays: Iterable[str] = (),
    batch: int = 50_000,
) -> tuple[pd.DataFrame, pd.DataFrame, Iterator[pd.DataFrame]]:
    """As `place`, the absence rows made `batch` source rows at a time (a district's year is
    ~14 absence rows a student), then the `present` rows that mark each school's last day."""
    hol = _holidays(holidays)
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
            "entry_date": _dates(years, offset, month_day, hol),
            "exit_date": _dates(years, last, month_day, hol),
        }
    )
    calendar = _calendars(stays, years, last, month_day, hol)

    def absences() -> Iterator[pd.DataFrame]:
        marked: list[pd.DataFrame] = []
        for start in range(0, max(len(rows), 1), batch):
            end = start + batch
            part = _absences(
                rows.iloc[start:end], pieces, offset[start:end], days[start:end],
                years[start:end], month_day, hol,
            )  # fmt: skip
            marked.append(part[["school_id", "date"]].drop_duplicates())
            yield part
        seen = pd.concat(marked, ignore_index=True).drop_duplicates()
        present = _last_days(seen, stays, calendar)
        if len(present):
            yield present

    return stays, calendar, absences()


def _calendars(
    stays: pd.DataFrame,
    years: np.ndarray,
    last: np.ndarray,
    month_day: tuple[int, int],
    holidays: np.ndarray,
) -> pd.DataFrame:
    """Each school's first N weekdays of each year, N the latest day a stay there reaches."""
    length = (
        pd.DataFrame({"school_id": stays["school_id"], "school_year": years, "n": last + 1})
        .groupby(["school_id", "school_year"], sort=True)["n"]
        .max()
    )
    cal_school = np.repeat(length.index.get_level_values(0).to_numpy(), length.to_numpy())
    cal_year = np.repeat(length.index.get_level_values(1).to_numpy(), length.to_numpy())
    starts = np.repeat(np.cumsum(length.to_numpy()) - length.to_numpy(), length.to_numpy())
    cal_index = np.arange(len(cal_school)) - starts
    return pd.DataFrame(
        {
            "calendar_id": cal_school,
            "school_year": cal_year.astype(str),
            "date": _dates(cal_year, cal_index, month_day, holidays),
            "instructional": "true",
        }
    )


def _last_days(marked: pd.DataFrame, stays: pd.DataFrame, calendar: pd.DataFrame) -> pd.DataFrame:
    """For each school and year with no absence on its last day (`marked`: the school and date
    pairs with one), a `present` row on that day for the first student enrolled then:
    attendance recorded through the end."""
    last = calendar.groupby(["calendar_id", "school_year"], sort=False)["date"].max()
    ends = pd.DataFrame(
        {
            "school_id": last.index.get_level_values(0),
            "school_year": last.index.get_level_values(1).astype(np.int64),
            "date": last.to_numpy(),
        }
    )
    marked = ends.merge(marked, how="left", indicator=True)
    open_ends = marked.loc[marked["_merge"] == "left_only", ["school_id", "school_year", "date"]]
    enrolled = stays.merge(
        open_ends,
        left_on=["school_id", "school_year", "exit_date"],
        right_on=["school_id", "school_year", "date"],
    ).drop_duplicates(["school_id", "school_year"])
    return pd.DataFrame(
        {
            "_line": enrolled["_line"].to_numpy(),
            "student_id": enrolled["student_id"].to_numpy(),
            "school_id": enrolled["school_id"].to_numpy(),
            "date": enrolled["date"].to_numpy(),
            "category": "present",
            "code": "",
            "absent_fraction": "0",
        }
    )


def _absences(
    rows: pd.DataFrame,
    pieces: Sequence[Piece],
    offset: np.ndarray,
    days: np.ndarray,
    years: np.ndarray,
    month_day: tuple[int, int],
    holidays: np.ndarray,
) -> pd.DataFrame:
    amounts = [rows[p.column].to_numpy(dtype=np.int64) for p in pieces]
    counts = np.stack([(a + UNITS - 1) // UNITS for a in amounts], axis=1).reshape(
        len(rows), len(pieces)
    )  # rows per category
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
    part = np.stack(amounts, axis=1).reshape(len(rows), len(pieces))[owner, category] % UNITS
    units = np.where(last_of_category & (part > 0), part, UNITS)
    fraction = np.full(total, "1", dtype=object)
    partial = units < UNITS
    fraction[partial] = [f"{v:.4f}".rstrip("0") for v in units[partial] / UNITS]
    names = np.array([p.category for p in pieces], dtype=object)
    codes = np.array([p.code for p in pieces], dtype=object)
    return pd.DataFrame(
        {
            "_line": rows["_line"].to_numpy()[owner],
            "student_id": rows["student_id"].to_numpy()[owner],
            "school_id": rows["school_id"].to_numpy()[owner],
            "date": _dates(years[owner], offset[owner] + position, month_day, holidays),
            "category": names[category],
            "code": codes[category],
            "absent_fraction": fraction,
        }
    )
