"""The early-warning rule thresholds of a definition: its `[signals]` section.

Every number the rules of `homeroom.signals.rules` compare against is read here, from the
definition's TOML file; the shipped values live only in `profiles/default.toml`, which every
shipped profile extends. A file that leaves out `[signals]` (or some of its keys) gets the
values of `default.toml` for what it leaves out.

A key is declared once, as a field of `SignalRules` with its kind (`_share`, `_days`,
`_amount`); the list of keys and how each is read follow from the fields. Shares are exact
`Fraction`s (like the chronic threshold); day counts that may be partial (half days) are
`Fraction`s too; counts of school days are whole numbers.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from homeroom.definitions.values import DefinitionError, amount, share, whole
from homeroom.definitions.values import number_text as _number
from homeroom.definitions.values import percent_text as _percent


def _share() -> Any:
    """A share of days, 0 to 1 (0.1, "10%" or "1/10")."""
    return dataclasses.field(metadata={"kind": "share"})


def _days(least: int) -> Any:
    """A whole number of school days, at least `least`."""
    return dataclasses.field(metadata={"kind": "school_days", "least": least})


def _amount(positive: bool) -> Any:
    """Days (or points) that may be partial; above 0 when `positive`, else 0 or more."""
    return dataclasses.field(metadata={"kind": "amount", "positive": positive})


@dataclass(frozen=True)
class SignalRules:
    """The thresholds of the twelve rules (docs/signals.md, "Rules")."""

    prior_year_chronic: Fraction = _share()  # last year's rate from which early support (tier 2)
    prior_year_severe: Fraction = _share()  # ... and from which intensive support (tier 3)
    pace_absences_per_month: Fraction = _amount(True)  # `pace`: days absent per whole month
    ytd_chronic: Fraction = _share()  # this year's absence rate from which early support
    ytd_severe: Fraction = _share()  # ... and from which intensive support
    no_improvement_school_days: int = _days(1)  # school days after early support began
    september_absences: Fraction = _amount(True)  # `september_2_4` from this many days absent
    september_many_absences: Fraction = _amount(True)  # `september_5_plus` from this many
    monday_friday_share: Fraction = _share()  # share of days absent on a Monday or Friday
    monday_friday_minimum_days: Fraction = _amount(False)  # ... with at least this many on them
    consecutive_days: int = _days(2)  # a run of this many school days absent in a row
    recent_rise_school_days: int = _days(1)  # the recent window: the last this many school days
    recent_rise_points: Fraction = _amount(False)  # recent minus earlier rate, percentage points
    recent_rise_minimum_days_absent: Fraction = _amount(False)  # days absent in the window
    recent_rise_minimum_days_before: int = _days(1)  # school days enrolled before the window
    new_arrival_after_school_days: int = _days(0)  # first day this year after this many days

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


KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(SignalRules))
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
    values = {**_shipped_values(), **section}
    # Any: each value has its own field's type (Fraction or int), checked by `_value`.
    parsed: dict[str, Any] = {
        f.name: _value(path, f, values[f.name]) for f in dataclasses.fields(SignalRules)
    }
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


def _value(path: Path, key: dataclasses.Field[Any], value: Any) -> Fraction | int:
    """One key's value, read as its field's kind says."""
    kind = key.metadata["kind"]
    if kind == "share":
        return share(path, f"signals.{key.name}", value)
    if kind == "school_days":
        return whole(path, f"[signals] {key.name}", value, key.metadata["least"])
    return amount(path, f"[signals] {key.name}", value, key.metadata["positive"])
