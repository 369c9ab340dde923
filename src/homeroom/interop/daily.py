"""Period or minute attendance → one canonical attendance row per student, school and date.

Many systems record attendance per class period (or per period with the minutes missed);
Homeroom's contract counts days. `daily_attendance` folds the rows of one student, school and
date into one row with a category and an absent amount. The rules (also in docs/interop.md,
"Period and minute attendance"):

* **Time missed.** Period rows: a period in `excused`, `unexcused`, `suspension` or
  `in_school_suspension` is one period missed; a `tardy`, `early_departure`, `present` or
  `remote_present` period was attended and misses nothing. Minute rows: the row's
  `minutes_absent` (a row in an absence category with no minutes is the whole day; a `present`
  or `remote_present` row misses nothing whatever its minutes say).
* **The day's category** is the one with the most time missed among `unexcused`, `suspension`,
  `excused`, `early_departure`, `tardy`; ties go in that order (the order of how much follow-up
  the day calls for: truancy first). A student in in-school suspension is in the building, so
  those periods count only when they are the whole of the day's time missed (category
  `in_school_suspension`). A day with nothing missed takes the first of its categories in the
  order above, then `in_school_suspension`, `remote_present`, `present`.
* **The absent amount** is the time missed in the day's counting categories (all five above, or
  in-school suspension alone), capped at the day: the periods scheduled for the student that day,
  or the day's minutes. Repeated rows for one period are counted once (the first in the order
  above).
* **Exactness.** The amount is written as `minutes_absent` of the school's `day_minutes` when it
  is a whole number of them (validation then keeps it exact); otherwise as `absent_fraction`
  rounded half-even to 4 decimals, and never rounded up onto one half (so the half-day rule of a
  definition always sees the true side of a half day). The result's notes count such rows.

The definition's partial-day rule (fractional or half-day) is applied later by the metrics from
this amount; nothing here depends on a definition.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from homeroom.contract.schema import CATEGORIES
from homeroom.interop.result import SOURCE_FILE, SOURCE_LINE, ImportResult, source_line

KEYS = ("student_id", "school_id", "date")
# The day's category on a tie of time missed, and for a day with nothing missed.
DAY_CATEGORY_ORDER = (
    "unexcused",
    "suspension",
    "excused",
    "early_departure",
    "tardy",
    "in_school_suspension",
    "remote_present",
    "present",
)
# Categories whose time missed is the day's absent amount.
COUNTED = ("unexcused", "suspension", "excused", "early_departure", "tardy")
# A period in one of these was missed; a period in any other category was attended.
PERIOD_MISSED = ("excused", "unexcused", "suspension", "in_school_suspension")
# A minute row in one of these with no minutes given misses the whole day.
WHOLE_DAY_WHEN_EMPTY = PERIOD_MISSED
_NOT_MISSED = ("present", "remote_present")
_RANK = {c: i for i, c in enumerate(DAY_CATEGORY_ORDER)}
assert set(DAY_CATEGORY_ORDER) == set(CATEGORIES)

# An importer may mark a row it already knows is unusable (an unknown SIS code, say): the text
# of this column is the reason, and the row's day is rejected with it.
PROBLEM = "problem"
PROBLEM_COLUMN = "problem_column"  # the source column the problem is in (default: category)

DAILY_COLUMNS = (
    *KEYS,
    "category",
    "absent_fraction",
    "minutes_absent",
    SOURCE_FILE,
    SOURCE_LINE,
)


@dataclass
class DailyAttendance:
    """The daily rows, the source rows that could not be folded, and what was done."""

    attendance: pd.DataFrame  # DAILY_COLUMNS, strings or None
    rejected: list[tuple[str, str, int | None, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows_in: int = 0
    rows_folded: int = 0  # source rows that went into a daily row

    def apply_to(self, result: ImportResult) -> None:
        """Record this fold's rejects and notes on an import."""
        for rejected in self.rejected:
            result.reject(*rejected)
        for text in self.notes:
            result.note(text)


