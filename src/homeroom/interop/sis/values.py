"""Turn a SIS's own values (its date format, grade codes, yes/no words, race codes) into the
contract's. A value that cannot be turned is passed on as it is, so validation quarantines it
with the contract's reason and the source line (never dropped, never guessed)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from homeroom.interop.sis.preset import Preset

_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(\s*[AaPp][Mm])?$")
_SERIAL = re.compile(r"^\d{5}(\.0+)?$")
# Excel's 1900 date system counts days from 1899-12-30 (it believes 1900 was a leap year).
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Serials from 1960 to 2099: a five-digit number in a date column outside this is no date.
_SERIAL_RANGE = (21_916, 73_050)


@dataclass
class Converted:
    values: pd.Series
    serials: int = 0  # Excel date serials turned into dates


def dates(values: pd.Series, preset: Preset) -> Converted:
    """Dates as ISO text; anything unreadable is passed on as given."""
    text = values.astype(object)
    given = text.notna()
    trimmed = text.where(~given, text[given].astype(str).str.replace(_TIME_SUFFIX, "", regex=True))
    out = pd.Series(None, index=values.index, dtype=object)
    todo = given.copy()
    for fmt in (*preset.date_formats, "%Y-%m-%d"):
        if not todo.any():
            break
        parsed = pd.to_datetime(trimmed[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        if ok.any():
            index = ok[ok].index
            out[index] = parsed[ok].dt.strftime("%Y-%m-%d").to_numpy()
            todo[index] = False
    serials = 0
    if preset.excel_serial_dates and todo.any():
        candidates = trimmed[todo].astype(str)
        looks = candidates.str.match(_SERIAL)
        numbers = pd.to_numeric(candidates.where(looks), errors="coerce")
        ok = numbers.between(*_SERIAL_RANGE)
        if ok.any():
            index = ok[ok].index
            days = pd.to_timedelta(numbers[ok].astype("int64"), unit="D")
            out[index] = (_EXCEL_EPOCH + days).dt.strftime("%Y-%m-%d").to_numpy()
            todo[index] = False
            serials = int(ok.sum())
    out[todo] = text[todo]  # not a date in any format: validation names it
    return Converted(out, serials)


def mapped(values: pd.Series, table: dict[str, str], *, fold_case: bool = True) -> pd.Series:
    """Values looked up in a preset table (exact first, then case-insensitive); others as given."""
    if not table:
        return values.astype(object)
    lower = {k.lower(): v for k, v in table.items()} if fold_case else {}

    def look(value: object) -> object:
        if not isinstance(value, str):
            return value
        if value in table:
            return table[value]
        return lower.get(value.lower(), value)

    return values.astype(object).map(look)


def grades(values: pd.Series, preset: Preset) -> pd.Series:
    """Grade codes: the preset's table (0 → KG, -1 → PK, ...), then as given (`5` → `05` is
    the contract's own reading)."""
    table = dict(preset.grades)
    # "00", "+1" and "1.0" are the same codes as "0" and "1".
    for code, grade in list(table.items()):
        number = _integer(code)
        if number is not None:
            for variant in (f"{number:02d}", f"{number}.0", f"+{number}" if number > 0 else ""):
                if variant:
                    table.setdefault(variant, grade)
    return mapped(values, table)


def booleans(values: pd.Series, preset: Preset) -> pd.Series:
    """The preset's yes/no words as true/false; others as given (the contract reads 1/0, Y/N)."""
    table = {w: "true" for w in preset.true_words} | {w: "false" for w in preset.false_words}
    return mapped(values, table)


def race(values: pd.Series, hispanic: pd.Series | None, preset: Preset) -> pd.Series:
    """Race codes by the preset's table; Hispanic/Latino wins when the ethnicity column says so
    (the federal two-question rule)."""
    out = mapped(values, preset.race)
    if hispanic is not None and preset.hispanic_values:
        yes = hispanic.astype(object).map(
            lambda v: (
                isinstance(v, str)
                and v.strip().lower() in {h.lower() for h in preset.hispanic_values}
            )
        )
        out = out.where(~yes.astype(bool), "hispanic_latino")
    return out


def school_year_of(iso_dates: pd.Series, preset: Preset) -> pd.Series:
    """The school year (the year it ends) a date belongs to; None for non-dates."""
    parsed = pd.to_datetime(iso_dates, format="%Y-%m-%d", errors="coerce")
    month, day = preset.school_year_starts
    later = (parsed.dt.month > month) | ((parsed.dt.month == month) & (parsed.dt.day >= day))
    year = parsed.dt.year + later.astype("Int64")
    return year.astype("Int64").astype("string").astype(object).where(parsed.notna(), None)


def school_years(values: pd.Series, preset: Preset) -> pd.Series:
    """A school-year column: `2024-2025` and `2024-25` are 2025; a bare year is the year the
    school year ends unless the preset says its files give the year it starts."""

    def one(value: object) -> object:
        if not isinstance(value, str):
            return value
        match = re.fullmatch(r"\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*", value)
        if match:
            return str(int(match[1]) + 1)
        if re.fullmatch(r"\s*\d{4}\s*", value):
            year = int(value)
            return str(year + 1 if preset.school_year_is == "start" else year)
        return value

    return values.astype(object).map(one)


def numbers(values: pd.Series) -> pd.Series:
    """Numbers (float); NaN where empty or not a number."""
    return pd.to_numeric(values.astype(object), errors="coerce").astype("float64")


def _integer(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def whole_text(values: np.ndarray) -> list[str]:
    return [str(int(v)) for v in values]
