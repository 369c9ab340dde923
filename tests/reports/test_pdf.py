"""The printable district report: `homeroom report --out FILE.pdf|FILE.html` end to end.

Maple Grove Unified, built by hand so every number can be checked on paper. Two schools of 12
students each, two school years of 40 weekdays (September and October):

- 2024-25 (from Mon 2 Sep 2024): A01-A03 miss 3 days in early September and 1 in October
  (4/40 = 10%: chronic, the threshold exactly); A04 and A05 miss 1 day (2.5%), A05 on the last
  day; B01 misses 4 days in October. At the end of September (21 school days) 3 of 24 are
  chronic: 12.5%; at the end (25 October) 4 of 24: 16.7%.
- 2023-24 (from Mon 4 Sep 2023): A01 misses 5 days in September (5/20 in September, 5/40 at
  the end): 1 of 24, 4.2%, at both month ends.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zlib
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from report_frames import NAMES, FakeMetrics, state_frames

from cli_helpers import run
from datasets import Builder, write_dataset
from homeroom.reports import build_summary, pdf

DISTRICT = "Maple Grove Unified"


def weekdays(start: dt.date, count: int) -> list[dt.date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


YEARS = {2025: weekdays(dt.date(2024, 9, 2), 40), 2024: weekdays(dt.date(2023, 9, 4), 40)}


def maple_grove() -> Builder:
    b = Builder()
    for school, name in (("S1", "Birch Elementary"), ("S2", "Cedar Middle")):
        b.add(
            "schools",
            school_id=school,
            school_name=name,
            district_id="D1",
            district_name=DISTRICT,
            state="",
            calendar_id="C1",
            day_minutes="",
        )
    for year, days in YEARS.items():
        for day in days:
            b.add("calendar", calendar_id="C1", school_year=year, date=day, instructional="true")
    students = [(f"A{n:02d}", "S1") for n in range(1, 13)] + [
        (f"B{n:02d}", "S2") for n in range(1, 13)
    ]
    for i, (student, _school) in enumerate(students):
        b.student(student, sex="F" if i % 2 else "M")
    for year, days in YEARS.items():
        for student, school in students:
            b.stay(student, school, year, days[0], grade="05" if school == "S1" else "07")
    this_year = YEARS[2025]
    for student in ("A01", "A02", "A03"):
        for day in (*this_year[1:4], this_year[30]):  # 3 in September, 1 in October
            b.absent(student, "S1", day, "unexcused")
    b.absent("A04", "S1", this_year[5], "excused")
    b.absent("A05", "S1", this_year[-1], "excused")  # the data run to the year's last day
    for day in this_year[25:29]:  # October
        b.absent("B01", "S2", day, "excused")
    for day in YEARS[2024][:5]:
        b.absent("A01", "S1", day, "unexcused")
    return b


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("maple") / "data", maple_grove().data())


@pytest.fixture(scope="module")
def written(district: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One run of the command writing the PDF, the HTML and the --html alias."""
    folder = tmp_path_factory.mktemp("out")
    files = {
        "pdf": folder / "report.pdf",
        "html": folder / "report.html",
        "alias": folder / "a.htm",
    }
    capsys = _Capture()
    outcome = run(
        capsys,
        "report",
        "--data",
        district,
        "--out",
        files["pdf"],
        "--html",
        files["alias"],
    )
    assert outcome.exit_code == 0, outcome.stderr
    outcome = run(capsys, "report", "--data", district, "--out", files["html"])
    assert outcome.exit_code == 0, outcome.stderr
    return files


class _Capture:
    """capsys for a module-scoped fixture: the command's output is not under test here."""

    def readouterr(self) -> SimpleNamespace:
        return SimpleNamespace(out="", err="")


