"""Printed letters: one page a letter, the address in the envelope's window, the text in the
family's language on the laid-out page; and the mail-merge file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from homeroom.outreach.compose import LetterFacts, Recipient, compose
from homeroom.outreach.printing import MERGE_COLUMNS, merge_frame, pages_html, write_merge_csv

AS_OF = dt.date(2025, 1, 31)
SCHOOLS = {"S1": ("Lincoln Elementary", "(555) 010-0199")}
ADDRESS = ("Rosa Diaz", "12 Elm Street", "Springfield, IL 62701")


def _letter(language: str, child: str, days: float):
    who = Recipient("A1", "S1", "G1", ADDRESS[0], language, False, None, None, ADDRESS)
    facts = LetterFacts(child, "Lincoln Elementary", "(555) 010-0199", "03", days, 100, 3.0)
    return compose("nudge", who, facts, as_of=AS_OF)


@pytest.fixture(scope="module")
def letters():
    return [_letter("es", "Ana", 7.5), _letter("en", "Ben", 12.0)]


def _page_texts(html: str) -> list[str]:
    """The words WeasyPrint laid out on each page, in order."""
    import weasyprint

    def words(box) -> list[str]:  # absolutely placed boxes hand on their children too
        own = [box.text] if hasattr(box, "text") else []
        return own + [w for child in getattr(box, "children", None) or [] for w in words(child)]

    document = weasyprint.HTML(string=html).render()
    return [" ".join(words(page._page_box)) for page in document.pages]


def test_one_page_a_letter_in_its_language_with_the_childs_days(letters):
    html = pages_html(letters, SCHOOLS, dt.date(2025, 2, 3))
    spanish, english = _page_texts(html)
    assert "Ana ha faltado 7½ días de escuela." in spanish
    assert "es de 3 días (la mediana" in spanish
    assert "llámenos al (555) 010-0199" in spanish
    assert "3 de febrero de 2025" in spanish  # the day printed, in Spanish
    assert "Ben has missed 12 school days." in english
    assert "is 3 days (the median" in english
    assert "February 3, 2025" in english


def test_the_address_sits_in_the_window_block(letters):
    html = pages_html(letters, SCHOOLS, dt.date(2025, 2, 3))
    assert html.count('<section class="letter"') == 2
    assert '<section class="letter" lang="es">' in html
    assert ('<div class="window">Rosa Diaz<br>12 Elm Street<br>Springfield, IL 62701<br></div>'
            in html)  # fmt: skip
    assert ".window { position: absolute; top: 2.5in; left: 1in;" in html


def test_the_pdf_is_written(letters, tmp_path: Path):
    from homeroom.outreach.printing import write_pdf

    out = tmp_path / "letters.pdf"
    write_pdf(letters, SCHOOLS, out, printed_on=dt.date(2025, 2, 3))
    assert out.read_bytes().startswith(b"%PDF-")


def test_the_mail_merge_file_has_one_row_a_letter(letters, tmp_path: Path):
    out = tmp_path / "merge.csv"
    write_merge_csv(letters, SCHOOLS, out)
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert tuple(frame.columns) == MERGE_COLUMNS
    first = frame.iloc[0]
    assert (first["language"], first["address_line3"], first["address_line4"]) == (
        "es", "Springfield, IL 62701", "")  # fmt: skip
    assert first["subject"] == "Cada día de escuela cuenta para Ana"
    assert "7½ días" in first["text"]
    assert merge_frame(letters, SCHOOLS)["school_phone"].tolist() == ["(555) 010-0199"] * 2
