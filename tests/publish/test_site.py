"""The written site: its files, its CSVs' columns, and pages that are small, scriptless and
accessible in their markup (the browser test runs axe-core on them)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from publish.conftest import Site, publish_app

COLUMNS = [
    "level",
    "district_id",
    "school_id",
    "group_column",
    "group_value",
    "students_eligible",
    "chronically_absent_count",
    "chronic_absence_rate",
]
PAGE_LIMIT = 200 * 1024


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_three_tables_have_exactly_the_public_columns(site: Site) -> None:
    for name in ("districts.csv", "schools.csv", "groups.csv"):
        with (site.out / "data" / name).open(newline="", encoding="utf-8") as handle:
            assert next(csv.reader(handle)) == COLUMNS, name
    districts = rows(site.out / "data" / "districts.csv")
    assert [r["level"] for r in districts] == ["state", "district", "district"]
    assert {(r["group_column"], r["group_value"]) for r in districts} == {("all", "all")}
    schools = rows(site.out / "data" / "schools.csv")
    assert {r["level"] for r in schools} == {"school"} and len(schools) >= 5
    groups = rows(site.out / "data" / "groups.csv")
    assert {r["level"] for r in groups} == {"state", "district", "school"}
    assert "all" not in {r["group_column"] for r in groups}
    assert {"grade_level", "sex", "homeless"} <= {r["group_column"] for r in groups}
    # A flag publishes both of its values, so a single hidden one can be protected.
    assert {r["group_value"] for r in groups if r["group_column"] == "homeless"} == {
        "true",
        "false",
    }


def test_a_hidden_cell_hides_all_three_numbers(site: Site) -> None:
    for name in ("districts.csv", "schools.csv", "groups.csv", "trend.csv"):
        for row in rows(site.out / "data" / name):
            numbers = [row[c] for c in COLUMNS[5:]]
            assert numbers.count("*") in (0, 3), (name, row)


def test_the_trend_has_every_school_year(site: Site) -> None:
    trend = rows(site.out / "data" / "trend.csv")
    assert {r["school_year"] for r in trend} == {"2024", "2025"}
    assert {r["group_column"] for r in trend} == {"all"}
    latest = [{k: v for k, v in r.items() if k != "school_year"} for r in trend]
    latest = [r for r, t in zip(latest, trend, strict=True) if t["school_year"] == "2025"]
    tables = rows(site.out / "data" / "districts.csv") + rows(site.out / "data" / "schools.csv")
    assert latest == tables  # the latest year's trend row is the table's own cell


def pages(site: Site) -> list[Path]:
    return sorted(site.out.rglob("*.html"))


def test_every_unit_has_a_page(site: Site) -> None:
    schools = rows(site.out / "data" / "schools.csv")
    assert (site.out / "index.html").is_file()
    assert {p.stem for p in (site.out / "districts").glob("*.html")} == {"D01", "D02"}
    assert {p.stem for p in (site.out / "schools").glob("*.html")} == {
        r["school_id"] for r in schools
    }
    about = json.loads((site.out / "site.json").read_text())
    assert about["definition"] == "default" and about["minimum_group_size"] == 10


def test_pages_are_small_scriptless_and_structured(site: Site) -> None:
    found = pages(site)
    assert len(found) == 1 + 2 + len(rows(site.out / "data" / "schools.csv"))
    assert max(p.stat().st_size for p in found) < PAGE_LIMIT
    for page in found:
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html.lower(), page
        assert html.count("<h1") == 1, page
        assert '<html lang="en">' in html, page
        assert '<a class="skip" href="#main">' in html and '<main id="main">' in html, page
        levels = [int(n) for n in re.findall(r"<h([1-6])", html)]
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), page
        assert "<th>" not in html and '<th scope="col">' in html, page
        svgs = re.findall(r"<svg[^>]*>.*?</svg>", html, flags=re.S)
        assert len(svgs) >= 2, page  # the trend and the grades
        for svg in svgs:
            assert 'role="img"' in svg and re.search(r"<title id=\"[^\"]+\">[^<]+</title>", svg)


def test_a_suppressed_cell_says_so_on_its_page(site: Site) -> None:
    hidden = [
        r
        for r in rows(site.out / "data" / "groups.csv")
        if r["level"] == "school" and r["students_eligible"] == "*"
    ]
    assert hidden, "the synthetic state should have small groups"
    school = hidden[0]["school_id"]
    html = (site.out / "schools" / f"{school}.html").read_text(encoding="utf-8")
    assert "suppressed (fewer than 10 students)" in html
    assert "<td>*</td>" in html


def test_the_site_is_replaced_whole_and_a_foreign_folder_is_refused(
    site: Site, tmp_path: Path
) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    outcome = CliRunner().invoke(
        publish_app(), ["publish", "--workspace", str(site.workspace), "--out", str(foreign)]
    )
    assert outcome.exit_code != 0
    assert "holds other files" in str(outcome.exception)
    assert (foreign / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("argument", ["--help"])
def test_help_has_an_example(argument: str) -> None:
    outcome = CliRunner().invoke(publish_app(), ["publish", argument])
    assert outcome.exit_code == 0
    assert "homeroom publish --workspace" in outcome.output


def test_a_site_is_replaced_whole_and_a_failure_leaves_the_old_one(tmp_path: Path) -> None:
    from homeroom.definitions import load_definition
    from homeroom.publish.cells import site_cells
    from homeroom.publish.site import write_site
    from publish.test_cells import hand_metrics

    definition = load_definition("default")
    cells = site_cells(hand_metrics, definition, ("sex",))
    about = {"as_of": "2025-06-10", "minimum_group_size": 10}
    out = tmp_path / "site"
    write_site(cells, definition, {"S1": "First School"}, out, about)
    (out / "schools" / "stale.html").write_text("from an older site")
    written = write_site(cells, definition, {"S1": "First School"}, out, about)
    assert written.pages == 1 + 2 + 4 and not (out / "schools" / "stale.html").exists()
    assert "First School" in (out / "districts" / "D1.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no temporary folder left

    with pytest.raises(ValueError, match="not a date"):  # fails while rendering the pages
        write_site(cells, definition, {}, out, {"as_of": "not a date"})
    assert (out / "index.html").is_file() and sorted(p.name for p in tmp_path.iterdir()) == ["site"]