# -- the PDF ----------------------------------------------------------------------------------
def pdf_streams(data: bytes) -> str:
    """The PDF's compressed streams, inflated, as text (WeasyPrint packs objects in them)."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            out.append(zlib.decompress(match[1]).decode("latin-1"))
        except zlib.error:
            continue
    return data.decode("latin-1") + "\n".join(out)


def page_count(data: bytes) -> int:
    counts = re.findall(r"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf_streams(data))
    counts += re.findall(r"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf_streams(data))
    assert counts, "no page tree found"
    return max(int(c) for c in counts)


def pdf_text(path: Path) -> str | None:
    """The PDF's text by pypdf or poppler's pdftotext, whichever is installed; else None."""
    try:
        from pypdf import PdfReader
    except ImportError:
        PdfReader = None  # noqa: N806
    if PdfReader is not None:
        return "\n".join(page.extract_text() for page in PdfReader(path).pages)
    if shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
        )
        return done.stdout
    return None


def test_the_command_writes_a_multi_page_pdf(written):
    data = written["pdf"].read_bytes()
    assert data.startswith(b"%PDF-")
    # Cover, overview, schools, student groups, trends, how counted: each starts a page.
    assert page_count(data) >= 6


def test_the_pdf_says_who_which_definition_and_the_rates(written):
    expected = [
        DISTRICT,
        "School year 2024-25",
        "default (version",
        "16.7%",  # 4 of 24 chronically absent
        "Up 12.5 points from 4.2% in 2023-24",
        "12.5%",  # the end of September
        "Birch Elementary",
    ]
    text = pdf_text(written["pdf"])
    if text is None:
        # Neither pypdf nor pdftotext is installed: the PDF is drawn from this same HTML.
        text = re.sub(r"<[^>]+>", " ", written["html"].read_text(encoding="utf-8"))
    else:
        pages = page_count(written["pdf"].read_bytes())
        expected += [f"Page 2 of {pages}", f"Page {pages} of {pages}"]  # the running footer
    text = re.sub(r"\s+", " ", text)
    for words in expected:
        assert words in text, words


# -- the HTML ---------------------------------------------------------------------------------
def test_html_is_one_self_contained_well_formed_page(written):
    page = written["html"].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    ET.fromstring(page)  # every tag closed: the markup is also XML
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert re.search(r"""(src|href)\s*=""", page) is None
    assert "url(" not in page and "@import" not in page
    # The only URLs are the SVG namespace and the definition's source, printed as text.
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= {
        "http://www.w3.org/2000/svg",
        "https://www.attendanceworks.org/chronic-absence/the-problem/",
    }
    assert page.count('role="img"') >= 5
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') >= 5 and "ns0:" not in page
    # A group column nobody has a value for is named in a note, not drawn as a table.
    assert "Not recorded for any student, so not shown by group: Race and ethnicity" in page
    assert ">Not recorded<" not in page


def test_html_holds_the_hand_checked_numbers(written):
    page = written["html"].read_text(encoding="utf-8")
    assert f'<h1 id="cover-title">{DISTRICT}</h1>' in page
    assert "School year 2024-25 · data through 25 October 2024" in page
    assert "<strong>default</strong>" in page and "10% of days enrolled" in page
    assert "16.7%" in page and "Up 12.5 points from 4.2% in 2023-24." in page
    # Trends: the month-end table, years as columns, in school order.
    rows = re.findall(r"<tr><th scope=\"row\">(\w+)</th>(.*?)</tr>", page)
    assert ("September", '<td class="num">4.2%</td><td class="num">12.5%</td>') in rows
    assert ("October", '<td class="num">4.2%</td><td class="num">16.7%</td>') in rows
    assert (
        "Chronic absence in 2024-25 rose from 12.5% at the end of September to 16.7% at the "
        "end of October. At the same point of 2023-24 it was 4.2%."
    ) in page


def test_html_alias_writes_the_same_document(written):
    # Written after the PDF in one run: WeasyPrint's XML namespaces must not leak into the SVG.
    assert written["alias"].read_text(encoding="utf-8") == written["html"].read_text(
        encoding="utf-8"
    )


def test_out_refuses_other_suffixes(capsys, district, tmp_path):
    outcome = run(capsys, "report", "--data", district, "--out", tmp_path / "report.docx")
    assert outcome.exit_code == 2
    assert ".pdf or .html" in outcome.stderr
    assert not (tmp_path / "report.docx").exists()


# -- the page, from a hand-built Summary (report_frames.py) ----------------------------------
# These held the removed hand-written renderer (reports/html.py) to account; the one renderer
# left, the Jinja2 template, answers to the same checks.
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source"}


class TagChecker(HTMLParser):
    """Fails on a closing tag that does not match the open one; records tags and attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += attrs
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += attrs

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


GENERATED = dt.date(2025, 3, 5)


@pytest.fixture
def page(summary) -> str:
    return pdf.render_report(summary, generated=GENERATED)


