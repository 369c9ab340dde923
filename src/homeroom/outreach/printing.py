"""Printed letters: one letter a page for a window envelope (PDF), or a mail-merge file (CSV).

The page is US Letter, tri-folded into a US #10 window envelope: the family's address sits in
a block 1 inch from the left edge and 2.5 inches from the top, 3.75 inches wide and 0.67 inch
high (four lines of 10 point), the part of the page the envelope's window (4.5 x 1.125 inches,
7/8 inch from the left, 1/2 inch from the bottom) shows wherever the folded letter sits in the
envelope. The school's name (and phone) and the date are at the top; the letter starts below
the first fold. The layout is `templates/_page.html`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

from homeroom.contract.tablefiles import write_csv
from homeroom.outreach.compose import Letter
from homeroom.outreach.languages import long_date
from homeroom.outreach.rendering import SHIPPED_TEMPLATES

ADDRESS_LINES = 4  # name, two street lines, city state ZIP
MERGE_COLUMNS = (
    "student_id",
    "school_id",
    "contact_id",
    "kind",
    "language",
    "wanted_language",
    "fallback",
    "contact_name",
    *(f"address_line{n}" for n in range(1, ADDRESS_LINES + 1)),
    "email",
    "phone",
    "school_name",
    "school_phone",
    "subject",
    "text",
)


def pages_html(
    letters: Sequence[Letter],
    schools: dict[str, tuple[str, str | None]],
    printed_on: dt.date,
) -> str:
    """The whole print run as one HTML document, one `section` a letter.

    `schools`: school id -> (name, phone) for the sender's block.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(SHIPPED_TEMPLATES)), autoescape=True
    )
    pages = []
    for letter in letters:
        who = letter.recipient
        name, phone = schools.get(who.school_id, (who.school_id, None))
        pages.append(
            {
                "language": who.language,
                "school": name,
                "phone": phone,
                "printed_on": long_date(printed_on, who.language),
                "address": who.address_lines[:ADDRESS_LINES],
                "html": Markup(letter.html),  # rendered from autoescaped templates
            }
        )
    return env.get_template("_page.html").render(title="Letters", pages=pages)


def write_pdf(
    letters: Sequence[Letter],
    schools: dict[str, tuple[str, str | None]],
    out: Path,
    *,
    printed_on: dt.date,
    progress: Callable[[str], None] | None = None,
) -> None:
    from homeroom.reports.pdf import html_to_pdf

    if progress is not None:
        progress(f"laying out {len(letters):,} letters")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(html_to_pdf(pages_html(letters, schools, printed_on)))


def merge_frame(
    letters: Sequence[Letter], schools: dict[str, tuple[str, str | None]]
) -> pd.DataFrame:
    """One row a letter, the columns `MERGE_COLUMNS` (docs/outreach.md, "Printing")."""
    rows = []
    for letter in letters:
        who = letter.recipient
        lines = list(who.address_lines[:ADDRESS_LINES])
        lines += [""] * (ADDRESS_LINES - len(lines))
        name, phone = schools.get(who.school_id, (who.school_id, None))
        rows.append(
            (who.student_id, who.school_id, who.contact_id, letter.kind, who.language,
             who.wanted_language, who.fallback, who.contact_name, *lines, who.email or "",
             who.phone or "", name, phone or "", letter.subject, letter.text)
        )  # fmt: skip
    return pd.DataFrame(rows, columns=list(MERGE_COLUMNS))


def write_merge_csv(
    letters: Sequence[Letter], schools: dict[str, tuple[str, str | None]], out: Path
) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(merge_frame(letters, schools), out)
