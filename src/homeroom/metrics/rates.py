"""Exact comparisons of a rate against a cut point.

`numerator / denominator >= share` is decided as `numerator * share.denominator >=
share.numerator * denominator` in integers, so 1.9 of 19 days is exactly 10%.
"""

from __future__ import annotations

from fractions import Fraction

import ibis
import ibis.expr.types as ir


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
