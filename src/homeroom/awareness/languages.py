"""The languages of the awareness sheets: their gettext catalog (domain `awareness`, shipped in
`locale/`) and how each writes percentages, dates and school years (Babel)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_percent
from babel.support import NullTranslations, Translations

ENGLISH = "en"
LANGUAGES = ("en", "es")  # English is the sources' own words; every other needs its catalog
DOMAIN = "awareness"
LOCALE = Path(__file__).parent / "locale"


class UnknownLanguage(ValueError):
    """A language the sheets are not written in."""


def check(code: str) -> str:
    """CODE when the sheets are written in it, else a clear error naming the ones they are."""
    if code not in LANGUAGES:
        raise UnknownLanguage(
            f"awareness sheets are written in {' or '.join(LANGUAGES)}; got {code!r}"
        )
    return code


@cache
def translations(code: str) -> NullTranslations:
    """The catalog of a language; English needs none."""
    if check(code) == ENGLISH:
        return NullTranslations()
    path = LOCALE / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with path.open("rb") as handle:
        return Translations(handle, domain=DOMAIN)


def percent(share: float, code: str) -> str:
    """A share as the language writes it, to one decimal at most: "12.5%", "12,5 %"."""
    return format_percent(round(float(share), 3), locale=Locale.parse(code),
                          decimal_quantization=False)  # fmt: skip


def long_date(day: dt.date, code: str) -> str:
    """ "June 5, 2025" / "5 de junio de 2025"."""
    return format_date(day, format="long", locale=Locale.parse(code))


def school_year(year: int) -> str:
    """A school year by its two calendar years, as both languages write it: 2025 is "2024-25"."""
    return f"{year - 1}-{year % 100:02d}"
