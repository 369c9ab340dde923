"""The Ed-Fi words the exporter writes: home languages as Ed-Fi's three-letter codes."""

from __future__ import annotations

from homeroom.contract.languages import codes, three_letter
from homeroom.interop.edfi.json_words import LANGUAGES


def test_every_two_letter_language_has_its_ed_fi_three_letter_code() -> None:
    assert set(LANGUAGES) == set(codes())
    assert all(LANGUAGES[code] == three_letter(code) for code in codes())
    assert all(len(value) == 3 for value in LANGUAGES.values())
    # Beyond the hand list of 37 the exporter once had: Albanian, Yiddish, Welsh, Navajo.
    assert (LANGUAGES["sq"], LANGUAGES["yi"], LANGUAGES["cy"], LANGUAGES["nv"]) == (
        "alb",
        "yid",
        "wel",
        "nav",
    )
