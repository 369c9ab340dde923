"""Reading one value of a definition file: shares, whole numbers, day amounts, lists of words.

Shared by the profile (`homeroom.definitions.profile`) and its `[signals]` section
(`homeroom.definitions.signals`), so both refuse a bad value the same way, with a message that
names the file and the key. Every share is an exact `Fraction` (0.1 is exactly 1/10).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any


class DefinitionError(ValueError):
    """A definition file that cannot be used; the message says which key and why."""


def share(path: Path, key: str, value: Any) -> Fraction:
    """An exact share from 0.1, "10%", "1/10" or 10 (read as percent when > 1)."""
    try:
        if isinstance(value, str):
            text = value.strip()
            parsed = Fraction(text[:-1].strip()) / 100 if text.endswith("%") else Fraction(text)
        elif isinstance(value, bool):
            raise ValueError
        else:
            parsed = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        raise DefinitionError(
            f'{path}: \'{key}\' must be a share such as 0.10, "10%" or "1/10"; got {value!r}'
        ) from None
    if parsed > 1:
        parsed = parsed / 100
    if not 0 <= parsed <= 1:
        raise DefinitionError(f"{path}: '{key}' must be between 0 and 100%; got {value!r}")
    return parsed


def whole(path: Path, key: str, value: Any, least: int) -> int:
    """A whole number of at least `least`; 10.5 or "ten" is an error naming the key."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DefinitionError(f"{path}: {key} must be a whole number; got {value!r}")
    if value < least:
        raise DefinitionError(f"{path}: {key} must be {least} or more; got {value!r}")
    return value


def amount(path: Path, key: str, value: Any, positive: bool) -> Fraction:
    """A number of days (or points) that may be partial, e.g. 2, 2.5 or "5/2"."""
    try:
        if isinstance(value, bool):
            raise ValueError
        parsed = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise DefinitionError(f"{path}: {key} must be a number such as 2; got {value!r}") from None
    if parsed < 0 or (positive and parsed == 0):
        least = "above 0" if positive else "0 or more"
        raise DefinitionError(f"{path}: {key} must be {least}; got {value!r}")
    return parsed


def words(path: Path, key: str, value: Any) -> tuple[str, ...]:
    """A list of names, e.g. ["excused", "unexcused"]."""
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise DefinitionError(f'{path}: {key} must be a list such as ["a", "b"]; got {value!r}')
    return tuple(str(v) for v in value)


def percent_text(value: Fraction) -> str:
    """A share in words: 1/10 -> "10%", 3/40 -> "7.5%"."""
    return f"{number_text(value * 100)}%"


def number_text(value: Fraction | None) -> str:
    """A number in words: 2 -> "2", 5/2 -> "2.5"; none -> "-"."""
    if value is None:
        return "-"
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):g}"