def daily_attendance(
    rows: pd.DataFrame,
    *,
    school_day_minutes: Mapping[str, int] | None = None,
    file: str = "",
) -> DailyAttendance:
    """Fold period or minute rows into one row per student, school and date.

    `rows` has `student_id`, `school_id`, `date` (ISO text), `category` (a canonical category)
    and either `period` (any id of the period or section; may be empty) with
    `periods_scheduled` (the student's periods that day), or `minutes_absent` with
    `day_minutes` (that day's length for the student). Optional `source_file`/`source_line`
    trace each row to its source (the daily row cites the first line of its day); `file` names
    the source where the rows carry no `source_file`. An optional `problem` column marks rows
    the caller already knows are unusable (its text is the reason).

    `school_day_minutes` (school_id → the schools table's `day_minutes`) lets amounts be
    written as exact minutes. Rows with an unknown category or an unusable period count or day
    length are rejected together with the other rows of their day (a day made from part of its
    rows would be wrong); rows with an empty student, school or date are passed on alone, so
    validation quarantines them with the contract's reasons.
    """
    by_period = "period" in rows.columns or "periods_scheduled" in rows.columns
    by_minutes = "minutes_absent" in rows.columns or "day_minutes" in rows.columns
    if by_period == by_minutes:
        raise ValueError(
            "rows need either period and periods_scheduled, or minutes_absent and day_minutes"
        )
    frame = _normalized(rows, file)
    out = DailyAttendance(pd.DataFrame(columns=list(DAILY_COLUMNS)), rows_in=len(frame))
    if frame.empty:
        return out
    if by_period:
        frame["denominator"] = whole(frame, "periods_scheduled", positive=True)
        frame = _collapse_repeated_periods(frame, out)
        attended = ~frame["category"].isin(PERIOD_MISSED)
        frame["missed"] = np.where(attended, 0, 1)
        frame.loc[frame["category"].isna(), "missed"] = 0
        unit = "periods"
    else:
        frame["denominator"] = whole(frame, "day_minutes", positive=True)
        minutes = whole(frame, "minutes_absent", positive=False)
        given = frame["minutes_absent"].notna()
        frame["_bad_minutes"] = given & minutes.isna()
        whole_day = ~given & frame["category"].isin(WHOLE_DAY_WHEN_EMPTY)
        missed = minutes.fillna(0).where(~whole_day, frame["denominator"])
        missed = missed.where(~frame["category"].isin(_NOT_MISSED), 0)
        frame["missed"] = missed.fillna(0).astype("int64")
        unit = "minutes"
    frame = reject_bad_days(frame, out, by_period)
    if frame.empty:
        return out
    out.attendance = _fold(frame, out, unit, dict(school_day_minutes or {}))
    out.rows_folded = len(frame)
    return out


# ------------------------------------------------------------------------------- preparing
def _normalized(rows: pd.DataFrame, file: str) -> pd.DataFrame:
    frame = rows.copy().reset_index(drop=True)
    for column in (*KEYS, "category"):
        if column not in frame.columns:
            raise ValueError(f"rows need a {column} column")
    for column in frame.columns:
        if column == SOURCE_LINE:
            continue
        values = frame[column].astype("string").str.strip()
        frame[column] = values.where(values.ne(""), None).astype(object)
    frame["category"] = frame["category"].map(lambda v: v.lower() if isinstance(v, str) else v)
    if SOURCE_FILE not in frame.columns:
        frame[SOURCE_FILE] = file
    frame[SOURCE_FILE] = frame[SOURCE_FILE].fillna(file)
    if SOURCE_LINE not in frame.columns:
        frame[SOURCE_LINE] = None
    frame[SOURCE_LINE] = pd.to_numeric(frame[SOURCE_LINE], errors="coerce").astype("Int64")
    frame["_order"] = np.arange(len(frame))
    # A row missing a key is a day of its own (validation will name the empty value).
    keyless = frame[list(KEYS)].isna().any(axis=1)
    frame["_day"] = frame.groupby(list(KEYS), dropna=False, sort=False).ngroup()
    frame.loc[keyless, "_day"] = frame["_day"].max() + 1 + np.arange(int(keyless.sum()))
    return frame


