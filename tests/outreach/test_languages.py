"""The family's language (contact, else home language, else English) and its numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from homeroom.outreach import languages

SHIPPED = languages.catalog_dirs(None)


@pytest.mark.parametrize(
    ("contact", "home", "wanted"),
    [("es", "en", "es"), (None, "es", "es"), ("", "", "en"), (float("nan"), None, "en"),
     (" FR ", "es", "fr")],
)  # fmt: skip
def test_the_contact_language_first_then_the_home_language_then_english(contact, home, wanted):
    assert languages.wanted_language(contact, home) == wanted


def test_english_and_spanish_are_shipped_and_another_language_falls_back_to_english():
    assert {"en", "es"} <= languages.available(SHIPPED)
    assert languages.choose("es", None, SHIPPED) == languages.Language("es", "es", False)
    assert languages.choose("pt", "es", SHIPPED) == languages.Language("en", "pt", True)


def test_a_catalog_in_the_workspace_adds_a_language(tmp_path: Path):
    spanish = languages.SHIPPED_LOCALE / "es" / "LC_MESSAGES" / "messages.mo"
    own = tmp_path / "outreach" / "locale" / "pt" / "LC_MESSAGES"
    own.mkdir(parents=True)
    (own / "messages.mo").write_bytes(spanish.read_bytes())  # any compiled catalog will do
    dirs = languages.catalog_dirs(tmp_path)
    assert languages.choose("pt", None, dirs) == languages.Language("pt", "pt", False)


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [(4.5, "en", "4½"), (0.5, "es", "½"), (12.0, "en", "12"), (1234.0, "en", "1,234"),
     (12345.0, "es", "12.345"), (4.3, "es", "4,3"), (4.3, "en", "4.3"), (2.0, "es", "2")],
)  # fmt: skip
def test_days_show_halves_as_such_and_numbers_as_the_language_writes_them(value, code, shown):
    assert languages.days(value, code) == shown


def test_dates_are_written_in_the_language():
    day = dt.date(2025, 3, 5)
    assert languages.long_date(day, "en") == "March 5, 2025"
    assert languages.long_date(day, "es") == "5 de marzo de 2025"
