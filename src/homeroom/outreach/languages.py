"""The family's language: which one a letter is written in, its catalog, and its numbers.

A letter is written in the contact's preferred language, else the student's home language,
else English. A language is available when a gettext catalog (`messages.mo`) exists for it, in
the workspace's `outreach/locale/<lang>/LC_MESSAGES/` or the shipped `outreach/locale/`;
English is the templates' own words and needs none. Any other language falls back to English
and the letter says so (`fallback`), so the district can list the families it could not reach
in their language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

ENGLISH = "en"
DOMAIN = "messages"
SHIPPED_LOCALE = Path(__file__).parent / "locale"


@dataclass(frozen=True)
class Language:
    """The language a letter is written in, and the one that was wanted."""

    code: str  # ISO 639-1 actually used
    wanted: str  # the contact's, else the student's home language, else English
    fallback: bool  # wanted had no catalog: English used


def wanted_language(contact_language: object, home_language: object) -> str:
    """The contact's preferred language, else the student's home language, else English."""
    for value in (contact_language, home_language):
        text = str(value or "").strip().lower()
        if text and text not in {"nan", "none", "<na>"}:
            return text
    return ENGLISH


def catalog_dirs(workspace_root: Path | None) -> tuple[Path, ...]:
    """Where catalogs are looked for: the workspace's own first, then the shipped ones."""
    own = (workspace_root / "outreach" / "locale",) if workspace_root is not None else ()
    return (*own, SHIPPED_LOCALE)


def available(dirs: tuple[Path, ...]) -> frozenset[str]:
    """The languages a letter can be written in: English and every compiled catalog."""
    found = {ENGLISH}
    for folder in dirs:
        if folder.is_dir():
            found |= {p.parent.parent.name for p in folder.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return frozenset(found)


def choose(contact_language: object, home_language: object, dirs: tuple[Path, ...]) -> Language:
    """The language of one letter, English when the wanted one has no catalog."""
    wanted = wanted_language(contact_language, home_language)
    if wanted in available(dirs):
        return Language(wanted, wanted, False)
    return Language(ENGLISH, wanted, True)


@cache
def translations(code: str, dirs: tuple[Path, ...]) -> NullTranslations:
    """The catalog of a language (the workspace's first); English needs none."""
    if code == ENGLISH:
        return NullTranslations()
    for folder in dirs:
        path = folder / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if path.is_file():
            with path.open("rb") as handle:
                return Translations(handle, domain=DOMAIN)
    raise LookupError(f"no catalog for language {code!r}")


def _locale(code: str) -> Locale:
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(ENGLISH)


def long_date(day: dt.date, code: str) -> str:
    """A date as the language writes it: "March 5, 2025", "5 de marzo de 2025"."""
    return format_date(day, format="long", locale=_locale(code))


def number(value: float, code: str) -> str:
    """A number as the language writes it, at most one decimal: "3.5" / "3,5"."""
    rounded = Decimal(str(round(float(value), 1))).normalize()
    return format_decimal(rounded, format="#,##0.#", locale=_locale(code))


def days(value: float, code: str) -> str:
    """Days absent with halves shown as such: "4½", "½", "12"; other fractions as decimals."""
    whole, part = divmod(round(float(value), 2), 1)
    if part == 0:
        return number(whole, code)
    if part == 0.5:
        return ("" if whole == 0 else number(whole, code)) + "½"
    return number(value, code)


def plural_count(value: float) -> int:
    """The count a sentence's plural agrees with: one for exactly 1, else many (½ day reads
    as "½ school days" in neither language, so halves take the plural form)."""
    return 1 if float(value) == 1 else 2


__all__ = [
    "ENGLISH",
    "Language",
    "available",
    "catalog_dirs",
    "choose",
    "days",
    "long_date",
    "number",
    "translations",
    "wanted_language",
]