def whole(frame: pd.DataFrame, column: str, *, positive: bool) -> pd.Series:
    """A column as whole numbers (NaN where empty or not a whole number in range)."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    numbers = pd.to_numeric(frame[column], errors="coerce")
    whole = numbers.notna() & (numbers == np.floor(numbers)) & np.isfinite(numbers)
    whole &= numbers > 0 if positive else numbers >= 0
    return numbers.where(whole)


def _collapse_repeated_periods(frame: pd.DataFrame, out: DailyAttendance) -> pd.DataFrame:
    """One row per period of a day: the first in DAY_CATEGORY_ORDER (others are folded in)."""
    if "period" not in frame.columns:
        frame["period"] = None
    named = frame["period"].notna()
    rank = frame["category"].map(_RANK).fillna(len(_RANK))
    ordered = frame.assign(_rank=rank).sort_values(["_day", "period", "_rank", "_order"])
    repeated = named.loc[ordered.index] & ordered.duplicated(["_day", "period"], keep="first")
    count = int(repeated.sum())
    if count:
        out.notes.append(
            f"attendance: {count:,} period rows repeated a period already given for the same "
            "student and date; each period was counted once (the first of "
            f"{', '.join(DAY_CATEGORY_ORDER)})"
        )
        frame = frame.assign(_repeat=False)
        frame.loc[ordered.index[repeated.to_numpy()], "_repeat"] = True
    else:
        frame["_repeat"] = False
    return frame


def reject_bad_days(frame: pd.DataFrame, out: DailyAttendance, by_period: bool) -> pd.DataFrame:
    """Reject every row of a day that has a row the fold cannot use; the rest go on."""
    checks = _day_checks(frame, by_period)
    bad = pd.Series(False, index=frame.index)
    for mask, _column, _reason in checks:
        bad |= mask.fillna(False).astype(bool)
    if not bad.any():
        return frame
    doomed = frame["_day"].isin(frame.loc[bad, "_day"])
    first_bad: dict[int, int | None] = {}
    for index in frame.index[bad]:  # the first bad row of each day, in source order
        first_bad.setdefault(
            int(frame.at[index, "_day"]), source_line(frame.at[index, SOURCE_LINE])
        )
    for index in frame.index[doomed]:
        row = frame.loc[index]
        column, reason = "date", ""
        for mask, name, describe in checks:
            if bool(mask.at[index]):
                column, reason = name, describe(row)
                if mask is checks[0][0] and isinstance(row.get(PROBLEM_COLUMN), str):
                    column = row[PROBLEM_COLUMN]
                break
        if not reason:
            other = first_bad[int(row["_day"])]
            where = "" if other is None else f" (line {other})"
            reason = (
                f"another row of the same student and date{where} could not be read, so the "
                "day could not be folded; fix that row"
            )
        file = row[SOURCE_FILE] if isinstance(row[SOURCE_FILE], str) else ""
        out.rejected.append(("attendance", file, source_line(row[SOURCE_LINE]), column, reason))
    return frame[~doomed]


_Check = tuple[pd.Series, str, Callable[[pd.Series], str]]  # rows hit, column, reason of a row


def _day_checks(frame: pd.DataFrame, by_period: bool) -> list[_Check]:
    """What makes a row unusable for the fold, first reason first."""
    count_column = "periods_scheduled" if by_period else "day_minutes"
    category = frame["category"]
    problem = frame[PROBLEM] if PROBLEM in frame.columns else pd.Series(None, index=frame.index)
    checks: list[_Check] = [
        (
            problem.notna(),
            "category",
            lambda row: str(row[PROBLEM]),
        ),
        (
            category.isna(),
            "category",
            lambda _row: "category is empty; a day is folded from its rows' categories",
        ),
        (
            category.notna() & ~category.isin(CATEGORIES),
            "category",
            lambda row: (
                f"category {_shown(row['category'])} is not one of " + ", ".join(CATEGORIES)
            ),
        ),
        (
            frame["denominator"].isna(),
            count_column,
            lambda row: (
                f"{count_column} {_shown(row.get(count_column))} is not a whole number above 0"
            ),
        ),
    ]
    if not by_period:
        checks.append(
            (
                frame["_bad_minutes"],
                "minutes_absent",
                lambda row: (
                    f"minutes_absent {_shown(row['minutes_absent'])} is not a whole "
                    "number, 0 or more"
                ),
            )
        )
    return checks


def _shown(value: object) -> str:
    """A source value cited in a reason: quoted and cut short, or 'empty'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "empty"
    return repr(str(value)[:40])


