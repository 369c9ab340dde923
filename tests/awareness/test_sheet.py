"""The fact sheet: its key sentences in English and Spanish, no English left in the Spanish,
numbers as each language writes them, one page, and no number for a unit too small to show."""

from __future__ import annotations

import html
import re

import pytest
import weasyprint
from babel.messages.pofile import read_po

from awareness.conftest import facts
from homeroom.awareness import sheet
from homeroom.awareness.content import Figure
from homeroom.awareness.languages import LOCALE

NBSP = "\u00a0"


def _text(page: str) -> str:
    """The words a reader sees: no style, no chart, no tags, runs of spaces made one (a
    no-break space kept: Spanish writes "12,5 %" with one)."""
    page = re.sub(r"<(style|svg)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def test_the_english_sheet_says_what_chronic_absence_is_and_gives_both_figures():
    text = _text(sheet.render(facts(), "en"))
    for sentence in (
        "A student is chronically absent when they miss 10% or more of the school days, for "
        "any reason. Excused absences, unexcused absences and suspensions all count.",
        "Truancy counts only unexcused absences, and it is a legal matter.",
        "At Lincoln Elementary, 12.5% of students were chronically absent in the 2024-25 "
        "school year, through March 5, 2025.",
        "Across the state (OH), 23.4% of students were chronically absent.",
        "The state figure is counted from every school in this data in the state.",
        "Every day counts:",
        "Attendance Works (attendanceworks.org)",
    ):
        assert sentence in text


def test_the_spanish_sheet_is_all_spanish_with_spanish_numbers():
    text = _text(sheet.render(facts(), "es"))
    assert (
        f"En Lincoln Elementary, el 12,5{NBSP}% de los estudiantes tuvo ausencia crónica en el "
        "año escolar 2024-25, hasta el 5 de marzo de 2025." in text
    )
    assert f"En todo el estado (OH), el 23,4{NBSP}% de los estudiantes" in text
    assert f"falta al 10{NBSP}% o más de los días de clase" in text
    with (LOCALE / "awareness.pot").open("rb") as handle:
        english = [m.id for m in read_po(handle) if m.id]
    for message in english:
        for msgid in message if isinstance(message, tuple) else (message,):
            # every stretch of words between placeholders, long enough to be a sentence's
            for part in re.split(r"%\(\w+\)s", msgid):
                if len(part.strip(" .,:()")) >= 12:
                    assert part not in text, part


@pytest.mark.parametrize("code", ["en", "es"])
def test_a_unit_too_small_says_so_and_draws_no_chart(code):
    page = sheet.render(facts(rate=None), code)
    expected = {
        "en": "Fewer than 10 students were counted here, so the number is not shown, to "
        "protect students' privacy.",
        "es": "Aquí se contaron menos de 10 estudiantes, así que la cifra no se muestra, "
        "para proteger su privacidad.",
    }[code]
    assert expected in _text(page) and "<svg" not in page


def test_a_district_alone_says_there_is_no_state_figure():
    text = _text(sheet.render(facts(beside=None, kind="district", name="Apple USD"), "en"))
    assert "Across Apple USD, 12.5% of students were chronically absent" in text
    assert "This data holds one district only, so there is no state figure" in text


@pytest.mark.parametrize("code", ["en", "es"])
def test_the_sheet_is_one_page(code):
    long_names = facts(
        beside=Figure("district", "Apple Unified School District", 0.2, 90),
        name="Washington Carver Elementary School of the Arts",
    )
    page = sheet.render(long_names, code)
    assert "<svg" in page
    assert len(weasyprint.HTML(string=page).render().pages) == 1
    assert sheet.pdf(page).startswith(b"%PDF-")


def test_a_sheet_that_would_run_over_a_page_is_refused():
    with pytest.raises(sheet.SheetTooLong, match="runs to 2 pages"):
        sheet.pdf("<p style='page-break-after: always'>one</p><p>two</p>")
