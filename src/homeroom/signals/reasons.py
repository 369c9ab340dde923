"""How a flag's reason writes its numbers, and the evidence columns after it.

The reasons themselves are written by each rule (`homeroom.signals.rules`) from these helpers.
Numbers are written from exact units: days absent as whole days or decimals ("2.5"), rates as
percentages cut (never rounded up) to one decimal, so a reason never shows a student over a cut
point they have not reached. Dates read "3 September 2024" (`homeroom.formats`, the
one date formatter of every page and file).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from homeroom.formats import date_text


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


def year_text(school_year: int) -> str:
    """2024 -> "2023-24"."""
    return f"{school_year - 1}-{school_year % 100:02d}"


def evidence(facts: pd.DataFrame, units_per_day: int) -> pd.DataFrame:
    """The evidence columns (docs/signals.md) from student facts, one row per student."""
    upd = float(units_per_day)
    f = facts

    def rate(units: pd.Series, days: pd.Series) -> pd.Series:
        return unit_rate(units, days, units_per_day)

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
    # Plain Python strings take and sort several times faster than Arrow-backed ones.
    for column in ("student_id", "school_id", "district_id", "grade_level", "support_basis"):
        out[column] = out[column].astype(object)
    return out.reset_index(drop=True)


def unit_rate(units: pd.Series, days: pd.Series, units_per_day: int) -> pd.Series:
    """Units absent / (days x units_per_day) as a float share; NaN where no day is counted."""
    days = pd.to_numeric(days, errors="coerce").astype("float64")
    units = pd.to_numeric(units, errors="coerce").astype("float64")
    return (units / (days * float(units_per_day))).where(days > 0)


class Texts:
    """Columns of student facts as text, each distinct value formatted once.

    Numbers become text once per distinct value, then each reason is one f-string per row: a
    district's hundreds of thousands of flags take a second or two, not a minute.
    """

    def __init__(self, facts: pd.DataFrame, units_per_day: int) -> None:
        self.facts = facts
        self.upd = units_per_day

    def column(self, name: str) -> list[Any]:
        return self.facts[name].tolist()

    def whole(self, name: str) -> list[str]:
        """A count as text ("30"), also from a column with gaps that came back as floats."""
        return mapped(self.facts[name], lambda v: str(int(v)))

    def days(self, units: str | pd.Series) -> list[str]:
        values = self.facts[units] if isinstance(units, str) else units
        return mapped(values, lambda v: days_text(v, self.upd))

    def percent(self, units: str | pd.Series, days: str | pd.Series) -> list[str]:
        units = self.facts[units] if isinstance(units, str) else units
        days = self.facts[days] if isinstance(days, str) else days
        tenths = (units.astype("int64") * 1000) // (days.astype("int64") * self.upd)
        return mapped(tenths, tenths_text)

    def dates(self, name: str) -> list[str]:
        return mapped(self.facts[name], date_text)

    def years_before(self, name: str) -> list[str]:
        """The school year before each row's, in words: 2025 -> "2023-24"."""
        return mapped(self.facts[name], lambda y: year_text(int(y) - 1))


def mapped(values: pd.Series, text: Callable[[Any], str]) -> list[str]:
    codes, distinct = pd.factorize(values)
    # A missing value (code -1) reads as the empty text added at the end.
    words = np.array([text(value) for value in distinct] + [""], dtype=object)
    return words[codes].tolist()


def tenths_text(tenths: int) -> str:
    whole, tenth = divmod(int(tenths), 10)
    return f"{whole}%" if tenth == 0 else f"{whole}.{tenth}%"


def plural(count: str) -> str:
    """The plural ending after a number written as text: "1 day", "2 days", "2.5 days"."""
    return "" if count == "1" else "s"