# ---------------------------------------------------------------------------------- folding
def _fold(
    frame: pd.DataFrame, out: DailyAttendance, unit: str, school_minutes: dict[str, int]
) -> pd.DataFrame:
    frame = frame.sort_values("_order")
    counting = frame[~frame["_repeat"]] if "_repeat" in frame.columns else frame
    first = frame.drop_duplicates("_day").set_index("_day")
    days = first[[*KEYS, SOURCE_FILE, SOURCE_LINE]].copy()
    # In the days' order (first appearance), not the sorted day numbers: a row without a key
    # is numbered after every keyed day but may come first.
    denominator = frame.groupby("_day")["denominator"].max().astype("int64").reindex(days.index)
    spread = frame.groupby("_day")["denominator"].nunique()
    if (spread > 1).any():
        what = "periods_scheduled" if unit == "periods" else "day_minutes"
        out.notes.append(FOLD_NOTES["spread"].format(days=int((spread > 1).sum()), what=what))
    per_category = (
        counting.groupby(["_day", "category"])["missed"].sum().unstack(fill_value=0)
    ).reindex(index=days.index, columns=list(DAY_CATEGORY_ORDER), fill_value=0)
    present = (
        counting.assign(_one=1).groupby(["_day", "category"])["_one"].sum().unstack(fill_value=0)
    ).reindex(index=days.index, columns=list(DAY_CATEGORY_ORDER), fill_value=0) > 0
    counted = per_category[list(COUNTED)]
    counted_total = counted.sum(axis=1)
    # idxmax takes the first column on a tie, and COUNTED is in DAY_CATEGORY_ORDER.
    top_counted = counted.idxmax(axis=1)
    iss = per_category["in_school_suspension"]
    first_present = present.idxmax(axis=1)  # first category that has a row, in the order
    category = np.where(
        counted_total > 0, top_counted, np.where(iss > 0, "in_school_suspension", first_present)
    )
    missed = np.where(counted_total > 0, counted_total, iss).astype("int64")
    capped = missed > denominator.to_numpy()
    if capped.any():
        out.notes.append(FOLD_NOTES["capped"].format(days=int(capped.sum()), what=unit))
    missed = np.minimum(missed, denominator.to_numpy())
    days["category"] = category
    fraction, minutes, rounded = _amounts(
        missed, denominator.to_numpy(), days["school_id"], school_minutes
    )
    days["absent_fraction"] = pd.Series(fraction, index=days.index, dtype=object)
    days["minutes_absent"] = pd.Series(minutes, index=days.index, dtype=object)
    if rounded:
        out.notes.append(FOLD_NOTES["rounded"].format(days=rounded))
    days[SOURCE_LINE] = days[SOURCE_LINE].astype("Int64")
    return days.reset_index(drop=True)[list(DAILY_COLUMNS)]


# What a fold says about its days, shared with the SQL fold of large SIS files.
FOLD_NOTES = {
    "spread": "attendance: on {days:,} days the rows of one student and date gave different "
    "{what}; the largest was used",
    "capped": "attendance: on {days:,} days the {what} missed were more than the day's {what}; "
    "the day was counted as a whole day absent",
    "rounded": "attendance: {days:,} days' absent amount is not a whole number of the school's "
    "day_minutes; written as absent_fraction rounded half-even to 4 decimals (never rounded up "
    "onto one half)",
}


def _amounts(
    missed: np.ndarray, per_day: np.ndarray, schools: pd.Series, school_minutes: dict[str, int]
) -> tuple[list[str | None], list[str | None], int]:
    """`missed`/`per_day` as exact minutes of the school's day where whole, else a fraction."""
    day_minutes = schools.map(lambda s: school_minutes.get(s) if s is not None else None)
    fractions: list[str | None] = []
    minutes: list[str | None] = []
    rounded = 0
    for m, d, school in zip(missed.tolist(), per_day.tolist(), day_minutes.tolist(), strict=True):
        if m == 0:
            fractions.append(None)
            minutes.append(None)
        elif school is not None and not pd.isna(school) and (m * int(school)) % d == 0:
            fractions.append(None)
            minutes.append(str(m * int(school) // d))
        elif m == d:
            fractions.append("1")
            minutes.append(None)
        else:
            text, exact = fraction_text(m, d)
            rounded += not exact
            fractions.append(text)
            minutes.append(None)
    return fractions, minutes, rounded


def fraction_text(numerator: int, denominator: int) -> tuple[str, bool]:
    """numerator/denominator to 4 decimals, half-even; below one half stays below one half."""
    scaled = numerator * 10_000
    quotient, remainder = divmod(scaled, denominator)
    if remainder * 2 > denominator or (remainder * 2 == denominator and quotient % 2):
        quotient += 1
    if numerator * 2 < denominator and quotient * 2 >= 10_000:
        quotient = 4_999
    whole, part = divmod(quotient, 10_000)
    text = f"{whole}.{part:04d}".rstrip("0").rstrip(".") if part else str(whole)
    return text, remainder == 0
