"""Each flag's reason in one sentence a principal understands, with the numbers behind it.

Numbers are written from exact units: days absent as whole days or decimals ("2.5"), rates as
percentages cut (never rounded up) to one decimal, so a reason never shows a student over a cut
point they have not reached. Dates read "September 3, 2024".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pandas as pd

from homeroom.definitions import Definition


def days_text(units: int, units_per_day: int) -> str:
    """Days from exact units: "3", "2.5", "0.33"."""
    units = int(units)
    if units % units_per_day == 0:
        return str(units // units_per_day)
    return f"{units / units_per_day:.2f}".rstrip("0").rstrip(".")


def percent_text(units: int, days: int, units_per_day: int) -> str:
    """units / (days x units_per_day) as a percentage cut to one decimal: "12.5%", "10%"."""
    tenths = (int(units) * 1000) // (int(days) * units_per_day)
    whole, tenth = divmod(tenths, 10)
    return f"{whole}%" if tenth == 0 else f"{whole}.{tenth}%"


def share_text(share: Fraction) -> str:
    value = share * 100
    return f"{value.numerator}%" if value.denominator == 1 else f"{float(value):g}%"


def amount_text(amount: Fraction) -> str:
    return str(amount.numerator) if amount.denominator == 1 else f"{float(amount):g}"


def date_text(day: Any) -> str:
    day = pd.Timestamp(day).date() if not isinstance(day, dt.date) else day
    return f"{day:%B} {day.day}, {day.year}"


def year_text(school_year: int) -> str:
    """2024 -> "2023-24"."""
    return f"{school_year - 1}-{school_year % 100:02d}"


def _plural(count: Any, word: str) -> str:
    return f"{count} {word}" if str(count) == "1" else f"{count} {word}s"


def evidence(facts: pd.DataFrame, units_per_day: int) -> pd.DataFrame:
    """The evidence columns (docs/signals.md) from student facts, one row per student."""
    upd = float(units_per_day)
    f = facts

    def rate(units: pd.Series, days: pd.Series) -> pd.Series:
        days = pd.to_numeric(days, errors="coerce").astype("float64")
        units = pd.to_numeric(units, errors="coerce").astype("float64")
        return (units / (days * upd)).where(days > 0)

    def days(units: pd.Series) -> pd.Series:
        return pd.to_numeric(units, errors="coerce").astype("float64") / upd

    earlier_days = f["days_enrolled"] - f["recent_days_enrolled"]
    earlier_units = f["absent_units"] - f["recent_units"]
    out = pd.DataFrame(
        {
            "student_id": f["student_id"],
            "school_id": f["school_id"],
            "school_year": f["school_year"].astype("int64"),
            "district_id": f["district_id"],
            "grade_level": f["grade_level"],
            "first_day": f["first_day"],
            "days_enrolled": f["days_enrolled"].astype("int64"),
            "days_absent": days(f["absent_units"]),
            "absence_rate": rate(f["absent_units"], f["days_enrolled"]),
            "months_completed": f["months_completed"].astype("int64"),
            "september_days_absent": days(f["september_units"]),
            "monday_friday_days_absent": days(f["monday_friday_units"]),
            "longest_run": f["longest_run"].astype("int64"),
            "longest_run_start": f["longest_run_start"],
            "longest_run_end": f["longest_run_end"],
            "recent_days_enrolled": f["recent_days_enrolled"].astype("int64"),
            "recent_days_absent": days(f["recent_units"]),
            "recent_rate": rate(f["recent_units"], f["recent_days_enrolled"]),
            "earlier_rate": rate(earlier_units, earlier_days),
            "prior_year_days_enrolled": f["prior_year_days_enrolled"].astype("Int64"),
            "prior_year_days_absent": days(f["prior_year_absent_units"]),
            "prior_year_rate": rate(f["prior_year_absent_units"], f["prior_year_days_enrolled"]),
            "support_started": f["support_started"],
            "support_basis": f["support_basis"],
            "since_support_days_enrolled": f["since_support_days"].astype("Int64"),
            "since_support_days_absent": days(f["since_support_units"]),
            "before_support_rate": rate(f["before_support_units"], f["before_support_days"]),
        }
    )
    return out.reset_index(drop=True)


def write(rule: str, facts: pd.DataFrame, definition: Definition, units_per_day: int) -> list[str]:
    """The reason of `rule` for each of these students (facts rows where it fires)."""
    writer = _WRITERS[rule]
    rows = facts.to_dict(orient="records")
    return [writer(row, definition, units_per_day) for row in rows]


Row = dict[str, Any]


def _prior(row: Row, definition: Definition, upd: int, words: str) -> str:
    units, days = row["prior_year_absent_units"], row["prior_year_days_enrolled"]
    year = year_text(int(row["school_year"]) - 1)
    return (
        f"{words} last year ({year}): {days_text(units, upd)} of {_plural(days, 'school day')} "
        f"missed ({percent_text(units, days, upd)})"
    )


def _prior_year_chronic(row: Row, definition: Definition, upd: int) -> str:
    return _prior(row, definition, upd, "Chronically absent")


def _prior_year_severe(row: Row, definition: Definition, upd: int) -> str:
    return _prior(row, definition, upd, "Severely chronically absent")


def _pace(row: Row, definition: Definition, upd: int) -> str:
    per_month = definition.signals.pace_absences_per_month
    months = int(row["months_completed"])
    absent = days_text(row["absent_units"], upd)
    since = date_text(row["first_day"])
    limit = amount_text(per_month * max(1, months))
    if months < 1:
        return (
            f"{_plural(absent, 'day')} absent since {since}, within the first month "
            f"(pace rule: {amount_text(per_month)} a month)"
        )
    return (
        f"{_plural(absent, 'day')} absent since {since}, with "
        f"{_plural(months, 'whole month')} completed (pace rule: {amount_text(per_month)} a "
        f"month, so {limit} or more)"
    )


def _ytd(row: Row, upd: int, cut: Fraction, support: str) -> str:
    units, days = row["absent_units"], row["days_enrolled"]
    return (
        f"Absent {percent_text(units, days, upd)} of school days this year so far: "
        f"{days_text(units, upd)} of {days} days ({support} from {share_text(cut)})"
    )


def _ytd_chronic(row: Row, definition: Definition, upd: int) -> str:
    return _ytd(row, upd, definition.signals.ytd_chronic, "early support")


def _ytd_severe(row: Row, definition: Definition, upd: int) -> str:
    return _ytd(row, upd, definition.signals.ytd_severe, "intensive support")


def _no_improvement(row: Row, definition: Definition, upd: int) -> str:
    since_units, since_days = row["since_support_units"], row["since_support_days"]
    before_units, before_days = row["before_support_units"], row["before_support_days"]
    now = percent_text(since_units, since_days, upd)
    before = percent_text(before_units, before_days, upd)
    if row["support_basis"] == "last_year":
        return (
            f"No improvement on last year's chronic absence after {since_days} school days: "
            f"absent {now} this year ({days_text(since_units, upd)} of {since_days} days), "
            f"{before} last year"
        )
    return (
        f"No improvement {since_days} school days after early support began on "
        f"{date_text(row['support_started'])}: absent {now} of days since "
        f"({days_text(since_units, upd)} of {since_days}), {before} before "
        f"({days_text(before_units, upd)} of {before_days})"
    )


def _september(row: Row, definition: Definition, upd: int) -> str:
    return f"{_plural(days_text(row['september_units'], upd), 'day')} absent in September"


def _september_2_4(row: Row, definition: Definition, upd: int) -> str:
    rules = definition.signals
    return (
        f"{_september(row, definition, upd)} ({amount_text(rules.september_absences)} to under "
        f"{amount_text(rules.september_many_absences)} is an early warning)"
    )


def _september_5_plus(row: Row, definition: Definition, upd: int) -> str:
    many = amount_text(definition.signals.september_many_absences)
    return f"{_september(row, definition, upd)} ({many} or more)"


def _monday_friday(row: Row, definition: Definition, upd: int) -> str:
    units, total = row["monday_friday_units"], row["absent_units"]
    share = (int(units) * 1000) // int(total)
    whole, tenth = divmod(share, 10)
    percent = f"{whole}%" if tenth == 0 else f"{whole}.{tenth}%"
    return (
        f"{days_text(units, upd)} of {_plural(days_text(total, upd), 'day')} absent "
        f"fell on a Monday or Friday ({percent})"
    )


def _consecutive(row: Row, definition: Definition, upd: int) -> str:
    start, end = row["longest_run_start"], row["longest_run_end"]
    text = (
        f"Absent {row['longest_run']} school days in a row, {date_text(start)} to {date_text(end)}"
    )
    if int(row["long_runs"]) > 1:
        text += (
            f" ({row['long_runs']} runs of {definition.signals.consecutive_days} or more this year)"
        )
    return text


def _recent_rise(row: Row, definition: Definition, upd: int) -> str:
    window = definition.signals.recent_rise_school_days
    recent_units, recent_days = row["recent_units"], row["recent_days_enrolled"]
    earlier_units = row["absent_units"] - recent_units
    earlier_days = row["days_enrolled"] - recent_days
    return (
        f"Absent {percent_text(recent_units, recent_days, upd)} of the last {window} school "
        f"days ({days_text(recent_units, upd)} of {recent_days}), up from "
        f"{percent_text(earlier_units, earlier_days, upd)} before "
        f"({days_text(earlier_units, upd)} of {earlier_days} days)"
    )


def _new_arrival(row: Row, definition: Definition, upd: int) -> str:
    return f"Arrived on {date_text(row['first_day'])}, school day {row['first_number']} of the year"


_WRITERS: dict[str, Callable[[Row, Definition, int], str]] = {
    "prior_year_chronic": _prior_year_chronic,
    "prior_year_severe": _prior_year_severe,
    "pace": _pace,
    "ytd_chronic": _ytd_chronic,
    "ytd_severe": _ytd_severe,
    "no_improvement": _no_improvement,
    "september_2_4": _september_2_4,
    "september_5_plus": _september_5_plus,
    "monday_friday": _monday_friday,
    "consecutive": _consecutive,
    "recent_rise": _recent_rise,
    "new_arrival": _new_arrival,
}
