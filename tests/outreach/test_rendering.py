"""The shipped templates in every language: complete catalogs, no legal threats, overrides."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from homeroom.outreach import languages
from homeroom.outreach.compose import KINDS
from homeroom.outreach.rendering import SHIPPED_TEMPLATES, TemplateProblem, render

SHIPPED = languages.catalog_dirs(None)
LOCALE = languages.SHIPPED_LOCALE
CONTEXT = {
    "contact_name": "Rosa Diaz",
    "child": "Ana",
    "school": "Lincoln Elementary",
    "school_phone": "(555) 010-0199",
    "grade": "3",
    "days": "4½",
    "days_count": 2,
    "classmates": "2",
    "date": "27 September 2024",
    "improved": False,
    "case_manager": "Ms. Lee",
    "supports": ["Mentor"],
    "language": "en",
}
# Words of a legal threat a tier-1 or tier-2 letter must never hold (DESIGN.md section 7).
THREATS = {
    "en": r"court|fines?|fined|truan\w*|petition\w*|police|judge|prosecut\w*|arrest\w*|"
    r"penalt\w*|legal|law|sanction\w*|jail",
    "es": r"tribunal\w*|corte|juzgado|juez|multas?|absentismo|ausentismo|petici[oó]n|"
    r"polic[ií]a|fiscal\w*|arresto|sanci[oó]n\w*|penal\w*|legal\w*|ley|c[aá]rcel",
}


def _spanish_catalog():
    with (LOCALE / "es" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("code", sorted(languages.available(SHIPPED)))
@pytest.mark.parametrize("variant", [{}, {"improved": True, "school_phone": None}])
def test_no_shipped_letter_holds_a_legal_threat(kind, code, variant):
    letter = render(kind, {**CONTEXT, **variant, "language": code}, language=code,
                    workspace_root=None, catalogs=SHIPPED)  # fmt: skip
    words = f"{letter.subject}\n{letter.text}\n{re.sub('<[^>]+>', ' ', letter.html)}"
    for pattern in THREATS.values():
        assert not re.search(rf"\b({pattern})\b", words, re.IGNORECASE), (kind, code)


def test_the_scan_finds_a_threat_in_either_language():
    assert re.search(rf"\b({THREATS['en']})\b", "a fine may follow", re.IGNORECASE)
    assert re.search(rf"\b({THREATS['es']})\b", "puede haber una multa", re.IGNORECASE)


def test_every_shipped_source_and_translation_is_free_of_threats():
    texts = [p.read_text(encoding="utf-8") for p in SHIPPED_TEMPLATES.iterdir()]
    texts += [str(m.string) for m in _spanish_catalog() if m.id]
    for text in texts:
        for pattern in THREATS.values():
            assert not re.search(rf"\b({pattern})\b", text, re.IGNORECASE), text[:60]


def test_spanish_is_complete_and_its_compiled_catalog_matches_its_source():
    template = read_po((LOCALE / "messages.pot").open("rb"))
    spanish = _spanish_catalog()
    wanted = {m.id for m in template if m.id}
    assert wanted and wanted == {m.id for m in spanish if m.id}
    assert all(m.string and all(m.string if isinstance(m.string, tuple) else [m.string])
               for m in spanish if m.id)  # fmt: skip
    compiled = read_mo(io.BytesIO((LOCALE / "es" / "LC_MESSAGES" / "messages.mo").read_bytes()))
    assert _pairs(compiled) == _pairs(spanish)


def _pairs(catalog) -> dict:
    """Each message id and its translation, lists made tuples (plural forms)."""

    def frozen(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {frozen(m.id): frozen(m.string) for m in catalog if m.id}


def test_every_sentence_of_the_templates_is_in_the_catalog_template():
    """A sentence added to a template but not extracted would print in English in Spanish."""
    from jinja2.ext import babel_extract

    template = {m.id for m in read_po((LOCALE / "messages.pot").open("rb")) if m.id}
    found = set()
    for path in SHIPPED_TEMPLATES.glob("[a-z]*.*"):
        with path.open("rb") as handle:
            for _, _, message, _ in babel_extract(handle, ("gettext", "ngettext"), [], {}):
                found.add(message if isinstance(message, str) else tuple(message[:2]))
    assert found and found <= template


def test_english_and_spanish_nudges_say_the_same_facts():
    english = render("nudge", CONTEXT, language="en", workspace_root=None, catalogs=SHIPPED)
    spanish = render("nudge", CONTEXT, language="es", workspace_root=None, catalogs=SHIPPED)
    assert english.subject == "Every school day counts for Ana"
    assert "Ana has missed 4½ school days." in english.text
    assert "is 2 days (the median" in english.text
    assert spanish.subject == "Cada día de escuela cuenta para Ana"
    assert "Ana ha faltado 4½ días de escuela." in spanish.text
    assert "es de 2 días (la mediana" in spanish.text
    assert "llámenos al (555) 010-0199" in spanish.text


def test_one_day_is_singular():
    letter = render("nudge", {**CONTEXT, "days": "1", "days_count": 1}, language="en",
                    workspace_root=None, catalogs=SHIPPED)  # fmt: skip
    assert "Ana has missed 1 school day." in letter.text


def test_html_escapes_what_families_and_staff_typed():
    letter = render("nudge", {**CONTEXT, "contact_name": "<b>Rosa</b>"}, language="en",
                    workspace_root=None, catalogs=SHIPPED)  # fmt: skip
    assert "Dear &lt;b&gt;Rosa&lt;/b&gt;," in letter.html
    assert "Dear <b>Rosa</b>," in letter.text  # plain text is not HTML


def test_the_districts_own_copy_wins_and_one_language_can_have_its_own(tmp_path: Path):
    own = tmp_path / "outreach" / "templates"
    (own / "es").mkdir(parents=True)
    (own / "nudge.txt").write_text(
        "{% trans child=child %}Every school day counts for {{ child }}{% endtrans %}\n\n"
        "Call Ms. Park about {{ child }}.\n", encoding="utf-8")  # fmt: skip
    (own / "es" / "nudge.txt").write_text("Hola\n\nLlame a la Sra. Park.\n", encoding="utf-8")
    english = render("nudge", CONTEXT, language="en", workspace_root=tmp_path, catalogs=SHIPPED)
    spanish = render("nudge", CONTEXT, language="es", workspace_root=tmp_path, catalogs=SHIPPED)
    assert (english.subject, english.text) == (
        "Every school day counts for Ana",
        "Call Ms. Park about Ana.\n",
    )
    assert (spanish.subject, spanish.text) == ("Hola", "Llame a la Sra. Park.\n")
    assert "<h1>Every school day counts for Ana</h1>" in english.html  # the shipped HTML still


def test_a_broken_copy_is_named_with_its_line(tmp_path: Path):
    own = tmp_path / "outreach" / "templates"
    own.mkdir(parents=True)
    (own / "invitation.txt").write_text("Subject\n\n{% if %}\n", encoding="utf-8")
    with pytest.raises(TemplateProblem, match=r"invitation.txt, line 3"):
        render("invitation", CONTEXT, language="en", workspace_root=tmp_path, catalogs=SHIPPED)
