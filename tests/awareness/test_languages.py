"""The sheets' languages: numbers and dates as each writes them, and a complete Spanish catalog
that matches its compiled copy and holds every sentence of the templates and the images."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from homeroom.awareness import languages

LOCALE = languages.LOCALE
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("share", "code", "shown"),
    [(0.125, "en", "12.5%"), (0.125, "es", f"12,5{NBSP}%"), (0.2, "es", f"20{NBSP}%"),
     (0.153846, "en", "15.4%"), (0.1, "es", f"10{NBSP}%")],
)  # fmt: skip
def test_percentages_are_written_as_the_language_writes_them(share, code, shown):
    assert languages.percent(share, code) == shown


def test_dates_and_school_years():
    assert languages.long_date(dt.date(2025, 3, 5), "en") == "March 5, 2025"
    assert languages.long_date(dt.date(2025, 3, 5), "es") == "5 de marzo de 2025"
    assert languages.school_year(2025) == "2024-25" and languages.school_year(2000) == "1999-00"


def test_a_language_without_sheets_is_refused_by_name():
    with pytest.raises(languages.UnknownLanguage, match="written in en or es; got 'fr'"):
        languages.translations("fr")


def _catalog(path):
    with path.open("rb") as handle:
        return read_po(handle)


def _pairs(catalog) -> dict:
    def frozen(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {frozen(m.id): frozen(m.string) for m in catalog if m.id}


def test_spanish_is_complete_and_its_compiled_catalog_matches_its_source():
    template = _catalog(LOCALE / "awareness.pot")
    spanish = _catalog(LOCALE / "es" / "LC_MESSAGES" / "awareness.po")
    assert {m.id for m in template if m.id} == {m.id for m in spanish if m.id}
    for message in spanish:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and "fuzzy" not in message.flags, message.id
    compiled = (LOCALE / "es" / "LC_MESSAGES" / "awareness.mo").read_bytes()
    assert _pairs(read_mo(io.BytesIO(compiled))) == _pairs(spanish)


def test_every_sentence_of_the_templates_and_images_is_in_the_catalog_template():
    """A sentence added but not extracted would print in English on a Spanish sheet."""
    method_map = [("templates/**.html", "jinja2"), ("images.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = {
        message if isinstance(message, str) else tuple(message[:2])
        for _, _, message, _, _ in extract_from_dir(LOCALE.parent, method_map, options_map=options)
    }
    template = {m.id for m in _catalog(LOCALE / "awareness.pot") if m.id}
    assert len(found) > 30 and found == template
