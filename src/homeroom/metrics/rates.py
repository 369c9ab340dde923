"""Exact comparisons of a rate against a cut point.

`numerator / denominator >= share` is decided as `numerator * share.denominator >=
share.numerator * denominator` in integers, so 1.9 of 19 days is exactly 10%.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

if TYPE_CHECKING:
    from homeroom.definitions import Definition


def at_least(
    numerator: ir.IntegerValue, denominator: ir.IntegerValue, share: Fraction
) -> ir.BooleanValue:
    return numerator * share.denominator >= denominator * share.numerator


def banded(
    numerator: ir.IntegerValue,
    denominator: ir.IntegerValue,
    names: tuple[str, ...],
    cuts: tuple[Fraction, ...],
) -> ir.StringValue:
    """The name of the band a rate falls in: names[0] below cuts[0], names[i] from cuts[i-1]."""
    branches = [
        (at_least(numerator, denominator, cut), name)
        for name, cut in reversed(list(zip(names[1:], cuts, strict=True)))
    ]
    return ibis.cases(*branches, else_=names[0])


def meets_threshold(
    absent_units: Any, days_enrolled: Any, definition: Definition, units_per_day: int
) -> Any:
    """Days absent at the definition's chronic threshold, exactly: a share of the days enrolled
    (10%) or a number of days (15), with absences in units of 1/units_per_day of a day.

    The one copy of the rule: it takes Ibis integer columns (the metrics) or NumPy arrays of
    Python integers (the early-warning features) alike.
    """
    if definition.threshold_share is not None:
        return at_least(absent_units, days_enrolled * units_per_day, definition.threshold_share)
    limit = definition.threshold_days
    assert limit is not None  # a definition has a share or a number of days
    bound = limit.numerator * units_per_day
    if isinstance(absent_units, ir.Value):
        return absent_units * limit.denominator >= ibis.literal(bound, "int64")
    return absent_units * limit.denominator >= bound
