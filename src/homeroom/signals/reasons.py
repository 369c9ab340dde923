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

import numpy as np
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
    # Plain Python strings take and sort several times faster than Arrow-backed ones.
    for column in ("student_id", "school_id", "district_id", "grade_level", "support_basis"):
        out[column] = out[column].astype(object)
    return out.reset_index(drop=True)


def write(rule: str, facts: pd.DataFrame, definition: Definition, units_per_day: int) -> list[str]:
    """The reason of `rule` for each of these students (facts rows where it fires).

    Numbers become text once per distinct value (`_Texts`), then each sentence is one f-string:
    a district's hundreds of thousands of flags take a second or two, not a minute.
    """
    return _WRITERS[rule](_Texts(facts, units_per_day), definition)


class _Texts:
    """Columns of facts as text, each distinct value formatted once."""

    def __init__(self, facts: pd.DataFrame, units_per_day: int) -> None:
        self.facts = facts
        self.upd = units_per_day

    def column(self, name: str) -> list[Any]:
        return self.facts[name].tolist()

    def whole(self, name: str) -> list[str]:
        """A count as text ("30"), also from a column with gaps that came back as floats."""
        return _mapped(self.facts[name], lambda v: str(int(v)))

    def days(self, units: str | pd.Series) -> list[str]:
        values = self.facts[units] if isinstance(units, str) else units
        return _mapped(values, lambda v: days_text(v, self.upd))

    def percent(self, units: str | pd.Series, days: str | pd.Series) -> list[str]:
        units = self.facts[units] if isinstance(units, str) else units
        days = self.facts[days] if isinstance(days, str) else days
        tenths = (units.astype("int64") * 1000) // (days.astype("int64") * self.upd)
        return _mapped(tenths, _tenths_text)

    def dates(self, name: str) -> list[str]:
        return _mapped(self.facts[name], date_text)


def _mapped(values: pd.Series, text: Callable[[Any], str]) -> list[str]:
    codes, distinct = pd.factorize(values)
    # A missing value (code -1) reads as the empty text added at the end.
    words = np.array([text(value) for value in distinct] + [""], dtype=object)
    return words[codes].tolist()


def _tenths_text(tenths: int) -> str:
    whole, tenth = divmod(int(tenths), 10)
    return f"{whole}%" if tenth == 0 else f"{whole}.{tenth}%"


def _s(count: str) -> str:
    """The plural ending after a number written as text."""
    return "" if count == "1" else "s"


def _prior(t: _Texts, words: str) -> list[str]:
    years = _mapped(t.facts["school_year"], lambda y: year_text(int(y) - 1))
    absent = t.days("prior_year_absent_units")
    days = t.whole("prior_year_days_enrolled")
    rates = t.percent("prior_year_absent_units", "prior_year_days_enrolled")
    return [
        f"{words} last year ({y}): {a} of {n} school day{_s(n)} missed ({r})"
        for y, a, n, r in zip(years, absent, days, rates, strict=True)
    ]


def _prior_year_chronic(t: _Texts, definition: Definition) -> list[str]:
    return _prior(t, "Chronically absent")


def _prior_year_severe(t: _Texts, definition: Definition) -> list[str]:
    return _prior(t, "Severely chronically absent")


def _pace(t: _Texts, definition: Definition) -> list[str]:
    per_month = definition.signals.pace_absences_per_month
    rate = amount_text(per_month)
    limits: dict[int, str] = {}

    def limit(months: int) -> str:
        if months not in limits:
            limits[months] = amount_text(per_month * months)
        return limits[months]

    out = []
    for a, since, months in zip(
        t.days("absent_units"), t.dates("first_day"), t.column("months_completed"), strict=True
    ):
        months = int(months)
        if months < 1:
            out.append(
                f"{a} day{_s(a)} absent since {since}, within the first month "
                f"(pace rule: {rate} a month)"
            )
        else:
            out.append(
                f"{a} day{_s(a)} absent since {since}, with {months} whole "
                f"month{_s(str(months))} completed (pace rule: {rate} a month, so "
                f"{limit(months)} or more)"
            )
    return out


