"""The early-warning rule thresholds of a definition: its `[signals]` section.

Every number the rules of `homeroom.signals.rules` compare against is read here, from the
definition's TOML file; the shipped values live only in `profiles/default.toml`, which every
shipped profile extends. A file that leaves out `[signals]` (or some of its keys) gets the
values of `default.toml` for what it leaves out.

Shares are exact `Fraction`s (like the chronic threshold); day counts that may be partial
(half days) are `Fraction`s too; counts of school days are whole numbers.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SignalRules:
    """The thresholds of the twelve rules (docs/signals.md, "Rules")."""

    prior_year_chronic: Fraction  # last year's absence rate from which early support (tier 2)
    prior_year_severe: Fraction  # ... and from which intensive support (tier 3)
    pace_absences_per_month: Fraction  # `pace`: this many days absent per whole month
    ytd_chronic: Fraction  # this year's absence rate from which early support
    ytd_severe: Fraction  # ... and from which intensive support
    no_improvement_school_days: int  # school days after early support began before judging
    september_absences: Fraction  # `september_2_4` from this many September days absent
    september_many_absences: Fraction  # `september_5_plus` from this many (2-4 stops below)
    monday_friday_share: Fraction  # share of days absent that fell on a Monday or Friday
    monday_friday_minimum_days: Fraction  # ... with at least this many days absent on them
    consecutive_days: int  # a run of this many school days absent in a row
    recent_rise_school_days: int  # the recent window: the last this many school days
    recent_rise_points: Fraction  # recent rate minus earlier rate, in percentage points
    recent_rise_minimum_days_absent: Fraction  # days absent in the window, at least
    recent_rise_minimum_days_before: int  # school days enrolled before the window, at least
    new_arrival_after_school_days: int  # first day this year after this many school days

    def summary_rows(self) -> list[tuple[str, str]]:
        """The thresholds in words, for `homeroom definitions` and docs."""
        return [
            (
                "last year",
                f"early support from {_percent(self.prior_year_chronic)} absent, "
                f"intensive from {_percent(self.prior_year_severe)}",
            ),
            ("pace", f"{_number(self.pace_absences_per_month)} days absent a month"),
            (
                "this year",
                f"early support from {_percent(self.ytd_chronic)} absent, "
                f"intensive from {_percent(self.ytd_severe)}",
            ),
            (
                "no improvement",
                f"judged {self.no_improvement_school_days} school days after early support began",
            ),
            (
                "September",
                f"{_number(self.september_absences)} to under "
                f"{_number(self.september_many_absences)} days absent, and "
                f"{_number(self.september_many_absences)} or more",
            ),
            (
                "Mondays and Fridays",
                f"{_percent(self.monday_friday_share)} or more of days absent, at least "
                f"{_number(self.monday_friday_minimum_days)}",
            ),
            ("days in a row", f"{self.consecutive_days} or more school days absent in a row"),
            (
                "recent rise",
                f"last {self.recent_rise_school_days} school days at least "
                f"{_number(self.recent_rise_points)} points above the days before "
                f"({_number(self.recent_rise_minimum_days_absent)}+ days absent in them, "
                f"{self.recent_rise_minimum_days_before}+ school days before)",
            ),
            (
                "new arrival",
                f"first day this year after {self.new_arrival_after_school_days} school days",
            ),
        ]


KEYS = (
    "prior_year_chronic",
    "prior_year_severe",
    "pace_absences_per_month",
    "ytd_chronic",
    "ytd_severe",
    "no_improvement_school_days",
    "september_absences",
    "september_many_absences",
    "monday_friday_share",
    "monday_friday_minimum_days",
    "consecutive_days",
    "recent_rise_school_days",
    "recent_rise_points",
    "recent_rise_minimum_days_absent",
    "recent_rise_minimum_days_before",
    "new_arrival_after_school_days",
)
_SHARES = (
    "prior_year_chronic",
    "prior_year_severe",
    "ytd_chronic",
    "ytd_severe",
    "monday_friday_share",
)
# (key, least whole number)
_SCHOOL_DAYS = (
    ("no_improvement_school_days", 1),
    ("consecutive_days", 2),
    ("recent_rise_school_days", 1),
    ("recent_rise_minimum_days_before", 1),
    ("new_arrival_after_school_days", 0),
)
# (key, must be above 0)
_AMOUNTS = (
    ("pace_absences_per_month", True),
    ("september_absences", True),
    ("september_many_absences", True),
    ("monday_friday_minimum_days", False),
    ("recent_rise_points", False),
    ("recent_rise_minimum_days_absent", False),
)
# (lower, higher): the higher band must start above the lower one
_RISING = (
    ("prior_year_chronic", "prior_year_severe"),
    ("ytd_chronic", "ytd_severe"),
    ("september_absences", "september_many_absences"),
)


@cache
def _shipped_values() -> dict[str, Any]:
    """The `[signals]` section of the shipped default profile (the one home of the numbers)."""
    path = resources.files("homeroom.definitions") / "profiles" / "default.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return dict(data["signals"])


def default_signal_rules() -> SignalRules:
    """The shipped thresholds (those of `default.toml`)."""
    return parse_signals({}, Path("default.toml"))


def parse_signals(section: dict[str, Any], path: Path) -> SignalRules:
    """A definition's `[signals]` section, its missing keys taken from `default.toml`."""
    from homeroom.definitions.profile import DefinitionError, _share, _whole

    values = {**_shipped_values(), **section}
    parsed: dict[str, Any] = {}
    for key in _SHARES:
        parsed[key] = _share(path, f"signals.{key}", values[key])
    for key, least in _SCHOOL_DAYS:
        parsed[key] = _whole(path, f"[signals] {key}", values[key], least)
    for key, positive in _AMOUNTS:
        parsed[key] = _amount(path, key, values[key], positive, DefinitionError)
    if parsed["recent_rise_points"] > 100:
        raise DefinitionError(
            f"{path}: [signals] recent_rise_points is in percentage points (0 to 100); "
            f"got {values['recent_rise_points']!r}"
        )
    for lower, higher in _RISING:
        if parsed[higher] <= parsed[lower]:
            raise DefinitionError(
                f"{path}: [signals] {higher} must be above {lower} "
                f"({_number(parsed[higher])} is not above {_number(parsed[lower])})"
            )
    return SignalRules(**parsed)


def _amount(path: Path, key: str, value: Any, positive: bool, error: type[Exception]) -> Fraction:
    """A number of days (or points) that may be partial, e.g. 2, 2.5 or "5/2"."""
    try:
        if isinstance(value, bool):
            raise ValueError
        amount = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise error(f"{path}: [signals] {key} must be a number such as 2; got {value!r}") from None
    if amount < 0 or (positive and amount == 0):
        least = "above 0" if positive else "0 or more"
        raise error(f"{path}: [signals] {key} must be {least}; got {value!r}")
    return amount


def _percent(share: Fraction) -> str:
    return f"{_number(share * 100)}%"


def _number(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):g}"
