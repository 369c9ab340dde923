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
from pathlib import Path
from types import SimpleNamespace

import pytest

from cli_helpers import run
from datasets import Builder, write_dataset
from homeroom.reports import charts, pdf

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


# -- month trend -------------------------------------------------------------------------------
def test_month_trend_takes_the_units_row_for_each_school_year():
    import pandas as pd

    from homeroom.definitions import load_definition
    from homeroom.reports.summary import build_summary

    def frame(rates: dict[int, float]) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"school_year": y, "district_id": "D1", "chronic_absence_rate": r}
                for y, r in rates.items()
            ]
        )

    answers = {
        dt.date(2024, 9, 30): frame({2024: 0.30, 2025: 0.05}),
        dt.date(2024, 10, 31): frame({2024: 0.30, 2025: 0.08}),
    }
    ends = [
        pdf.MonthEnd(2025, 9, dt.date(2024, 9, 30)),
        pdf.MonthEnd(2025, 10, dt.date(2024, 10, 31)),
    ]
    summary = build_summary(_one_district_metrics(), load_definition("default"))
    seen = []
    points = pdf.month_trend(
        answers.__getitem__, ends, summary, progress=lambda d, t: seen.append((d, t))
    )
    assert points == (
        charts.MonthRate(2025, 9, 0.05, dt.date(2024, 9, 30)),
        charts.MonthRate(2025, 10, 0.08, dt.date(2024, 10, 31)),
    )
    assert seen == [(1, 2), (2, 2)]


def _one_district_metrics():
    from report_frames import GROUPS, FakeMetrics, district_frame, group_frame, school_frame

    frames = {("district", ()): district_frame(), ("school", ()): school_frame()}
    for column in GROUPS:
        frames[("district", (column,))] = group_frame(column)
    return FakeMetrics(frames)