def _ytd(t: _Texts, cut: Fraction, support: str) -> list[str]:
    rates = t.percent("absent_units", "days_enrolled")
    note = f"({support} from {share_text(cut)})"
    return [
        f"Absent {r} of school days this year so far: {a} of {n} days {note}"
        for r, a, n in zip(rates, t.days("absent_units"), t.whole("days_enrolled"), strict=True)
    ]


def _ytd_chronic(t: _Texts, definition: Definition) -> list[str]:
    return _ytd(t, definition.signals.ytd_chronic, "early support")


def _ytd_severe(t: _Texts, definition: Definition) -> list[str]:
    return _ytd(t, definition.signals.ytd_severe, "intensive support")


def _no_improvement(t: _Texts, definition: Definition) -> list[str]:
    now = t.percent("since_support_units", "since_support_days")
    before = t.percent("before_support_units", "before_support_days")
    since_absent = t.days("since_support_units")
    before_absent = t.days("before_support_units")
    started = t.dates("support_started")
    out = []
    for basis, n, r, a, br, ba, bn, s in zip(
        t.column("support_basis"),
        t.whole("since_support_days"),
        now,
        since_absent,
        before,
        before_absent,
        t.whole("before_support_days"),
        started,
        strict=True,
    ):
        if basis == "last_year":
            out.append(
                f"No improvement on last year's chronic absence after {n} school days: "
                f"absent {r} this year ({a} of {n} days), {br} last year"
            )
        else:
            out.append(
                f"No improvement {n} school days after early support began on {s}: "
                f"absent {r} of days since ({a} of {n}), {br} before ({ba} of {bn})"
            )
    return out


def _september_2_4(t: _Texts, definition: Definition) -> list[str]:
    rules = definition.signals
    band = (
        f"{amount_text(rules.september_absences)} to under "
        f"{amount_text(rules.september_many_absences)} is an early warning"
    )
    return [f"{a} day{_s(a)} absent in September ({band})" for a in t.days("september_units")]


def _september_5_plus(t: _Texts, definition: Definition) -> list[str]:
    many = amount_text(definition.signals.september_many_absences)
    return [
        f"{a} day{_s(a)} absent in September ({many} or more)" for a in t.days("september_units")
    ]


def _monday_friday(t: _Texts, definition: Definition) -> list[str]:
    units, total = t.facts["monday_friday_units"], t.facts["absent_units"]
    shares = _mapped((units.astype("int64") * 1000) // total.astype("int64"), _tenths_text)
    return [
        f"{m} of {a} day{_s(a)} absent fell on a Monday or Friday ({r})"
        for m, a, r in zip(t.days(units), t.days(total), shares, strict=True)
    ]


def _consecutive(t: _Texts, definition: Definition) -> list[str]:
    least = definition.signals.consecutive_days
    out = []
    for n, start, end, runs in zip(
        t.whole("longest_run"),
        t.dates("longest_run_start"),
        t.dates("longest_run_end"),
        t.whole("long_runs"),
        strict=True,
    ):
        text = f"Absent {n} school days in a row, {start} to {end}"
        if int(runs) > 1:
            text += f" ({runs} runs of {least} or more this year)"
        out.append(text)
    return out


def _recent_rise(t: _Texts, definition: Definition) -> list[str]:
    window = definition.signals.recent_rise_school_days
    f = t.facts
    earlier_units = f["absent_units"] - f["recent_units"]
    earlier_days = f["days_enrolled"] - f["recent_days_enrolled"]
    return [
        f"Absent {r} of the last {window} school days ({a} of {n}), up from {er} before "
        f"({ea} of {en} days)"
        for r, a, n, er, ea, en in zip(
            t.percent("recent_units", "recent_days_enrolled"),
            t.days("recent_units"),
            t.whole("recent_days_enrolled"),
            t.percent(earlier_units, earlier_days),
            t.days(earlier_units),
            earlier_days.tolist(),
            strict=True,
        )
    ]


def _new_arrival(t: _Texts, definition: Definition) -> list[str]:
    return [
        f"Arrived on {day}, school day {n} of the year"
        for day, n in zip(t.dates("first_day"), t.whole("first_number"), strict=True)
    ]


_WRITERS: dict[str, Callable[[_Texts, Definition], list[str]]] = {
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