def checked(page: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.stack == []
    return checker


def section(page: str, section_id: str) -> str:
    start = page.index(f'<section id="{section_id}"')
    return page[start : page.index("</section>", start)]


def test_page_is_well_formed(page):
    checked(page)
    root = ET.fromstring(page)  # also well-formed XML: every tag closed, entities escaped
    assert root.tag == "html"


def test_page_contains_the_numbers_and_charts(page, definition):
    text = re.sub(r"\s+", " ", " ".join(checked(page).text))
    for expected in (
        "27.3%",
        "1,000",
        "ADA 93.8% — yet 27.3% of students",
        "Up 2.3 points from 25.0% in 2023-24",
        "default",
        definition.version,
        "10% of days enrolled",
        "Central High",
        "57.1%",
        "Hispanic or Latino students: 35.0% chronically absent, vs 20.0% of White students",
        "100 (10.0%) severe chronic",  # the tier chart's description
        "Kindergarten",
        "47.2%",
        "2023-24",
        "fewer than 10 students",
        "Prepared 5 March 2025",
    ):
        assert expected in text, expected
    assert page.count("<svg") >= 3  # tiers, levels, grades
    assert "<title" in page.split("<svg", 1)[1]


def test_page_is_self_contained(page):
    checker = checked(page)
    assert "script" not in checker.tags
    assert not re.search(r"<script|javascript:|@import|url\(", page, re.IGNORECASE)
    for name, value in checker.attributes:
        assert name not in ("src", "href", "xlink:href"), (name, value)
        if name != "xmlns":  # the SVG namespace names, it is never fetched
            assert not (value or "").lower().startswith(("http", "//")), (name, value)


def test_page_escapes_names(page):
    assert "Lincoln &lt;&amp;&gt; Elementary" in page
    assert "Lincoln <&> Elementary" not in page
    assert "Lincoln <&> Elementary" in " ".join(checked(page).text)


def test_page_escapes_hostile_names(metrics, definition):
    names = {**NAMES, "D1": '<script>alert("x")</script>', "S2": 'Adams" onload="x'}
    page = pdf.render_report(build_summary(metrics, definition, names=names))
    checked(page)
    ET.fromstring(page)
    assert "<script" not in page
    assert "&lt;script&gt;" in page


def test_page_has_print_css(page):
    assert "@media print" in page and "@page" in page


def _row_text(page: str, first_cell: str) -> str:
    row = re.search(rf'<tr><th scope="row">{first_cell}</th>.*?</tr>', page)
    assert row, first_cell
    return re.sub(r"<[^>]+>", " ", row.group(0))


def test_page_shows_no_suppressed_number(page):
    for name in ("Tiny Program", "American Indian or Alaska Native", "Asian"):
        text = _row_text(page, name)
        assert "fewer than 10 students" in text or "protect a small group" in text
        assert not re.search(r"\d", text.replace("10 students", "")), text


def test_state_page_has_districts_then_schools(definition):
    names = {**NAMES, "CO": "Colorado", "D1": "Riverside <Unified>", "D2": "Hill District"}
    page = pdf.render_report(build_summary(FakeMetrics(state_frames()), definition, names=names))
    checked(page)
    ET.fromstring(page)
    assert page.index('<section id="districts"') < page.index('<section id="schools"')
    assert "Riverside &lt;Unified&gt;" in page and "Hill District" in page
    assert "Chronic absence in Colorado, 2024-25" in page
    # One year of state data: no year-over-year table.
    assert "Year over year" not in page
    # The groups have no prior year: no column of empty changes; the schools have one.
    assert "Change from prior year" in section(page, "schools")
    assert "Change from prior year" not in section(page, "groups")


def test_grade_chart_marks_the_district_rate(page):
    groups = section(page, "groups")
    assert "stroke-dasharray" in groups
    assert "District 27.3%" in groups


def test_the_as_of_date_is_printed_in_words(metrics, definition):
    summary = build_summary(metrics, definition, names=NAMES, as_of=dt.date(2025, 1, 31))
    assert "data through 31 January 2025" in pdf.render_report(summary)


# -- page breaks ------------------------------------------------------------------------------
def _schools_metrics(count: int) -> FakeMetrics:
    from report_frames import GROUPS, district_frame, group_frame, row

    schools = pd.DataFrame(
        [
            row(
                year=2025,
                district_id="D1",
                school_id=f"S{i:03d}",
                eligible=100 + i,
                chronic=10 + i % 40,
                prior=0.2,
            )
            for i in range(count)
        ]
    )
    frames = {("district", ()): district_frame(), ("school", ()): schools}
    for column in GROUPS:
        frames[("district", (column,))] = group_frame(column)
    return FakeMetrics(frames)


def _body_rows_by_page(page_html: str) -> list[dict[str, int]]:
    """For each page WeasyPrint lays out (the PDF's pages): body rows per table caption."""
    import weasyprint
    from weasyprint.formatting_structure import boxes

    def walk(box):
        yield box
        for child in getattr(box, "children", None) or []:
            yield from walk(child)

    pages = []
    for laid in weasyprint.HTML(string=page_html).render().pages:
        rows: dict[str, int] = {}
        for table in (b for b in walk(laid._page_box) if isinstance(b, boxes.TableBox)):
            caption = table.element.find("caption")
            name = caption.text if caption is not None else ""
            for group in table.children:
                if isinstance(group, boxes.TableRowGroupBox) and group.element_tag == "tbody":
                    rows[name] = rows.get(name, 0) + len(group.children)
        pages.append(rows)
    return pages


def test_no_page_holds_a_table_row_alone(definition):
    # Ten schools: the schools table used to leave its last row alone at the top of page 4.
    page_html = pdf.render_report(build_summary(_schools_metrics(10), definition))
    pages = _body_rows_by_page(page_html)
    totals: dict[str, int] = {}
    for rows in pages:
        for name, n in rows.items():
            totals[name] = totals.get(name, 0) + n
    assert totals["Schools, highest chronic absence first"] == 10
    alone = [
        (number, name)
        for number, rows in enumerate(pages, start=1)
        for name, n in rows.items()
        if n == 1 and totals[name] > 1
    ]
    assert alone == []
    # A short table is kept whole on one page.
    tiers = [rows for rows in pages if "Eligible students by tier" in rows]
    assert len(tiers) == 1
