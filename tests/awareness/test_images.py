"""The chart images: exact social-media sizes, alt text with the numbers in the language."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from awareness.conftest import facts
from homeroom.awareness import images
from homeroom.awareness.content import Figure

NBSP = "\u00a0"


def test_two_images_of_exact_sizes_listed_with_their_alt_text(tmp_path: Path):
    pictures = images.write_images(facts(), "en", tmp_path)
    assert [(p.width, p.height) for p in pictures] == [(1200, 675), (1080, 1080)]
    for picture in pictures:
        with Image.open(tmp_path / picture.file) as image:
            assert image.format == "PNG" and image.size == (picture.width, picture.height)
    listing = json.loads((tmp_path / "images.en.json").read_text(encoding="utf-8"))
    assert [(i["file"], i["width"], i["height"]) for i in listing] == [
        ("chart-1200x675.en.png", 1200, 675), ("chart-1080x1080.en.png", 1080, 1080)
    ]  # fmt: skip
    assert listing[0]["alt"] == (
        "Bar chart. Lincoln Elementary: 12.5% of students were chronically absent in the "
        "2024-25 school year, through March 5, 2025. State (OH): 23.4%."
    )


def test_spanish_alt_text_has_the_numbers_and_dates_as_spanish_writes_them():
    alt = images.alt_text(facts(), "es")
    assert alt == (
        f"Gráfico de barras. Lincoln Elementary: el 12,5{NBSP}% de los estudiantes tuvo "
        f"ausencia crónica en el año escolar 2024-25, hasta el 5 de marzo de 2025. "
        f"Estado (OH): 23,4{NBSP}%."
    )


def test_a_hidden_comparison_is_said_and_a_district_is_named():
    hidden = images.alt_text(facts(beside=Figure("state", "OH", None, 4)), "en")
    assert hidden.endswith("State (OH): not shown, too few students for privacy.")
    district = images.alt_text(facts(beside=Figure("district", "Apple USD", 0.2, 90)), "en")
    assert district.endswith("Apple USD: 20%.")


def test_a_unit_too_small_to_show_gets_no_images(tmp_path: Path):
    assert images.write_images(facts(rate=None), "en", tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_the_chart_labels_its_bars_with_the_numbers():
    spec = images.chart_spec(facts(), "es", 1200, 675, 1.7)
    assert [v["shown"] for v in spec["data"]["values"]] == [f"12,5{NBSP}%", f"23,4{NBSP}%"]
    assert spec["title"]["text"] == "Ausencia crónica, año escolar 2024-25"
