"""`homeroom awareness` end to end on a tiny district: a one-page PDF per unit, the images and
their alt text with the metrics' numbers, small units hidden, --school, --language refused."""

from __future__ import annotations

import json
import re
import zlib
from pathlib import Path

import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from homeroom.cli import awareness
from homeroom.cli.output import UsageProblem

NBSP = "\u00a0"
# The shipped default with groups under 20 students hidden: D01-M01 (18 students) is hidden.
STRICT = "minimum_group_size = 10"


def _app() -> typer.Typer:
    app = typer.Typer()
    awareness.register(app)
    app.command()(lambda: None)  # a second command, so `awareness` is a subcommand as in homeroom
    return app


def _run(*args: object) -> object:
    return CliRunner().invoke(_app(), ["awareness", *map(str, args)])


def _pages(pdf: bytes) -> int:
    """Page objects in a PDF, those in compressed object streams included."""
    count = len(re.findall(rb"/Type\s*/Page\b", pdf))
    for start in re.finditer(rb"stream\r?\n", pdf):
        try:
            body = zlib.decompress(pdf[start.end() : pdf.find(b"endstream", start.end())])
        except zlib.error:
            continue
        count += len(re.findall(rb"/Type\s*/Page\b", body))
    return count


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from importlib import resources

    text = (resources.files("homeroom.definitions") / "profiles" / "default.toml").read_text(
        encoding="utf-8"
    )
    assert STRICT in text
    path = tmp_path_factory.mktemp("definition") / "strict.toml"
    path.write_text(text.replace(STRICT, "minimum_group_size = 20"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def english(district: Path, strict: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("english") / "awareness"
    outcome = _run("--workspace", district, "--definition", strict, "--language", "en",
                   "--out", out)  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    return out


def test_one_one_page_pdf_per_school_and_district(english: Path):
    sheets = sorted(p.relative_to(english).as_posix() for p in english.rglob("*.pdf"))
    assert sheets == [f"{unit}/sheet.en.pdf" for unit in (
        "district-D01", "school-D01-E01", "school-D01-H01", "school-D01-M01")]  # fmt: skip
    for path in english.rglob("*.pdf"):
        assert _pages(path.read_bytes()) == 1, path
    about = json.loads((english / "awareness.en.about.json").read_text())
    assert about["rows"] == 4


def test_images_are_sized_for_social_media_and_their_alt_text_gives_the_numbers(
    english: Path, district: Path
):
    from homeroom.pipeline import metrics_for_workspace
    from homeroom.warehouse import open_workspace

    rates = metrics_for_workspace(open_workspace(district), level="school")
    listing = json.loads((english / "school-D01-E01" / "images.en.json").read_text())
    assert [(i["width"], i["height"]) for i in listing] == [(1200, 675), (1080, 1080)]
    for item in listing:
        with Image.open(english / "school-D01-E01" / item["file"]) as image:
            assert image.size == (item["width"], item["height"])
    row = rates.set_index("school_id").loc["D01-E01"]
    share = f"{round(100 * row['chronically_absent_count'] / row['students_eligible'], 1)}%"
    whole = metrics_for_workspace(open_workspace(district), level="district").iloc[0]
    district_share = f"{round(100 * whole['chronic_absence_rate'], 1)}%"
    assert share in listing[0]["alt"] and listing[0]["alt"].endswith(f": {district_share}.")
    assert listing[0]["alt"].startswith("Bar chart. ") and "through " in listing[0]["alt"]


def test_a_school_under_the_minimum_group_size_gets_a_sheet_but_no_number_or_chart(english):
    hidden = english / "school-D01-M01"
    assert sorted(p.name for p in hidden.iterdir()) == ["sheet.en.pdf"]
    assert (english / "school-D01-H01" / "images.en.json").is_file()  # 23 students: shown


def test_one_school_in_spanish(district: Path, tmp_path: Path):
    outcome = _run("--workspace", district, "--school", "D01-E01", "--language", "es",
                   "--out", tmp_path)  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["school-D01-E01"]
    listing = json.loads((tmp_path / "school-D01-E01" / "images.es.json").read_text())
    alt = listing[0]["alt"]
    assert alt.startswith("Gráfico de barras. ") and f"{NBSP}%" in alt and "hasta el " in alt
    assert re.search(r"\d+,\d\u00a0%", alt) and listing[0]["language"] == "es"


def test_an_unknown_language_or_school_is_refused_and_nothing_is_written(district, tmp_path):
    outcome = _run("--workspace", district, "--language", "fr", "--out", tmp_path / "out")
    assert isinstance(outcome.exception, UsageProblem)
    assert str(outcome.exception) == "--language must be one of en, es; got 'fr'"
    outcome = _run("--workspace", district, "--school", "X9", "--out", tmp_path / "out")
    assert isinstance(outcome.exception, UsageProblem) and "'X9'" in str(outcome.exception)
    assert not (tmp_path / "out").exists()


def test_help_gives_an_example():
    outcome = CliRunner().invoke(_app(), ["awareness", "--help"])
    assert outcome.exit_code == 0 and "homeroom awareness --workspace district" in outcome.output
