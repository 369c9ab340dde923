"""How every page, report and file shows a date or a percentage: one formatter each.

Dates read "5 March 2025" everywhere people read them (the cells of data files keep ISO
`2025-03-05`, which every program reads). A leaf module: it imports nothing from homeroom, so
every layer (the import's read-me sheet, reports, the web, the commands) can use it cheaply.
A displayed percentage never crosses a cut point its label depends on: 17.55 absences in 176
days is 9.97%, "At risk" under a 10% line, so it shows as 9.9%, not 10.0%. Files keep the exact
values; only what people read is rounded.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from fractions import Fraction
from typing import Any


def date_text(value: dt.date | dt.datetime | str | None) -> str:
    """2025-03-05 -> "5 March 2025"; a missing date -> an em dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return date_text(dt.date.fromisoformat(value[:10]))
    if _not_a_time(value):
        return "—"
    # A datetime (pandas' Timestamp is one) reads as its date.
    day = value.date() if isinstance(value, dt.datetime) else value
    return f"{day.day} {day:%B} {day.year}"


def _not_a_time(value: object) -> bool:
    """pandas' NaT: a missing date that still passes for a datetime."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False
    return value is pd.NaT


def percent_text(share: Any, cuts: Iterable[Fraction | float] = (), digits: int = 1) -> str:
    """A share as a percentage with `digits` decimals that stays on its side of every cut.

    `cuts` are the shares a label next to the number depends on (a definition's threshold, its
    tier cut points). Rounding to nearest would move 0.0997 onto 10.0%; it shows as 9.9%
    instead. A missing share is an em dash, never "nan%".
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "—"
    try:
        import pandas as pd

        if pd.isna(share):
            return "—"
    except (ImportError, TypeError, ValueError):
        pass
    exact = _fraction(share)
    scale = 10**digits
    shown = Fraction(round(exact * 100 * scale), scale)  # in percent
    for cut in cuts:
        cut_percent = _fraction(cut) * 100
        if exact * 100 < cut_percent <= shown:
            # The largest shown value below the cut.
            shown = Fraction(math.ceil(cut_percent * scale) - 1, scale)
        elif shown < cut_percent <= exact * 100:
            shown = Fraction(math.ceil(cut_percent * scale), scale)
    return f"{float(shown):.{digits}f}%"


def _fraction(value: Any) -> Fraction:
    """An exact fraction; a float is read as the short decimal it was meant to be (0.1 is 1/10)."""
    if isinstance(value, Fraction):
        return value
    return Fraction(value).limit_denominator(10**12)


def as_of_words(as_of: dt.date, definition_name: str, definition_version: str) -> str:
    """How every page, report and file names what its numbers are: one sentence."""
    return f"as of {date_text(as_of)}, definition {definition_name} {definition_version}"


def stale_school_sentence(
    school_name: str, last_recorded: dt.date | None, school_days_missing: int, as_of: dt.date
) -> str:
    """A school whose attendance stops before the as-of date, said so that nobody misreads it."""
    since = f"after {date_text(last_recorded)}" if last_recorded else "this school year"
    return (
        f"{school_name}: no attendance recorded {since}; its {school_days_missing} school days "
        f"through {date_text(as_of)} count as present until its data arrive — check its export"
    )
